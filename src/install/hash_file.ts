// Checks and hashes one file with large synchronous reads: run in the hash
// pool's worker threads, and on the calling thread while they start.
import { createHash } from "node:crypto";
import { closeSync, constants, fstatSync, lstatSync, openSync, readSync } from "node:fs";

const CHUNK = 4 << 20;
const buffer = Buffer.allocUnsafe(CHUNK);

/** One file to hash; with `expectSize`, a regular file of another size is reported without hashing. */
export interface HashJob {
  path: string;
  expectSize?: number;
  /** lstat first and report anything but a regular file (verify's files must not be links). */
  regularOnly?: boolean;
}

export interface HashJobResult {
  sha256?: string;
  size?: number;
  /** errno code (`ENOENT`...) when the file could not be read. */
  error?: string;
  /** Set when `regularOnly` found a link, folder or device. */
  notRegular?: boolean;
}

// Where the platform has O_NOFOLLOW, a file is opened without following a
// final symlink and checked with fstat: one path lookup per file instead of
// lstat + open, which is most of the cost on a warm cache. O_NONBLOCK keeps
// a FIFO planted in the prefix from blocking the open.
const NOFOLLOW_FLAGS = constants.O_NOFOLLOW === undefined ? undefined : constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;

/** Type and size checks (when asked), then sha256 of the whole file. */
export function hashOne(job: HashJob): HashJobResult {
  const check = job.regularOnly === true || job.expectSize !== undefined;
  if (check && NOFOLLOW_FLAGS === undefined) {
    const st = lstatSync(job.path, { throwIfNoEntry: false });
    if (st === undefined) return { error: "ENOENT" };
    if (job.regularOnly === true && !st.isFile()) return { notRegular: true };
  }
  let fd: number | undefined;
  try {
    try {
      fd = openSync(job.path, check && NOFOLLOW_FLAGS !== undefined ? NOFOLLOW_FLAGS : constants.O_RDONLY);
    } catch (err) {
      // O_NOFOLLOW on a symlink fails with ELOOP: the path is a link, not a file.
      if ((err as NodeJS.ErrnoException).code === "ELOOP" && job.regularOnly === true) return { notRegular: true };
      throw err;
    }
    const st = fstatSync(fd);
    if (job.regularOnly === true && !st.isFile()) return { notRegular: true };
    if (job.expectSize !== undefined && st.size !== job.expectSize) return { size: st.size };
    const size = st.size;
    const h = createHash("sha256");
    let total = 0;
    for (;;) {
      const n = readSync(fd, buffer, 0, CHUNK, null);
      if (n === 0) break;
      h.update(buffer.subarray(0, n));
      total += n;
      if (n < CHUNK && total >= size) break;
    }
    return { sha256: h.digest("hex"), size: total };
  } catch (err) {
    return { error: (err as NodeJS.ErrnoException).code ?? String(err) };
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Claims files from a counter shared with other threads until none are left. */
export function drain(jobs: readonly HashJob[], counter: Int32Array, results: Array<[number, HashJobResult]>): void {
  for (let i = Atomics.add(counter, 0, 1); i < jobs.length; i = Atomics.add(counter, 0, 1)) results.push([i, hashOne(jobs[i])]);
}
