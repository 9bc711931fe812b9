import { CondaguardError, type CondaguardErrorOptions } from "../conda/index.js";

/**
 * Stable codes of the errors this folder raises. Callers (the CLI, the
 * solver) match on these, so they never change meaning.
 *
 * - `CG_REPODATA_UNREACHABLE`: the channel host could not be reached
 *   (connection refused, DNS failure, timeout, repeated 5xx).
 * - `CG_REPODATA_AUTH`: the host answered 401 or 403.
 * - `CG_REPODATA_NOT_FOUND`: a subdir that must exist is missing (see the
 *   404 rule in gateway.ts).
 * - `CG_REPODATA_CORRUPT`: the repodata (JSON, .zst, .bz2, shard) cannot be
 *   decoded; the message names the file or URL and the position.
 * - `CG_REPODATA_OFFLINE`: offline mode was asked for and nothing is cached.
 */
export type RepodataErrorCode =
  | "CG_REPODATA_UNREACHABLE"
  | "CG_REPODATA_AUTH"
  | "CG_REPODATA_NOT_FOUND"
  | "CG_REPODATA_CORRUPT"
  | "CG_REPODATA_OFFLINE";

/** An error fetching, caching or decoding repodata. Messages never carry credentials. */
export class RepodataError extends CondaguardError {
  declare readonly code: RepodataErrorCode;
  /** The redacted URL (or path) the error is about. */
  readonly url: string | undefined;

  constructor(code: RepodataErrorCode, message: string, options: CondaguardErrorOptions & { url?: string } = {}) {
    super(code, message, options);
    this.url = options.url;
  }
}
