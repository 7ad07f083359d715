/**
 * Kernel patches that make tfjs-backend-wasm fast and complete (see environment.md and
 * ../shared/reference/compute-stack.md §1.3). Owned by the engine work; select.ts calls this once after
 * the wasm backend is ready.
 */
export function installWasmKernels(): void {
  // Filled in by the engine work: zero-copy Slice/Unpack/SplitV and an UnsortedSegmentSum kernel.
}
