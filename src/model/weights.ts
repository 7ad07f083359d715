/**
 * Qwen2 weights: HF parameter names ↔ tf.Variables, validation against the config, and seeded random init.
 *
 * Layout: linear weights (`*_proj.weight`, `lm_head.weight`) are held transposed, as `[in, out]`, so that every
 * forward product is a non-transposed 2-D matmul (docs/references.md, "tfjs-backend-wasm: kernels"); they are transposed back to HF's
 * `[out, in]` on save. Embeddings, biases and norms keep the HF layout.
 */
import * as tf from "@tensorflow/tfjs-core";
import { Rng } from "../util/rng";
import { type Qwen2Config, qwen2ParameterShapes } from "./config";

/** A weight as plain data, in the HF layout. */
export interface HostTensor {
  shape: number[];
  data: Float32Array;
}

/** Whether the variable for this HF parameter is held as the transpose of the HF tensor. */
export function isTransposedParam(name: string): boolean {
  return name === "lm_head.weight" || /_proj\.weight$/.test(name);
}

/** Transposes a row-major [rows, cols] matrix. */
export function transpose2d(data: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let r = 0; r < rows; r++) {
    const ro = r * cols;
    for (let c = 0; c < cols; c++) out[c * rows + r] = data[ro + c];
  }
  return out;
}

/**
 * Checks that `tensors` holds exactly the parameters the config implies, with matching shapes. A tied config
 * tolerates (and ignores) an `lm_head.weight` equal in shape to the embedding, as some exporters write it.
 * Errors name the tensor and `source` (the directory or file).
 */
export function validateQwen2Tensors(
  cfg: Qwen2Config,
  tensors: ReadonlyMap<string, { shape: readonly number[] }>,
  source: string,
): void {
  const expected = new Map(qwen2ParameterShapes(cfg));
  for (const [name, shape] of expected) {
    const t = tensors.get(name);
    if (!t) throw new Error(`${source}: missing tensor "${name}" (expected shape [${shape}])`);
    if (t.shape.length !== shape.length || t.shape.some((s, i) => s !== shape[i])) {
      throw new Error(
        `${source}: tensor "${name}" has shape [${t.shape}] but config.json implies [${shape}] ` +
          "(does config.json belong to these weights?)",
      );
    }
  }
  for (const name of tensors.keys()) {
    if (expected.has(name)) continue;
    if (name === "lm_head.weight" && cfg.tie_word_embeddings) continue;
    throw new Error(`${source}: unexpected tensor "${name}" (not a Qwen2 parameter for this config.json)`);
  }
}

/** Creates one variable per parameter, in HF order, from host tensors (validated first). */
export function hostToVariables(
  cfg: Qwen2Config,
  tensors: ReadonlyMap<string, HostTensor>,
  source: string,
): Map<string, tf.Variable> {
  validateQwen2Tensors(cfg, tensors, source);
  const vars = new Map<string, tf.Variable>();
  for (const [name, shape] of qwen2ParameterShapes(cfg)) {
    const t = tensors.get(name)!;
    const transposed = isTransposedParam(name);
    const data = transposed ? transpose2d(t.data, shape[0], shape[1]) : t.data;
    const vShape = transposed ? [shape[1], shape[0]] : shape;
    const init = tf.tensor(data, vShape, "float32");
    vars.set(name, tf.variable(init, true, `${name}#${nextVarId++}`));
    init.dispose();
  }
  return vars;
}

let nextVarId = 0;

/** Reads variables back into host tensors in the HF layout (a copy). */
export function variablesToHost(vars: ReadonlyMap<string, tf.Variable>): Map<string, HostTensor> {
  const out = new Map<string, HostTensor>();
  for (const [name, v] of vars) {
    const data = v.dataSync() as Float32Array;
    if (isTransposedParam(name)) {
      const [rows, cols] = v.shape;
      out.set(name, { shape: [cols, rows], data: transpose2d(data, rows, cols) });
    } else {
      out.set(name, { shape: v.shape.slice(), data: Float32Array.from(data) });
    }
  }
  return out;
}

/** Options of {@link randomQwen2Tensors}. */
export interface RandomInitOptions {
  /** Std of weight and embedding entries; default 0.02 (HF's `initializer_range`). */
  std?: number;
  /** Std of biases; default 0.02 (HF inits biases to 0; random ones exercise the bias path in tests). */
  biasStd?: number;
  /** Std of norm weights around 1; default 0.1 (HF inits them to exactly 1). */
  normStd?: number;
}

/** Seeded random weights in the HF layout (same seed → same weights on every machine). */
export function randomQwen2Tensors(
  cfg: Qwen2Config,
  seed: number,
  opts: RandomInitOptions = {},
): Map<string, HostTensor> {
  const rng = new Rng(seed);
  const normal = (): number => {
    const u = 1 - rng.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.next());
  };
  const out = new Map<string, HostTensor>();
  for (const [name, shape] of qwen2ParameterShapes(cfg)) {
    const n = shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(n);
    const isNorm = name.endsWith("norm.weight");
    const std = isNorm
      ? (opts.normStd ?? 0.1)
      : name.endsWith(".bias")
        ? (opts.biasStd ?? 0.02)
        : (opts.std ?? 0.02);
    for (let i = 0; i < n; i++) data[i] = (isNorm ? 1 : 0) + std * normal();
    out.set(name, { shape, data });
  }
  return out;
}
