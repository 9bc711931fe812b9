// A small pool of worker threads that hash files, so that verifying a prefix
// uses every core: the digest, not the disk, is the bottleneck on a warm cache.
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import type { HashJob, HashJobResult } from "./hash_worker.js";

export type { HashJob, HashJobResult };

/** Batches stay small enough to balance the workers and large enough to amortise messages. */
const BATCH_FILES = 128;
const BATCH_BYTES = 16 << 20;

/**
 * Worker threads started at construction (their start-up overlaps whatever
 * the caller does next); `hash` may be called more than once; `close` ends them.
 */
export class HashPool {
  private readonly workers: Worker[];

  constructor(concurrency: number = availableParallelism()) {
    const url = new URL("./hash_worker.js", import.meta.url);
    this.workers = Array.from({ length: Math.max(1, concurrency) }, () => new Worker(url));
  }

  /** Results in input order; `sizes` (when known) balances the batches. */
  async hash(jobs: HashJob[], sizes?: number[]): Promise<HashJobResult[]> {
    const results: HashJobResult[] = new Array(jobs.length);
    const batches: number[][] = [];
    let current: number[] = [];
    let bytes = 0;
    for (let i = 0; i < jobs.length; i++) {
      current.push(i);
      bytes += sizes?.[i] ?? jobs[i].expectSize ?? 0;
      if (current.length >= BATCH_FILES || bytes >= BATCH_BYTES) {
        batches.push(current);
        current = [];
        bytes = 0;
      }
    }
    if (current.length > 0) batches.push(current);
    let next = 0;
    const drive = (worker: Worker): Promise<void> =>
      new Promise((resolve, reject) => {
        const onMessage = (msg: { id: number; results: HashJobResult[] }): void => {
          const batch = batches[msg.id];
          msg.results.forEach((r, k) => (results[batch[k]] = r));
          send();
        };
        const onError = (err: Error): void => {
          worker.off("message", onMessage);
          reject(err);
        };
        const send = (): void => {
          if (next >= batches.length) {
            worker.off("message", onMessage);
            worker.off("error", onError);
            resolve();
            return;
          }
          const id = next++;
          // Only what the worker reads: callers' jobs may carry more fields, which would be cloned too.
          worker.postMessage({ id, jobs: batches[id].map((i): HashJob => ({ path: jobs[i].path, expectSize: jobs[i].expectSize, regularOnly: jobs[i].regularOnly })) });
        };
        worker.on("message", onMessage);
        worker.once("error", onError);
        send();
      });
    await Promise.all(this.workers.map(drive));
    return results;
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

/** sha256 of every file (absolute paths) with `concurrency` worker threads; results in input order. */
export async function hashFiles(paths: string[], options: { concurrency?: number; sizes?: number[] } = {}): Promise<HashJobResult[]> {
  if (paths.length === 0) return [];
  const pool = new HashPool(Math.min(options.concurrency ?? availableParallelism(), paths.length));
  try {
    return await pool.hash(paths.map((path) => ({ path })), options.sizes);
  } finally {
    await pool.close();
  }
}
