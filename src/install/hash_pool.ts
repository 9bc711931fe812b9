// A small pool of worker threads that hash files, so that verifying a prefix
// uses every core: the digest, not the disk, is the bottleneck on a warm cache.
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { drain, type HashJob, type HashJobResult } from "./hash_file.js";

export type { HashJob, HashJobResult };

/**
 * Worker threads to start: one per core but one, because the calling thread
 * hashes too (`help`). On two cores that is one worker plus this thread, both
 * cores busy, without paying for a second thread's start-up.
 */
export function defaultHashThreads(): number {
  return Math.max(1, availableParallelism() - 1);
}

interface Submission {
  jobs: HashJob[];
  counter: Int32Array;
  results: HashJobResult[];
  waiting: number;
  resolve: (results: HashJobResult[]) => void;
  reject: (err: Error) => void;
}

/**
 * Worker threads started at construction (their start-up overlaps whatever
 * the caller does next). Each `submit` hands the whole list to every worker
 * with a shared counter, and the workers claim files from it themselves: they
 * never wait for this thread, which may be busy with synchronous work
 * (walking the prefix) meanwhile. `close` ends the threads.
 */
export class HashPool {
  private readonly workers: Worker[];
  private readonly submissions = new Map<number, Submission>();
  private nextId = 0;
  private failure: Error | undefined;
  private closing = false;

  constructor(concurrency: number = defaultHashThreads()) {
    const url = new URL("./hash_worker.js", import.meta.url);
    this.workers = Array.from({ length: Math.max(1, concurrency) }, () => new Worker(url));
    for (const worker of this.workers) {
      worker.on("message", (msg: { id: number; results: Array<[number, HashJobResult]> }) => {
        const sub = this.submissions.get(msg.id);
        if (sub === undefined) return;
        for (const [i, r] of msg.results) sub.results[i] = r;
        if (--sub.waiting === 0) {
          this.submissions.delete(msg.id);
          sub.resolve(sub.results);
        }
      });
      const fail = (err: Error): void => {
        this.failure ??= err;
        for (const sub of this.submissions.values()) sub.reject(err);
        this.submissions.clear();
      };
      worker.on("error", fail);
      // A thread that ends on its own (it never should) would leave its share unanswered.
      worker.on("exit", (code) => {
        if (!this.closing) fail(new Error(`a hashing thread exited with code ${code}`));
      });
    }
  }

  /** Hashes `jobs`; results in input order. Only the fields a worker reads are sent. */
  submit(jobs: readonly HashJob[]): Promise<HashJobResult[]> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    if (jobs.length === 0) return Promise.resolve([]);
    const id = this.nextId++;
    const payload: HashJob[] = jobs.map((j) => ({ path: j.path, expectSize: j.expectSize, regularOnly: j.regularOnly }));
    const counter = new SharedArrayBuffer(4);
    return new Promise((resolve, reject) => {
      this.submissions.set(id, { jobs: payload, counter: new Int32Array(counter), results: new Array(jobs.length), waiting: this.workers.length, resolve, reject });
      for (const worker of this.workers) worker.postMessage({ id, jobs: payload, counter });
    });
  }

  /**
   * Hashes on the calling thread too, until every pending submission's files
   * are claimed: threads take a while to start, and this one is already running.
   * Blocks the event loop meanwhile, so call it when there is nothing else to do.
   */
  help(): void {
    for (const sub of this.submissions.values()) {
      const results: Array<[number, HashJobResult]> = [];
      drain(sub.jobs, sub.counter, results);
      for (const [i, r] of results) sub.results[i] = r;
    }
  }

  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

/** sha256 of every file (absolute paths) with `concurrency` worker threads; results in input order. */
export async function hashFiles(paths: string[], options: { concurrency?: number } = {}): Promise<HashJobResult[]> {
  if (paths.length === 0) return [];
  const pool = new HashPool(Math.min(options.concurrency ?? defaultHashThreads(), paths.length));
  try {
    const done = pool.submit(paths.map((path) => ({ path })));
    pool.help();
    return await done;
  } finally {
    await pool.close();
  }
}
