/**
 * Test-only: loaded first in every worker thread of a run (OPEN_RS_WORKER_PRELOAD), it makes one replica fail
 * inside its first policy-gradient pass, as OPEN_RS_TEST_FAULT says: `throw` (an error), `oom` (exhausts the
 * 4 GiB wasm heap for real, as a too-large micro-batch does) or `abort` (a native abort: the whole worker
 * process dies). The first thread to create the OPEN_RS_TEST_FAULT_MARKER file is the one that fails.
 */
import { closeSync, openSync } from "node:fs";
import * as tf from "@tensorflow/tfjs-core";
import { Qwen2ForCausalLM } from "../../src/model/qwen2";

const fault = process.env.OPEN_RS_TEST_FAULT;
const marker = process.env.OPEN_RS_TEST_FAULT_MARKER;

function claim(path: string): boolean {
  try {
    closeSync(openSync(path, "wx"));
    return true;
  } catch {
    return false;
  }
}

const original = Qwen2ForCausalLM.prototype.completionLogProbs;
Qwen2ForCausalLM.prototype.completionLogProbs = function (this: Qwen2ForCausalLM, ...args) {
  if (fault && marker && claim(marker)) {
    if (fault === "throw") throw new Error("injected fault: a replica threw");
    // process.abort() is refused in worker threads; a native abort (a C++ assertion) raises SIGABRT like this
    if (fault === "abort") process.kill(process.pid, "SIGABRT");
    if (fault === "oom") {
      const keep: tf.Tensor[] = [];
      try {
        for (;;) keep.push(tf.zeros([64 * 1024 * 1024])); // 256 MiB each, until the heap gives out
      } finally {
        for (const t of keep) t.dispose();
      }
    }
  }
  return original.apply(this, args);
};
