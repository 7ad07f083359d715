/**
 * Score a batch with several weighted rewards, with TRL's NaN-aware semantics:
 * `rewards_per_func[i][k] = r_k(i)` (`null` → NaN), `total_i = Σ_k w_k · r_k(i)` over the non-null entries
 * (torch `nansum`). Differs from TRL in one place on purpose: a row where **every** reward returned `null`
 * totals `NaN` (TRL's nansum gives 0 and warns); the trainer maps a NaN total to advantage 0 for that row and
 * leaves it out of the group mean/std.
 */
import type { WeightedReward } from "./registry";
import type { RewardBatch, RewardContext, RewardDiagnostics } from "./types";

/** Diagnostic metric key for {@link ScoreResult.unverifiable} (an extra, hence the `debug/` prefix). */
export const UNVERIFIABLE_METRIC = "debug/rewards/unverifiable";

/** Per-reward scores plus weighted totals for one batch. */
export interface ScoreResult {
  /** One entry per reward, in the order given: metric name, weight and one score per completion. */
  perFunction: Array<{ name: string; weight: number; values: (number | null)[] }>;
  /** Weighted NaN-aware sum per completion; `NaN` where every reward returned `null`. */
  totals: number[];
  /**
   * Number of completions that some verifier-based reward could not judge (gold unparseable or verifier
   * failure), logged as {@link UNVERIFIABLE_METRIC}. Faithful mode still scores them (1.0 / 0.0).
   */
  unverifiable: number;
}

function checkValues(name: string, values: unknown, n: number): (number | null)[] {
  if (!Array.isArray(values) || values.length !== n) {
    const got = Array.isArray(values) ? `${values.length} scores` : typeof values;
    throw new Error(`reward "${name}" returned ${got} for ${n} completions; return one number or null each`);
  }
  return values.map((v) => (typeof v === "number" ? v : null));
}

/**
 * Run every reward on the same completions (concurrently) and combine them.
 * @throws Error if `batch`/`ctx.completionTokenCounts` are not aligned with `completions`, or a reward returns
 *   the wrong number of scores (programming errors, not bad model output).
 */
export async function scoreRewards(
  fns: readonly WeightedReward[],
  completions: string[],
  batch: RewardBatch,
  ctx: RewardContext,
): Promise<ScoreResult> {
  const n = completions.length;
  if (batch.length !== n) {
    throw new Error(
      `scoreRewards: batch has ${batch.length} rows for ${n} completions; repeat each row per completion`,
    );
  }
  if (ctx.completionTokenCounts.length !== n) {
    throw new Error(
      `scoreRewards: ctx.completionTokenCounts has ${ctx.completionTokenCounts.length} entries for ${n} completions`,
    );
  }
  const diagnostics: RewardDiagnostics = { unverifiableRows: new Set<number>() };
  const callCtx: RewardContext = { ...ctx, diagnostics };
  const perFunction = await Promise.all(
    fns.map(async (f) => ({
      name: f.name,
      weight: f.weight,
      values: checkValues(f.name, await f.fn(completions, batch, callCtx), n),
    })),
  );
  const totals = weightedTotals(perFunction, n);
  return { perFunction, totals, unverifiable: diagnostics.unverifiableRows.size };
}

/**
 * The weighted total of each of `n` completions: Σ_k w_k · r_k(i) over the functions that scored it (`null` or
 * NaN is skipped, as torch `nansum`); `NaN` where no function did. Faithful rewards never return `null`, so
 * there this is TRL@69ad852e's plain weighted sum.
 */
export function weightedTotals(
  perFunction: ReadonlyArray<{ weight: number; values: readonly (number | null)[] }>,
  n: number,
): number[] {
  return Array.from({ length: n }, (_, i) => {
    let sum = 0;
    let any = false;
    for (const f of perFunction) {
      const v = f.values[i];
      if (v === null || Number.isNaN(v)) continue;
      sum += f.weight * v;
      any = true;
    }
    return any ? sum : Number.NaN;
  });
}
