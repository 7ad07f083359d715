/**
 * What the notebook kernel (scripts/tslab-kernel.ts) installs into tslab so that interrupts behave: every cell
 * runs in its own async context (so a job's `await` knows which cell made it), and Jupyter's interrupt first
 * interrupts the jobs the running cell awaits (they stop at their next step boundary and the `await` rejects at
 * once), then lets tslab do its own interrupt. Relies on tslab 1.0.22's executor internals (pinned).
 */
import { cells, interruptWaits, markInterruptHandled } from "./interrupt";

interface TslabExecutor {
  execute(src: string): Promise<boolean>;
  interrupt(): void;
}

/** Patch tslab's `createExecutor`; call once, before tslab's `main()`. */
export function installKernelHooks(): void {
  const mod = require("tslab/dist/executor") as { createExecutor: (...args: unknown[]) => TslabExecutor };
  const original = mod.createExecutor;
  let lastCell = 0;
  mod.createExecutor = (...args: unknown[]) => {
    const executor = original(...args);
    const execute = executor.execute.bind(executor);
    const interrupt = executor.interrupt.bind(executor);
    executor.execute = (src: string) => {
      const id = ++lastCell;
      return cells.run(id, () => execute(src));
    };
    executor.interrupt = () => {
      for (const m of interruptWaits(lastCell)) process.stderr.write(`⏹ ${m}\n`);
      interrupt();
    };
    return executor;
  };
  markInterruptHandled();
}
