/**
 * Difficulty filtering with a real model: a {@link CompletionSampler} over any eval {@link Runner}, so the same
 * filter runs on our in-process tfjs model (`InProcessRunner`) or against vLLM / SGLang / `open-rs serve`
 * (`HttpRunner`), as Open-RS filtered with R1-Distill-1.5B and Qwen2.5-Math-7B-Instruct.
 */
import type { SamplingParams } from "../eval/engine";
import type { Runner, SampleRequest } from "../eval/runner";
import type { ChatMessage } from "../tokenizer/types";
import type { CompletionSampler } from "./difficulty";

/** Options of {@link runnerSampler}. */
export interface RunnerSamplerOptions {
  /** Sampling settings (Open-RS's data cleaner: T 0.7, top-p 0.9, 4,096 tokens). */
  params: SamplingParams;
  /** System prompt placed before each problem; none by default. */
  systemPrompt?: string;
  /** Base seed; sample j of prompt i in call c uses a seed derived from (seed, c, i, j). Default 0. */
  seed?: number;
}

/** Wraps a runner as the sampler `filterByDifficulty` takes: `k` completions for each prompt. */
export function runnerSampler(runner: Runner, opts: RunnerSamplerOptions): CompletionSampler {
  let call = 0;
  return async (prompts, k) => {
    const c = call++;
    const requests: SampleRequest[] = [];
    prompts.forEach((prompt, i) => {
      const messages: ChatMessage[] = opts.systemPrompt
        ? [
            { role: "system", content: opts.systemPrompt },
            { role: "user", content: prompt },
          ]
        : [{ role: "user", content: prompt }];
      for (let j = 0; j < k; j++) {
        requests.push({
          key: `difficulty/${c}/${i}/${j}`,
          benchmark: "difficulty",
          problemId: String(i),
          sampleIndex: j,
          seed: ((opts.seed ?? 0) * 1_000_003 + c * 65_537 + i * k + j) >>> 0,
          messages,
        });
      }
    });
    const out: string[][] = prompts.map(() => new Array<string>(k).fill(""));
    await runner.run(requests, opts.params, async (req, sample) => {
      out[Number(req.problemId)][req.sampleIndex] = sample.text;
    });
    return out;
  };
}
