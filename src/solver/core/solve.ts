import type { SolvableId } from "./ids.js";
import type { DependencyProvider } from "./provider.js";
import type { Problem } from "./problem.js";
import type { Conflict } from "./conflict.js";
import { _PackageEncoding } from "./_package_encoding.js";
import type { SolveStats } from "./_package_encoding.js";
import { _makeInterruptCheck } from "./_interrupt.js";

export type { SolveStats };

/**
 * The answer of `solve`: the solvables to install, or the proof that none
 * exist (turn it into text with `explainConflict`).
 */
export type SolveResult =
  | { status: "sat"; solvables: SolvableId[]; stats: SolveStats }
  | { status: "unsat"; conflict: Conflict; stats: SolveStats };

/**
 * Finds a set of solvables that meets the problem, preferring candidates in
 * the provider's order (see `_package_encoding.ts` for the guarantee).
 * Deterministic for a deterministic provider. Throws `SolveTimeoutError` or
 * `SolveAbortedError` when stopped.
 *
 * @example
 * const result = solve(provider, { requirements: [numpyAtLeast2] });
 * if (result.status === "unsat") console.log(explainConflict(result.conflict, provider));
 */
export function solve(provider: DependencyProvider, problem: Problem): SolveResult {
  const checkInterrupt = _makeInterruptCheck(problem.timeoutMs, problem.signal);
  checkInterrupt();
  const encoding = new _PackageEncoding(provider, problem, checkInterrupt);
  if (encoding.engine.solve() === "sat") {
    return { status: "sat", solvables: encoding.installed(), stats: encoding.stats() };
  }
  return { status: "unsat", conflict: encoding.conflict(), stats: encoding.stats() };
}
