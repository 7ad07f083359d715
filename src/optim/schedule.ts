/**
 * Learning-rate schedules with HF `transformers` semantics (`get_scheduler`, 4.49): a multiplier λ(step) of the
 * peak `learning_rate`, for 0-based optimizer step `step`. The update at step k uses λ(k); like HF, the
 * logged `learning_rate` after step k is λ(k + 1) (the scheduler has already advanced), so with warmup the very
 * first update uses LR 0. GRPO and SFT configs carry these fields under the same HF names.
 */

/** The schedules (HF `lr_scheduler_type` names). */
export const LR_SCHEDULER_TYPES = ["cosine_with_min_lr", "constant", "linear"] as const;
/** Learning-rate schedule (HF `lr_scheduler_type`). */
export type LrSchedulerType = (typeof LR_SCHEDULER_TYPES)[number];

/** HF `lr_scheduler_kwargs`: the floor of `cosine_with_min_lr`, as a fraction of the peak or absolute. */
export interface LrSchedulerKwargs {
  min_lr_rate?: number;
  min_lr?: number;
}

/** The config fields a schedule reads (HF names). */
export interface ScheduleConfig {
  learning_rate: number;
  lr_scheduler_type: LrSchedulerType;
  lr_scheduler_kwargs: LrSchedulerKwargs;
  warmup_ratio: number;
  warmup_steps: number;
}

/** HF `get_warmup_steps`: `warmup_steps` if > 0, else ceil(total × warmup_ratio). */
export function warmupSteps(
  cfg: Pick<ScheduleConfig, "warmup_ratio" | "warmup_steps">,
  totalSteps: number,
): number {
  return cfg.warmup_steps > 0 ? cfg.warmup_steps : Math.ceil(totalSteps * cfg.warmup_ratio);
}

/**
 * LR multiplier at 0-based `step` of `totalSteps`:
 * - `linear`: step/W during warmup, then max(0, (T − step)/(T − W));
 * - `constant`: 1 (HF's `constant` ignores warmup);
 * - `cosine_with_min_lr`: warmup, then ρ + (1 − ρ)·½(1 + cos(π·progress)), ρ = min_lr_rate (or min_lr / peak).
 */
export function lrMultiplier(cfg: ScheduleConfig, step: number, totalSteps: number): number {
  const W = warmupSteps(cfg, totalSteps);
  if (cfg.lr_scheduler_type === "constant") return 1;
  if (step < W) return step / Math.max(1, W);
  if (cfg.lr_scheduler_type === "linear") {
    return Math.max(0, (totalSteps - step) / Math.max(1, totalSteps - W));
  }
  const kw = cfg.lr_scheduler_kwargs;
  const rate = kw.min_lr_rate ?? (kw.min_lr !== undefined ? kw.min_lr / cfg.learning_rate : 0);
  const progress = (step - W) / Math.max(1, totalSteps - W);
  const cosine = 0.5 * (1 + Math.cos(Math.PI * progress));
  return Math.max(0, cosine * (1 - rate) + rate);
}

/** Absolute learning rate at 0-based `step`. */
export function learningRateAt(cfg: ScheduleConfig, step: number, totalSteps: number): number {
  return cfg.learning_rate * lrMultiplier(cfg, step, totalSteps);
}
