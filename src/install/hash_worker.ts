// Worker side of the hash pool: hashes batches of files with large
// synchronous reads (this thread does nothing else) and posts the digests.
import { createHash } from "node:crypto";
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { parentPort } from "node:worker_threads";

const CHUNK = 4 << 20;
const buffer = Buffer.allocUnsafe(CHUNK);

export interface HashJobResult {
  sha256?: string;
  size?: number;
  error?: string;
}

function hashOne(path: string): HashJobResult {
  let fd: number | undefined;
  try {
    fd = openSync(path, "r");
    const size = fstatSync(fd).size;
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

parentPort?.on("message", (msg: { id: number; paths: string[] }) => {
  parentPort?.postMessage({ id: msg.id, results: msg.paths.map(hashOne) });
});
