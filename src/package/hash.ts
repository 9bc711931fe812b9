import { createHash, type Hash } from "node:crypto";
import { open } from "node:fs/promises";

/** sha256, md5 and size of a file, hex digests. */
export interface FileDigest {
  sha256: string;
  md5: string;
  size: number;
}

/** Both digests fed from one stream, so a file is read once. */
export class DualHasher {
  private readonly sha = createHash("sha256");
  private readonly md = createHash("md5");
  size = 0;

  update(chunk: Uint8Array): void {
    this.sha.update(chunk);
    this.md.update(chunk);
    this.size += chunk.length;
  }

  digest(): FileDigest {
    return { sha256: this.sha.digest("hex"), md5: this.md.digest("hex"), size: this.size };
  }
}

const CHUNK = 1 << 20;

async function feedFile(path: string, update: (chunk: Uint8Array) => void): Promise<void> {
  const handle = await open(path, "r");
  try {
    const buf = Buffer.allocUnsafe(CHUNK);
    for (;;) {
      const { bytesRead } = await handle.read(buf, 0, CHUNK, null);
      if (bytesRead === 0) break;
      update(buf.subarray(0, bytesRead));
    }
  } finally {
    await handle.close();
  }
}

/** sha256, md5 and size of a file, read once in 1 MiB chunks. */
export async function hashFile(path: string): Promise<FileDigest> {
  const h = new DualHasher();
  await feedFile(path, (c) => h.update(c));
  return h.digest();
}

/** sha256 and size of a file (no md5), for checking extracted payload files. */
export async function sha256File(path: string): Promise<{ sha256: string; size: number }> {
  const h: Hash = createHash("sha256");
  let size = 0;
  await feedFile(path, (c) => {
    h.update(c);
    size += c.length;
  });
  return { sha256: h.digest("hex"), size };
}
