/**
 * llama.cpp as a GRPO rollout engine: the policy's weights are written once as an F32 GGUF in a temporary
 * folder and loaded in-process; after each optimizer step the file's weights are rewritten in place, which a
 * CPU model (memory-mapped) sees at its next call without a reload (a GPU-offloaded one is reloaded).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeQwen2Gguf } from "../gguf/convert";
import type { TensorSource } from "../gguf/qwen2";
import type { GrpoConfig } from "../grpo/config";
import type { GenerationRequest, PolicyWeights } from "../grpo/policy";
import type { GenerateResult } from "../sampler/types";
import type { LlamaCppEngine } from "./llama-cpp";
import { openGguf } from "./load-llama";
import type { RolloutEngine, RolloutEngineContext } from "./rollout-engine";

/** Vocabularies up to this size get per-token log-probs by default (`rollout_logprobs: null`). */
const MAX_AUTO_LOGPROB_VOCAB = 32768;

/** The weights as a GGUF tensor source. */
function weightsSource(w: PolicyWeights): TensorSource {
  const byName = new Map(w.names.map((n, i) => [n, w.tensors[i]]));
  return {
    shapes: new Map([...byName].map(([n, t]) => [n, { shape: t.shape }])),
    read: (name) => byName.get(name)!.data,
  };
}

export class LlamaRolloutEngine implements RolloutEngine {
  readonly name = "llama.cpp";

  private constructor(
    private engine: LlamaCppEngine,
    private readonly dir: string,
    private readonly ctx: RolloutEngineContext,
    private readonly logprobs: boolean,
  ) {}

  static async create(ctx: RolloutEngineContext, cfg: Readonly<GrpoConfig>): Promise<LlamaRolloutEngine> {
    if (!ctx.weights.hf) throw new Error("rollout_engine llama.cpp needs a Qwen2 model (HF-named weights)");
    const vocab = Number(ctx.weights.config.vocab_size);
    const logprobs = cfg.rollout_logprobs ?? vocab <= MAX_AUTO_LOGPROB_VOCAB;
    if (cfg.rollout_logprobs === null && !logprobs) {
      ctx.warn?.(
        `rollout_engine llama.cpp: no rollout/logp_diff metrics (a ${vocab}-token vocabulary per sampled token would slow sampling; set rollout_logprobs: true to have them)`,
      );
    }
    const dir = mkdtempSync(join(tmpdir(), "open-rs-rollout-"));
    try {
      await LlamaRolloutEngine.write(ctx, dir, false);
      const engine = await LlamaRolloutEngine.open(ctx, dir, logprobs);
      return new LlamaRolloutEngine(engine, dir, ctx, logprobs);
    } catch (err) {
      rmSync(dir, { recursive: true, force: true });
      throw err;
    }
  }

  private static write(ctx: RolloutEngineContext, dir: string, inPlace: boolean) {
    const spec = ctx.tokenizer.toSpec();
    return writeQwen2Gguf(join(dir, "policy.gguf"), {
      config: ctx.weights.config,
      tensors: weightsSource(ctx.weights),
      tokenizer: {
        tokenizerJson: spec.tokenizerJson,
        tokenizerConfig: spec.tokenizerConfig,
        chatTemplate: spec.chatTemplate ?? (spec.tokenizerConfig.chat_template as string | undefined) ?? null,
      },
      type: "F32",
      name: "open-rs-ts policy",
      source: "policy",
      inPlace,
    });
  }

  private static open(ctx: RolloutEngineContext, dir: string, logprobs: boolean): Promise<LlamaCppEngine> {
    return openGguf(join(dir, "policy.gguf"), ctx.tokenizer, ctx.weights.config, {
      label: "policy",
      // the temperature-1 log-prob of every sampled token, for the engine/trainer mismatch metric
      logprobs,
      // a whole rollout in one batch (llama.cpp's maximum), rather than node-llama-cpp's default of 64
      parallel: 256,
    });
  }

  async generate(req: GenerationRequest): Promise<GenerateResult> {
    const outs = await this.engine.generate(
      req.promptIds,
      { temperature: req.temperature, topP: req.topP, maxNewTokens: req.maxNewTokens },
      req.seeds,
    );
    return {
      completionIds: outs.map((o) => o.completionIds),
      logprobs: outs.map((o) => o.logprobs ?? o.completionIds.map(() => Number.NaN)),
      truncated: outs.map((o) => o.truncated),
    };
  }

  async syncWeights(weights: PolicyWeights): Promise<number> {
    const t0 = performance.now();
    const ctx = { ...this.ctx, weights };
    await LlamaRolloutEngine.write(ctx, this.dir, true);
    if (this.engine.backend !== "cpu") {
      // offloaded weights live in GPU memory: the rewritten file reaches them only through a reload
      await this.engine.dispose();
      this.engine = await LlamaRolloutEngine.open(ctx, this.dir, this.logprobs);
    }
    return (performance.now() - t0) / 1000;
  }

  async dispose(): Promise<void> {
    await this.engine.dispose();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
