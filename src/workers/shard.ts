/** How work is split over workers: contiguous prompt groups for sampling, micro-batches round-robin for updates. */

/**
 * Split `rows` (groups of `groupSize` contiguous rows) into at most `workers` contiguous [start, end) ranges
 * at group boundaries, as even as possible (the first ranges take the remainder). Empty ranges are dropped.
 */
export function shardGroups(rows: number, groupSize: number, workers: number): Array<[number, number]> {
  if (!Number.isInteger(groupSize) || groupSize < 1 || rows % groupSize !== 0) {
    throw new Error(`shardGroups: ${rows} rows are not whole groups of ${groupSize}`);
  }
  const groups = rows / groupSize;
  const base = Math.floor(groups / workers);
  const extra = groups % workers;
  const out: Array<[number, number]> = [];
  let start = 0;
  for (let w = 0; w < workers; w++) {
    const n = (base + (w < extra ? 1 : 0)) * groupSize;
    if (n > 0) out.push([start, start + n]);
    start += n;
  }
  return out;
}

/** The worker that handles micro-batch `index` (round-robin). */
export function workerFor(index: number, workers: number): number {
  return index % workers;
}
