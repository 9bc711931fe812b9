import type { SolvableId, VersionSetId } from "./ids.js";

/** A solvable that must not be installed, and why (shown in explanations). */
export interface ExcludedSolvable {
  solvable: SolvableId;
  reason: string;
}

/** One solve request. */
export interface Problem {
  /** Root requirements: for each, one matching candidate must be installed. */
  requirements: readonly VersionSetId[];
  /** Root constraints: if the name gets installed at all, its candidate must match. */
  constraints?: readonly VersionSetId[];
  /** Soft preference: tried before every other candidate of their name (e.g. what a lockfile or prefix has). */
  favored?: readonly SolvableId[];
  /** Hard: if the name is installed, it must be this candidate (other candidates of the name are excluded). */
  locked?: readonly SolvableId[];
  /** Hard: never install these. */
  excluded?: readonly ExcludedSolvable[];
  /**
   * How many of a name's candidates (most preferred first) get variables when
   * the search first reaches the name; the rest follow in growing blocks only
   * if the search rules all of those out. Default 256. Tuning and tests only:
   * it changes how much is encoded and the path of the search, and tests
   * check that the answer stays the same.
   */
  blockSize?: number;
  /** Give up after this many milliseconds of solving (provider time included). */
  timeoutMs?: number;
  /**
   * Checked between steps. The solve is synchronous, so only an abort that
   * happens before the call, or from inside provider callbacks, can be seen.
   */
  signal?: AbortSignal;
}
