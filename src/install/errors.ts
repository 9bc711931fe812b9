import { CondaguardError, type CondaguardErrorOptions } from "../conda/index.js";

/**
 * Stable codes of the errors this folder raises. Callers (the CLI, audit)
 * match on these, so they never change meaning.
 *
 * - `CG_INSTALL_CONFLICT`: the transaction cannot be carried out as asked
 *   (a path is both a file and a directory, the prefix appeared meanwhile,
 *   a package is listed twice).
 * - `CG_INSTALL_IO`: a file operation failed (permission, missing source file).
 * - `CG_INSTALL_NO_SPACE`: the disk or quota ran out (ENOSPC, EDQUOT).
 * - `CG_INSTALL_PREFIX_LOCKED`: another process holds the prefix lock.
 * - `CG_INSTALL_CORRUPT_PREFIX`: a conda-meta record or the transaction
 *   journal cannot be read; the message names the file.
 * - `CG_INSTALL_PLACEHOLDER_TOO_LONG`: a binary file's prefix placeholder is
 *   shorter than the target prefix, so the path cannot be patched in place.
 * - `CG_INSTALL_UNSAFE_PATH`: a package path, link target or source file
 *   would leave the prefix or the extracted package.
 * - `CG_INSTALL_BAD_PACKAGE`: the extracted package's metadata is missing or
 *   inconsistent (e.g. a noarch python package without a Python version).
 * - `CG_INSTALL_LINK_SCRIPT`: a pre/post-link script that was allowed to run failed.
 */
export type InstallErrorCode =
  | "CG_INSTALL_CONFLICT"
  | "CG_INSTALL_IO"
  | "CG_INSTALL_NO_SPACE"
  | "CG_INSTALL_PREFIX_LOCKED"
  | "CG_INSTALL_CORRUPT_PREFIX"
  | "CG_INSTALL_PLACEHOLDER_TOO_LONG"
  | "CG_INSTALL_UNSAFE_PATH"
  | "CG_INSTALL_BAD_PACKAGE"
  | "CG_INSTALL_LINK_SCRIPT";

const HINTS: Record<InstallErrorCode, string> = {
  CG_INSTALL_CONFLICT: "Check the package list for duplicates and that nothing else is writing the prefix, then retry.",
  CG_INSTALL_IO: "Check the permissions of the prefix and the package cache, then retry.",
  CG_INSTALL_NO_SPACE: "Free disk space on the prefix's filesystem (or choose another prefix) and retry; the prefix was left unchanged.",
  CG_INSTALL_PREFIX_LOCKED: "Another condaguard process is changing this prefix; wait for it to finish and retry.",
  CG_INSTALL_CORRUPT_PREFIX: "Restore or remove the named file, or recreate the environment.",
  CG_INSTALL_PLACEHOLDER_TOO_LONG: "Install into a shorter prefix path than the package's placeholder.",
  CG_INSTALL_UNSAFE_PATH: "The package is malformed or malicious; do not install it.",
  CG_INSTALL_BAD_PACKAGE: "Re-extract the package or fetch it again from its channel.",
  CG_INSTALL_LINK_SCRIPT: "Read the script's output above; rerun without allowing link scripts to skip it.",
};

/** An error installing into or reading a prefix; `packageName` and `path` say where. */
export class InstallError extends CondaguardError {
  declare readonly code: InstallErrorCode;
  /** The package (name-version-build) being linked or unlinked, when known. */
  readonly packageName: string | undefined;
  /** The path (in the prefix or the package) the error is about, when known. */
  readonly path: string | undefined;

  constructor(
    code: InstallErrorCode,
    message: string,
    options: CondaguardErrorOptions & { packageName?: string; path?: string } = {},
  ) {
    super(code, message, { ...options, hint: options.hint ?? HINTS[code], exitCode: options.exitCode ?? 1 });
    this.packageName = options.packageName;
    this.path = options.path;
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), packageName: this.packageName, path: this.path };
  }
}

/** Maps a Node fs error to an InstallError naming the package and path. */
export function ioError(err: unknown, action: string, where: { packageName?: string; path: string }): InstallError {
  if (err instanceof InstallError) return err;
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  const pkg = where.packageName === undefined ? "" : ` (package ${where.packageName})`;
  if (code === "ENOSPC" || code === "EDQUOT") {
    return new InstallError("CG_INSTALL_NO_SPACE", `No space left on device while ${action} ${where.path}${pkg}`, {
      cause: err,
      packageName: where.packageName,
      path: where.path,
    });
  }
  const reason = err instanceof Error ? err.message : String(err);
  return new InstallError("CG_INSTALL_IO", `Failed ${action} ${where.path}${pkg}: ${reason}`, {
    cause: err,
    packageName: where.packageName,
    path: where.path,
  });
}
