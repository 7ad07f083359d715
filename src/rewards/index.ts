/** Public surface of the rewards module. See README.md in this folder for the mode table. */
export {
  accuracyReward,
  type CosineValues,
  cosineScaledReward,
  cosineSchedule,
  cosineValues,
  type JudgeOptions,
  lenReward,
} from "./accuracy";
export { DEFAULT_VERIFIER, goldText, judgeCompletions, type Verdict, type VerifierLike } from "./judge";
export { named } from "./named";
export {
  COSINE_MIN_VALUE_WRONG,
  DEFAULT_MAX_COMPLETION_LEN,
  REWARD_PARAM_DEFAULTS,
  type RewardParams,
  type RewardParamsInput,
  validateRewardParams,
} from "./params";
export {
  type BuiltinRewardKey,
  getRewardEntry,
  REWARD_REGISTRY,
  type RegisterRewardOptions,
  type RewardEntry,
  registerReward,
  resolveRewards,
  rewardKeys,
  unregisterReward,
  type WeightedReward,
} from "./registry";
export {
  formatReward,
  formatRewardR1,
  reasoningStepsReward,
  repetitionPenaltyReward,
  softOverlongPunishmentReward,
  tagCountReward,
  tagCountRewardR1,
} from "./rules";
export { type ScoreResult, scoreRewards, UNVERIFIABLE_METRIC } from "./score";
export type { NamedRewardFn, RewardBatch, RewardContext, RewardDiagnostics, RewardFn } from "./types";
