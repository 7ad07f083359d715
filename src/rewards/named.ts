/** Naming a reward function with its metric name. */
import type { NamedRewardFn, RewardFn } from "./types";

/**
 * Attach the metric name to a reward function (as `rewardName`, not `Function.name`, which bundlers and
 * arrow-function inference change).
 */
export function named(rewardName: string, fn: RewardFn): NamedRewardFn {
  Object.defineProperty(fn, "rewardName", { value: rewardName, enumerable: true, writable: false });
  return fn as NamedRewardFn;
}
