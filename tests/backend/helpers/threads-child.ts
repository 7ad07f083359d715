/**
 * Child process for tests/backend/wasm-threads.test.ts: starts the 2-thread wasm backend (it must be the first
 * backend this process initialises), runs the tiny fixture forward and prints {threads, logits} as JSON.
 */
import { join } from "node:path";
import { startThreadedWasm } from "../../../src/backend/wasm-threads";
import { Qwen2ForCausalLM } from "../../../src/model/qwen2";

async function main(): Promise<void> {
  const threads = await startThreadedWasm(2);
  const m = await Qwen2ForCausalLM.fromPretrained(join(__dirname, "../../fixtures/tiny-qwen2/tied"));
  const ids = JSON.parse(process.argv[2]) as number[][];
  const t = m.forward(ids);
  process.stdout.write(JSON.stringify({ threads, logits: Array.from(t.dataSync()) }));
  t.dispose();
  m.dispose();
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
