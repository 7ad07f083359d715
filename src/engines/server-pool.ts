/**
 * The `servers` rollout engine: GRPO samples on a pool of OpenAI-compatible servers (`rollout_servers`: vLLM,
 * SGLang, `open-rs serve`), prompt token ids in and completion token ids out. The weights reach the servers as
 * an HF directory (`<output_dir>/rollout-weights`, replaced atomically) that each server loads through SGLang's
 * `POST /update_weights_from_disk`: once when the engine is built, then every `weight_sync_steps`.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { GrpoConfig } from "../grpo/config";
import type { GenerationRequest, PolicyWeights } from "../grpo/policy";
import { saveHfModelDir } from "../io/hf-dir";
import type { GenerateResult } from "../sampler/types";
import type { HfTokenizer } from "../tokenizer/tokenizer";
import { writeTokenizerDir } from "../tokenizer/train-bpe-files";
import type { RolloutEngine, RolloutEngineContext } from "./rollout-engine";
import { ServerPool, type ServerPoolOptions } from "./server-pool-client";

/** Where the weights sent to the servers are written, under the run's output directory. */
export const ROLLOUT_WEIGHTS_DIR = "rollout-weights";

/** Checks `rollout_servers` (http/https URLs); throws naming the field, the value and the fix. */
export function checkServerUrls(servers: readonly string[] | null): string[] {
  if (!servers || servers.length === 0) {
    throw new Error(
      'rollout_servers: null; rollout_engine "servers" needs at least one base URL, e.g. ["http://127.0.0.1:8000"]',
    );
  }
  for (const s of servers) {
    let u: URL | null = null;
    try {
      u = new URL(s);
    } catch {
      // reported below
    }
    if (!u || (u.protocol !== "http:" && u.protocol !== "https:")) {
      throw new Error(
        `rollout_servers: ${JSON.stringify(s)} is not an http(s) URL; give base URLs such as "http://127.0.0.1:8000"`,
      );
    }
  }
  return [...servers];
}

/** Writes the tokenizer's files (what `saveHfModelDir` copies next to the weights) into a new temp dir. */
function tokenizerFiles(tok: HfTokenizer): string {
  const dir = mkdtempSync(join(tmpdir(), "open-rs-rollout-tok-"));
  const spec = tok.toSpec();
  const config = spec.chatTemplate
    ? { ...spec.tokenizerConfig, chat_template: spec.chatTemplate }
    : spec.tokenizerConfig;
  writeTokenizerDir(dir, spec.tokenizerJson, config);
  return dir;
}

export class ServerPoolRolloutEngine implements RolloutEngine {
  readonly name = "servers";
  /** Where the servers load the weights from. */
  readonly weightsDir: string;

  private constructor(
    readonly pool: ServerPool,
    private readonly tokenizerDir: string,
    outputDir: string,
    private readonly vocabSize: number,
  ) {
    this.weightsDir = resolve(outputDir, ROLLOUT_WEIGHTS_DIR);
  }

  /**
   * Connects to every server (each must answer `GET /v1/models` and accept the key), then sends the policy's
   * current weights, so that a resumed run or a server started from another checkpoint samples the policy.
   */
  static async create(
    ctx: RolloutEngineContext,
    cfg: Readonly<GrpoConfig>,
    opts: Omit<ServerPoolOptions, "servers" | "apiKey"> = {},
  ): Promise<ServerPoolRolloutEngine> {
    if (!ctx.weights.hf) {
      throw new Error('rollout_engine "servers" needs a Qwen2 model (HF-named weights the servers can load)');
    }
    const servers = checkServerUrls(cfg.rollout_servers);
    const pool = new ServerPool({ ...opts, servers, apiKey: cfg.rollout_api_key });
    await pool.connect();
    const vocab = ctx.weights.config.vocab_size;
    const tokDir = tokenizerFiles(ctx.tokenizer);
    const engine = new ServerPoolRolloutEngine(
      pool,
      tokDir,
      ctx.outputDir,
      typeof vocab === "number" ? vocab : ctx.tokenizer.vocabSize,
    );
    try {
      await engine.syncWeights(ctx.weights);
    } catch (err) {
      await engine.dispose();
      throw err;
    }
    return engine;
  }

  async generate(req: GenerationRequest): Promise<GenerateResult> {
    const g = req.groupSize ?? 1;
    const outs = await this.pool.complete(
      req.promptIds.map((promptIds, i) => ({ promptIds, seed: req.seeds[i], group: Math.floor(i / g) })),
      {
        maxNewTokens: req.maxNewTokens,
        temperature: req.temperature,
        topP: req.topP,
        topK: req.topK,
        eosTokenIds: req.eosTokenIds,
        vocabSize: this.vocabSize,
      },
    );
    return {
      completionIds: outs.map((o) => o.completionIds),
      logprobs: outs.map((o) => o.logprobs),
      truncated: outs.map((o) => o.truncated),
    };
  }

  /** Saves the weights (F32 HF directory, replacing the last one) and has every server load them. */
  async syncWeights(weights: PolicyWeights): Promise<number> {
    const t0 = performance.now();
    await saveHfModelDir(this.weightsDir, {
      config: weights.config,
      tensors: new Map(weights.names.map((n, i) => [n, weights.tensors[i]])),
      dtype: "F32",
      tokenizerDir: this.tokenizerDir,
    });
    await this.pool.reload(this.weightsDir);
    return (performance.now() - t0) / 1000;
  }

  async dispose(): Promise<void> {
    rmSync(this.tokenizerDir, { recursive: true, force: true });
  }
}
