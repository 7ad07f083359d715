/**
 * Child process for the kill-and-resume test: evaluates a toy benchmark over HTTP, appending to a results file,
 * until the parent kills it. argv: baseUrl resultsFile problems.
 */
import { evaluate } from "../../../src/eval/evaluate";
import { HttpRunner } from "../../../src/eval/http-runner";
import { resolveProtocol } from "../../../src/eval/protocol";
import { ResultsFile } from "../../../src/eval/results";
import { boxedScorer, digitBenchmark } from "./fake-engine";

const [baseUrl, file, problems] = process.argv.slice(2);
evaluate({
  benchmarks: [digitBenchmark("toy", Number(problems))],
  protocol: resolveProtocol("avg", { n: 2, temperature: 0, maxNewTokens: 64 }),
  runner: new HttpRunner({ baseUrls: [baseUrl], model: "fake-model", concurrency: 2 }),
  modelLabel: "fake-model",
  results: new ResultsFile(file),
  scorer: boxedScorer,
}).then(
  () => process.exit(0),
  (e: Error) => {
    console.error(e.message);
    process.exit(1);
  },
);
