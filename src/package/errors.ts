import { CondaguardError, type CondaguardErrorOptions } from "../conda/index.js";

/**
 * Stable codes of the errors this folder raises. Callers (install, the CLI)
 * match on these, so they never change meaning.
 *
 * - `CG_PACKAGE_CORRUPT`: an archive cannot be read (truncated, empty, not a
 *   zip/tar, zstd/bz2 stream broken, `.conda` without its `tar.zst` members).
 * - `CG_PACKAGE_UNSAFE_ENTRY`: an archive entry would escape the destination
 *   (absolute path, `..`, link pointing outside, write through a link) or is a
 *   device/fifo; the message names the archive and the entry.
 * - `CG_PACKAGE_TOO_LARGE`: extraction passed a limit (total bytes, entry
 *   bytes, entry count, compression ratio): a decompression bomb or a package
 *   far larger than any real one.
 * - `CG_PACKAGE_HASH_MISMATCH`: a downloaded or cached archive does not have
 *   the sha256 (or md5/size) the lock or repodata promised.
 * - `CG_PACKAGE_UNVERIFIED`: a package was requested without a sha256 and
 *   unverified packages were not allowed.
 * - `CG_PACKAGE_DOWNLOAD`: the archive could not be fetched (network error,
 *   HTTP error, missing file) after the retries.
 * - `CG_PACKAGE_METADATA`: a file in `info/` is missing or malformed; the
 *   message names the file and what is wrong.
 * - `CG_PACKAGE_CACHE_LOCKED`: another process held the package cache lock
 *   for longer than we were willing to wait.
 * - `CG_PACKAGE_CACHE_UNWRITABLE`: none of the package cache folders can be
 *   written.
 * - `CG_PACKAGE_ABORTED`: the caller's AbortSignal fired.
 * - `CG_PACKAGE_NO_SPACE`: the package cache's disk or quota ran out while
 *   downloading or extracting; nothing partial is kept.
 */
export type PackageErrorCode =
  | "CG_PACKAGE_CORRUPT"
  | "CG_PACKAGE_UNSAFE_ENTRY"
  | "CG_PACKAGE_TOO_LARGE"
  | "CG_PACKAGE_HASH_MISMATCH"
  | "CG_PACKAGE_UNVERIFIED"
  | "CG_PACKAGE_DOWNLOAD"
  | "CG_PACKAGE_METADATA"
  | "CG_PACKAGE_CACHE_LOCKED"
  | "CG_PACKAGE_CACHE_UNWRITABLE"
  | "CG_PACKAGE_ABORTED"
  | "CG_PACKAGE_NO_SPACE";

/** The hint printed with each code when the raiser gives none more specific. */
export const PACKAGE_ERROR_HINTS: Readonly<Record<PackageErrorCode, string>> = {
  CG_PACKAGE_CORRUPT: "Delete the archive and download it again; if it keeps failing, the channel serves a broken file.",
  CG_PACKAGE_UNSAFE_ENTRY: "Do not install this package: its archive tries to write outside its folder. Report it to the channel owner.",
  CG_PACKAGE_TOO_LARGE: "The archive expands far beyond any real package (a decompression bomb?); raise the extraction limits only if you trust it.",
  CG_PACKAGE_HASH_MISMATCH: "The file is not the one the lock names: re-lock if the package was rebuilt, otherwise treat the channel as compromised.",
  CG_PACKAGE_UNVERIFIED: "Add sha256 to the lock (re-lock with condaguard lock) or pass --allow-unverified.",
  CG_PACKAGE_DOWNLOAD: "Check the URL and your network connection, then try again.",
  CG_PACKAGE_METADATA: "The package's info/ folder is broken: rebuild the package or pick another build.",
  CG_PACKAGE_CACHE_LOCKED: "Another condaguard process is working on this package; wait for it, or remove the stale .lock folder if none runs.",
  CG_PACKAGE_CACHE_UNWRITABLE: "Make one of the package cache folders writable or point the cache elsewhere.",
  CG_PACKAGE_ABORTED: "The operation was cancelled; run it again to finish.",
  CG_PACKAGE_NO_SPACE: "Free space on the package cache's disk, or point CONDA_PKGS_DIRS (pkgs_dirs) at another disk, then run the command again.",
};

export interface PackageErrorOptions extends CondaguardErrorOptions {
  /** The archive (path or redacted URL) the error is about. */
  archive?: string;
  /** The entry inside the archive, for unsafe or oversized entries. */
  entry?: string;
}

/** An error reading, extracting, downloading or caching a package. Messages never carry credentials. */
export class PackageError extends CondaguardError {
  declare readonly code: PackageErrorCode;
  readonly archive: string | undefined;
  readonly entry: string | undefined;

  constructor(code: PackageErrorCode, message: string, options: PackageErrorOptions = {}) {
    super(code, message, { ...options, hint: options.hint ?? PACKAGE_ERROR_HINTS[code] });
    this.archive = options.archive;
    this.entry = options.entry;
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), archive: this.archive, entry: this.entry };
  }
}

/** True when `value` is a PackageError, optionally with the given code. */
export function isPackageError(value: unknown, code?: PackageErrorCode): value is PackageError {
  return value instanceof PackageError && (code === undefined || value.code === code);
}
