/**
 * The notebook kernel: tslab 1.0.22, started the way the repo's kernel spec needs it (see
 * jupyter/kernels/open-rs/kernel.json, which runs `node --import tsx scripts/tslab-kernel.ts kernel ...`).
 *
 * - `installKernelPatches()` (scripts/kernel/patch.ts) adjusts tslab before it loads: type checking as strict
 *   as `npm run typecheck`, Jupyter `error` messages with TypeScript-line tracebacks, `execute_input` with the
 *   execution count, and shorthand properties (`{ model }`) that see earlier cells' variables.
 * - `installKernelHooks()` (src/control/kernel-hooks.ts): an interrupt stops the runs and evals the running
 *   cell awaits, and each cell runs in its own async context so that a job's `await` knows its cell.
 * - `--import tsx` (in the kernel spec) lets Node load tfjs-core's ESM-only `dist/register_all_gradients`,
 *   whose extensionless relative imports plain Node cannot resolve.
 */
import { installKernelPatches } from "./kernel/patch";

export { KERNEL_COMPILER_OPTIONS } from "./kernel/patch";

if (require.main === module) {
  installKernelPatches();
  // Interrupts stop the runs and evals the running cell awaits (src/control/kernel-hooks.ts).
  (require("../src/control/kernel-hooks") as { installKernelHooks(): void }).installKernelHooks();
  (require("tslab/dist/main.js") as { main(): void }).main();
}
