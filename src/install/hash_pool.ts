// A small pool of worker threads that hash files, so that verifying a prefix
// uses every core: the digest, not the disk, is the bottleneck on a warm cache.
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import type { HashJobResult } from "./hash_worker.js";

export type { HashJobResult };

/** Batches stay small enough to balance the workers and large enough to amortise messages. */
const BATCH_FILES = 64;
const BATCH_BYTES = 32 << 20;

/**
 * sha256 of every file (absolute paths) with `concurrency` worker threads
 * (default: the machine's cores). `sizes` (when known) balances the batches.
 * Results come back in input order.
 */
export async function hashFiles(paths: string[], options: { concurrency?: number; sizes?: number[] } = {}): Promise<HashJobResult[]> {
  const results: HashJobResult[] = new Array(paths.length);
  if (paths.length === 0) return results;
  const batches: number[][] = [];
  let current: number[] = [];
  let bytes = 0;
  for (let i = 0; i < paths.length; i++) {
    current.push(i);
    bytes += options.sizes?.[i] ?? 0;
    if (current.length >= BATCH_FILES || bytes >= BATCH_BYTES) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
  }
  if (current.length > 0) batches.push(current);
  const workerCount = Math.max(1, Math.min(options.concurrency ?? availableParallelism(), batches.length));
  const url = new URL("./hash_worker.js", import.meta.url);
  let next = 0;
  const run = (): Promise<void> =>
    new Promise((resolveRun, reject) => {
      const worker = new Worker(url);
      const sendNext = (): void => {
        if (next >= batches.length) {
          void worker.terminate().then(() => resolveRun());
          return;
        }
        const id = next++;
        worker.postMessage({ id, paths: batches[id].map((i) => paths[i]) });
      };
      worker.on("message", (msg: { id: number; results: HashJobResult[] }) => {
        const batch = batches[msg.id];
        msg.results.forEach((r, k) => (results[batch[k]] = r));
        sendNext();
      });
      worker.on("error", reject);
      sendNext();
    });
  await Promise.all(Array.from({ length: workerCount }, run));
  return results;
}
