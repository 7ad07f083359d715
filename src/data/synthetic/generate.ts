/**
 * The synthetic curriculum's generator: rows of every kind and level from one seed, de-duplicated by problem,
 * and the fixed train / held-out splits.
 */
import { Rng } from "../../util/rng";
import { kindSpec } from "./kinds";
import {
  DEFAULT_LEVELS,
  type LevelParams,
  SYNTH_KINDS,
  type SynthKind,
  type SynthLevel,
  type SynthParams,
  type SynthRow,
} from "./types";

/** Options shared by the generators. */
export interface GenerateOptions {
  /** Kinds to draw from, cycled in order. Default: all of {@link SYNTH_KINDS}. */
  kinds?: readonly SynthKind[];
  /** Overrides of the per-level number ranges (merged over {@link DEFAULT_LEVELS}). */
  levels?: Partial<Record<SynthLevel, Partial<LevelParams>>>;
  /**
   * Kinds per level, cycled in order within each level (repeat a kind to weight it), overriding `kinds` for
   * that level. Default: none (every level cycles `kinds`).
   */
  levelKinds?: Partial<Record<SynthLevel, readonly SynthKind[]>>;
}

/** The problem's identity for de-duplication: kind, form, numbers and operators (not the wording). */
export function problemKey(params: SynthParams): string {
  return `${params.kind}|${params.form}|${params.nums.join(",")}|${(params.ops ?? []).join("")}`;
}

/** The worked solution of a row: the reasoning lines, then the boxed answer. */
export function solutionText(steps: readonly string[], answer: string): string {
  return `${steps.join("\n")}\nThe answer is $\\boxed{${answer}}$.`;
}

function levelParams(level: SynthLevel, opts: GenerateOptions): LevelParams {
  return { ...DEFAULT_LEVELS[level], ...(opts.levels?.[level] ?? {}) };
}

/** One row of a given kind and level, drawn from `rng`. */
export function generateRow(
  rng: Rng,
  kind: SynthKind,
  level: SynthLevel,
  id: string,
  opts: GenerateOptions = {},
): SynthRow {
  const spec = kindSpec(kind);
  const { problem, params } = spec.sample(rng, level, levelParams(level, opts));
  const solved = spec.solve(params);
  return {
    id,
    problem,
    answer: solved.answer,
    solution: solutionText(solved.steps, solved.answer),
    level,
    source: `synthetic/${kind}`,
    params,
  };
}

/** How to draw a set: its size, its level mix and its id prefix. */
interface DrawSpec {
  n: number;
  hardFraction: number;
  idPrefix: string;
}

/**
 * Draw `n` distinct rows (by {@link problemKey}) whose keys are not in `exclude`; adds the new keys to `exclude`.
 * Kinds are cycled, so each kind gets n / kinds rows; the level of each row is drawn with `hardFraction`.
 */
function drawSet(rng: Rng, spec: DrawSpec, exclude: Set<string>, opts: GenerateOptions): SynthRow[] {
  const kinds = opts.kinds ?? SYNTH_KINDS;
  if (kinds.length === 0)
    throw new Error(`generate: \`kinds\` is empty; pass at least one of ${SYNTH_KINDS.join(", ")}`);
  for (const [lvl, ks] of Object.entries(opts.levelKinds ?? {})) {
    if (ks && ks.length === 0)
      throw new Error(`generate: \`levelKinds.${lvl}\` is empty; omit it or list kinds`);
  }
  const rows: SynthRow[] = [];
  const perLevel: Record<SynthLevel, number> = { Easy: 0, Hard: 0 };
  let misses = 0;
  while (rows.length < spec.n) {
    let kind = kinds[rows.length % kinds.length];
    const level: SynthLevel = rng.next() < spec.hardFraction ? "Hard" : "Easy";
    const own = opts.levelKinds?.[level];
    if (own) kind = own[perLevel[level] % own.length];
    const id = `${spec.idPrefix}-${String(rows.length).padStart(5, "0")}`;
    const row = generateRow(rng, kind, level, id, opts);
    const key = problemKey(row.params);
    if (exclude.has(key)) {
      if (++misses > 200 * spec.n + 10_000) {
        throw new Error(
          `generate: cannot find ${spec.n} distinct '${spec.idPrefix}' problems; lower the size or widen the levels`,
        );
      }
      continue;
    }
    exclude.add(key);
    rows.push(row);
    perLevel[level]++;
  }
  return rows;
}

/** Sizes of the fixed splits. */
export interface SplitOptions extends GenerateOptions {
  /** Master seed. Default 1234. */
  seed?: number;
  /** Training rows. Default 4000. */
  trainSize?: number;
  /** Fraction of training rows that are Hard. Default 0.5. */
  trainHardFraction?: number;
  /** Held-out Hard rows. Default 300. */
  heldoutHardSize?: number;
  /** Held-out Easy rows. Default 200. */
  heldoutEasySize?: number;
}

/** The curriculum: a training set and two held-out sets that share no problem (by {@link problemKey}). */
export interface SynthSplits {
  train: SynthRow[];
  heldoutHard: SynthRow[];
  heldoutEasy: SynthRow[];
}

/**
 * Build the fixed splits. The held-out sets are drawn first, from their own streams of `seed`, so they depend
 * only on the seed and their own sizes (never on `trainSize`); training rows then skip every held-out problem.
 */
export function makeSplits(opts: SplitOptions = {}): SynthSplits {
  const seed = opts.seed ?? 1234;
  const seen = new Set<string>();
  const heldoutHard = drawSet(
    new Rng(seed ^ 0x4a11d),
    { n: opts.heldoutHardSize ?? 300, hardFraction: 1, idPrefix: "synth-heldout-hard" },
    seen,
    opts,
  );
  const heldoutEasy = drawSet(
    new Rng(seed ^ 0xea5e),
    { n: opts.heldoutEasySize ?? 200, hardFraction: 0, idPrefix: "synth-heldout-easy" },
    seen,
    opts,
  );
  const train = drawSet(
    new Rng(seed ^ 0x7a11),
    { n: opts.trainSize ?? 4000, hardFraction: opts.trainHardFraction ?? 0.5, idPrefix: "synth-train" },
    seen,
    opts,
  );
  return { train, heldoutHard, heldoutEasy };
}

/** `n` distinct rows of one level (or a mix), for ad-hoc use; no held-out exclusion. */
export function generateRows(
  seed: number,
  n: number,
  opts: GenerateOptions & { hardFraction?: number } = {},
): SynthRow[] {
  return drawSet(
    new Rng(seed),
    { n, hardFraction: opts.hardFraction ?? 0.5, idPrefix: `synth-${seed}` },
    new Set(),
    opts,
  );
}
