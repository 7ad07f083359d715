import assert from "node:assert/strict";
import { availableParallelism } from "node:os";
import { describe, it } from "node:test";
import { formatLlamaCpp } from "../../src/cli/commands/info";
import { temperatureOneLogProb } from "../../src/engines/llama-cpp";
import { llamaCppAvailability, threadpoolWarning } from "../../src/engines/llama-runtime";

describe("llama.cpp runtime helpers", () => {
  it("warns about libuv's pool only when llama.cpp has more than one thread and the pool is not small", () => {
    assert.equal(threadpoolWarning(1, {}), null);
    assert.equal(threadpoolWarning(2, { UV_THREADPOOL_SIZE: "1" }), null);
    const cores = availableParallelism();
    assert.match(threadpoolWarning(cores + 1, {}) ?? "", /UV_THREADPOOL_SIZE is unset \(libuv uses 4\)/);
    assert.match(
      threadpoolWarning(2, { UV_THREADPOOL_SIZE: "8" }) ?? "",
      /start node with UV_THREADPOOL_SIZE=1/,
    );
  });

  it("formats availability as one line per build, with the reason", () => {
    const text = formatLlamaCpp([
      { name: "CPU", available: true, reason: "prebuilt binary for linux-x64" },
      { name: "CUDA", available: false, reason: "no NVIDIA driver (libnvidia-ml.so not found)" },
      { name: "Vulkan", available: false, reason: "binary failed to load" },
    ]);
    assert.equal(
      text,
      [
        "llama.cpp CPU: yes (prebuilt binary for linux-x64)",
        "llama.cpp CUDA: no NVIDIA driver (libnvidia-ml.so not found)",
        "llama.cpp Vulkan: unavailable: binary failed to load",
      ].join("\n"),
    );
  });

  it("reports the CPU build and a reason for each GPU build here", async () => {
    const list = await llamaCppAvailability();
    assert.equal(list[0].name, "CPU");
    for (const a of list) assert.ok(a.reason.length > 0);
    if (process.platform === "linux")
      assert.deepEqual(
        list.map((a) => a.name),
        ["CPU", "CUDA", "Vulkan"],
      );
    assert.equal(list[0].available, true); // the test machines are linux-x64 or macOS: prebuilt CPU builds exist
  });

  it("recovers temperature-1 log-probs from a temperature-T distribution (worked example)", () => {
    // logits [0, ln 2, ln 3]: π₁ = [1/6, 2/6, 3/6]; at T = 0.5, p_T ∝ [1, 4, 9] / 14
    const pT = new Map([
      [0, 1 / 14],
      [1, 4 / 14],
      [2, 9 / 14],
    ]);
    assert.ok(Math.abs(temperatureOneLogProb(pT, 1, 0.5) - Math.log(2 / 6)) < 1e-12);
    assert.ok(Math.abs(temperatureOneLogProb(pT, 2, 0.5) - Math.log(3 / 6)) < 1e-12);
  });
});
