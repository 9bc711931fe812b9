import { CondaguardError, type CondaguardErrorOptions } from "../conda/index.js";

/**
 * Stable codes of the errors this folder raises; callers match on them.
 *
 * - `CG_LOCK_READ`: the lockfile cannot be read from disk (missing, a folder, no permission).
 * - `CG_LOCK_PARSE`: the text is not valid YAML/JSON (duplicate keys included); `line`/`column` point at it.
 * - `CG_LOCK_FORMAT`: valid YAML, but not a lockfile we know, or a known format
 *   with a missing or ill-typed field, or a version we do not read; `line`/`column` point at the field.
 * - `CG_LOCK_PLATFORM`: a platform name or subdir is invalid, defined twice, or
 *   used without being defined; or a platform was asked for that the lock does not hold.
 * - `CG_LOCK_STALE`: the lock does not match its environment file any more (see `checkLock`).
 * - `CG_LOCK_EXPLICIT`: a line of an `@EXPLICIT` file is not a package URL with an optional `#md5`/`#sha256`.
 * - `CG_LOCK_SOLVE`: a platform could not be locked (the solver's explanation is the cause).
 */
export type LockErrorCode =
  | "CG_LOCK_READ"
  | "CG_LOCK_PARSE"
  | "CG_LOCK_FORMAT"
  | "CG_LOCK_PLATFORM"
  | "CG_LOCK_STALE"
  | "CG_LOCK_EXPLICIT"
  | "CG_LOCK_SOLVE";

/** Every code, for documentation and exhaustive tests. */
export const LOCK_ERROR_CODES: readonly LockErrorCode[] = [
  "CG_LOCK_READ",
  "CG_LOCK_PARSE",
  "CG_LOCK_FORMAT",
  "CG_LOCK_PLATFORM",
  "CG_LOCK_STALE",
  "CG_LOCK_EXPLICIT",
  "CG_LOCK_SOLVE",
];

/** An error reading, writing or checking a lockfile. `file`, `line` and `column` say where when known. */
export class LockError extends CondaguardError {
  declare readonly code: LockErrorCode;

  constructor(code: LockErrorCode, message: string, options: CondaguardErrorOptions = {}) {
    super(code, message, options);
  }
}

/** `file:line:col: ` for the front of a message, or "" when nothing is known. */
export function _where(file: string | undefined, line?: number, column?: number): string {
  if (file === undefined) return "";
  return `${file}${line === undefined ? "" : `:${line}${column === undefined ? "" : `:${column}`}`}: `;
}
