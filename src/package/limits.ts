import { Transform, type TransformCallback } from "node:stream";
import { PackageError } from "./errors.js";

/** Caps on what one archive may expand to; every one counts bytes actually produced, not header claims. */
export interface ExtractLimits {
  /** Decompressed bytes of the whole archive (tar headers included). */
  maxTotalBytes: number;
  /** Bytes of one file. */
  maxEntryBytes: number;
  /** Tar entries of the whole archive (files, folders, links). */
  maxEntries: number;
  /** Decompressed bytes per byte of archive, checked once the output passes RATIO_FLOOR_BYTES. */
  maxCompressionRatio: number;
}

const GIB = 1024 ** 3;

/** Generous enough for the largest real packages (CUDA, MKL, PyTorch), tight enough to stop a bomb. */
export const DEFAULT_EXTRACT_LIMITS: ExtractLimits = Object.freeze({
  maxTotalBytes: 20 * GIB,
  maxEntryBytes: 8 * GIB,
  maxEntries: 1_000_000,
  maxCompressionRatio: 1000,
});

/** Below this much output the ratio is not checked: tiny archives of text legitimately expand a lot. */
export const RATIO_FLOOR_BYTES = 8 * 1024 * 1024;

/** Counts one archive's decompressed output and entries against its limits. */
export class ExtractBudget {
  totalBytes = 0;
  entries = 0;

  constructor(
    readonly limits: ExtractLimits,
    private readonly archiveSize: number,
    private readonly archive: string,
  ) {}

  /** Called for every decompressed chunk before the tar parser sees it. */
  addBytes(n: number): void {
    this.totalBytes += n;
    if (this.totalBytes > this.limits.maxTotalBytes) {
      throw this.tooLarge(`expands to more than ${this.limits.maxTotalBytes} bytes`);
    }
    if (this.totalBytes > RATIO_FLOOR_BYTES && this.totalBytes > this.limits.maxCompressionRatio * Math.max(1, this.archiveSize)) {
      throw this.tooLarge(`expands more than ${this.limits.maxCompressionRatio} times its size of ${this.archiveSize} bytes`);
    }
  }

  addEntry(name: string): void {
    this.entries += 1;
    if (this.entries > this.limits.maxEntries) throw this.tooLarge(`has more than ${this.limits.maxEntries} entries`, name);
  }

  /** Checks one entry's size so far (or its header claim, to refuse early). */
  checkEntry(name: string, bytes: number): void {
    if (bytes > this.limits.maxEntryBytes) throw this.tooLarge(`has an entry larger than ${this.limits.maxEntryBytes} bytes`, name);
  }

  private tooLarge(what: string, entry?: string): PackageError {
    const where = entry === undefined ? "" : ` (at ${entry})`;
    return new PackageError("CG_PACKAGE_TOO_LARGE", `${this.archive} ${what}${where}; refusing to extract it.`, {
      archive: this.archive,
      entry,
      file: this.archive,
    });
  }
}

/** A pass-through that feeds every chunk to the budget, failing the pipeline when a limit is passed. */
export function countingStream(budget: ExtractBudget): Transform {
  return new Transform({
    transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback) {
      try {
        budget.addBytes(chunk.length);
      } catch (err) {
        done(err as Error);
        return;
      }
      done(null, chunk);
    },
  });
}

/** Fills unset limits with the defaults and checks they are positive numbers. */
export function resolveLimits(partial: Partial<ExtractLimits> | undefined): ExtractLimits {
  const limits = { ...DEFAULT_EXTRACT_LIMITS, ...(partial ?? {}) };
  for (const [key, value] of Object.entries(limits)) {
    if (typeof value !== "number" || !(value > 0)) throw new TypeError(`extract limit ${key} must be a positive number, got ${String(value)}`);
  }
  return limits;
}
