import { solve, explainConflict } from "../../../src/solver/core/index.js";
import type { Problem, SolveResult } from "../../../src/solver/core/index.js";
import { ToyProvider } from "./_toy_provider.js";
import type { ToyUniverse } from "./_toy_provider.js";

export interface ToyProblem {
  requires: string[];
  constrains?: string[];
  favored?: [string, number][];
  locked?: [string, number][];
  excluded?: [string, number, string][];
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Candidates per name that get variables first (see Problem.blockSize). */
  blockSize?: number;
}

/** Solves a toy problem; `installed` is "name version" sorted, `explanation` the rendered conflict. */
export function solveToy(universe: ToyUniverse, toy: ToyProblem): {
  provider: ToyProvider;
  result: SolveResult;
  installed: string[];
  explanation: string;
} {
  const provider = new ToyProvider(universe);
  const problem: Problem = {
    requirements: toy.requires.map((t) => provider.vs(t)),
    constraints: (toy.constrains ?? []).map((t) => provider.vs(t)),
    favored: (toy.favored ?? []).map(([n, v]) => provider.solvable(n, v)),
    locked: (toy.locked ?? []).map(([n, v]) => provider.solvable(n, v)),
    excluded: (toy.excluded ?? []).map(([n, v, reason]) => ({ solvable: provider.solvable(n, v), reason })),
    timeoutMs: toy.timeoutMs,
    signal: toy.signal,
    blockSize: toy.blockSize,
  };
  const result = solve(provider, problem);
  return {
    provider,
    result,
    installed: result.status === "sat" ? provider.describe(result.solvables) : [],
    explanation: result.status === "unsat" ? explainConflict(result.conflict, provider) : "",
  };
}
