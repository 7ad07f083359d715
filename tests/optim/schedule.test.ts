import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { GRPO_DEFAULTS } from "../../src/grpo/config";
import { learningRateAt, lrMultiplier, warmupSteps } from "../../src/optim/schedule";

const close = (got: number, want: number, what: string) =>
  assert.ok(Math.abs(got - want) < 1e-12, `${what}: got ${got}, want ${want}`);

describe("LR schedules (HF semantics)", () => {
  // Open-RS: 500 steps, warmup_ratio 0.1 → W = 50, cosine_with_min_lr with min_lr_rate 0.1, peak 1e-6
  const openRs = {
    ...GRPO_DEFAULTS,
    lr_scheduler_type: "cosine_with_min_lr" as const,
    lr_scheduler_kwargs: { min_lr_rate: 0.1 },
    warmup_ratio: 0.1,
  };

  it("warmup steps: ceil(ratio × total) unless warmup_steps > 0", () => {
    assert.equal(warmupSteps(openRs, 500), 50);
    assert.equal(warmupSteps({ warmup_ratio: 0.1, warmup_steps: 0 }, 33), 4); // ceil(3.3)
    assert.equal(warmupSteps({ warmup_ratio: 0.1, warmup_steps: 7 }, 500), 7);
  });

  it("cosine_with_min_lr at known points", () => {
    close(lrMultiplier(openRs, 0, 500), 0, "step 0 (first update uses LR 0, as HF)");
    close(lrMultiplier(openRs, 25, 500), 0.5, "mid-warmup 25/50");
    close(lrMultiplier(openRs, 50, 500), 1, "end of warmup: 0.1 + 0.9·½(1 + cos 0)");
    // progress 225/450 = ½ → cos(π/2) = 0 → 0.1 + 0.9·0.5 = 0.55
    close(lrMultiplier(openRs, 275, 500), 0.55, "halfway through the decay");
    close(lrMultiplier(openRs, 500, 500), 0.1, "end: the floor min_lr_rate");
    close(learningRateAt(openRs, 275, 500), 0.55e-6, "absolute LR");
    // min_lr (absolute) = 1e-7 = rate 0.1 of the peak
    const abs = { ...openRs, lr_scheduler_kwargs: { min_lr: 1e-7 } };
    close(lrMultiplier(abs, 275, 500), 0.55, "min_lr as an absolute floor");
  });

  it("linear: warmup then linear decay to 0", () => {
    const lin = { ...GRPO_DEFAULTS, lr_scheduler_type: "linear" as const, warmup_steps: 10 };
    close(lrMultiplier(lin, 5, 110), 0.5, "warmup 5/10");
    close(lrMultiplier(lin, 60, 110), 0.5, "(110 − 60)/(110 − 10)");
    close(lrMultiplier(lin, 110, 110), 0, "end");
  });

  it("constant: 1 everywhere (HF constant ignores warmup)", () => {
    const c = { ...GRPO_DEFAULTS, lr_scheduler_type: "constant" as const, warmup_ratio: 0.5 };
    close(lrMultiplier(c, 0, 10), 1, "step 0");
    close(lrMultiplier(c, 9, 10), 1, "step 9");
  });
});
