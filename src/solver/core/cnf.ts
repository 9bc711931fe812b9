import { _SatEngine } from "./_sat_engine.js";
import { _makeInterruptCheck } from "./_interrupt.js";

/** Options of `solveCnf`. */
export interface CnfOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
}

/**
 * The answer of `solveCnf`: a model (`model[v]` for variables 1..numVars,
 * index 0 unused), or the indexes of input clauses that are unsatisfiable together.
 */
export type CnfResult = { satisfiable: true; model: boolean[] } | { satisfiable: false; core: number[] };

/**
 * Solves a formula in DIMACS-style clauses (variables 1..numVars, negative
 * ints are negated literals). It drives the same engine as the package
 * solver, with an activity-based (VSIDS-like) decision order instead of
 * package preferences; it exists for testing the engine and for small
 * general-purpose use, and scans variables linearly per decision.
 *
 * @example solveCnf(2, [[1, 2], [-1]]) // { satisfiable: true, model: [false, false, true] }
 */
export function solveCnf(numVars: number, clauses: readonly (readonly number[])[], options: CnfOptions = {}): CnfResult {
  const checkInterrupt = _makeInterruptCheck(options.timeoutMs, options.signal);
  checkInterrupt();
  const engine: _SatEngine = new _SatEngine(
    {
      onTrue: () => undefined,
      decide: () => {
        let best = -1;
        let bestActivity = -1;
        for (let v = 0; v < engine.numVars; v++) {
          if (engine.value(2 * v) === 0 && engine.activity[v] > bestActivity) {
            best = v;
            bestActivity = engine.activity[v];
          }
        }
        return best < 0 ? -1 : 2 * best + 1;
      },
      checkInterrupt,
    },
    { restartBase: 100, chronoThreshold: 100 },
  );
  for (let v = 0; v < numVars; v++) engine.newVar();
  const toLit = (dimacs: number): number => {
    const v = Math.abs(dimacs) - 1;
    if (!Number.isInteger(dimacs) || dimacs === 0 || v >= numVars) {
      throw new RangeError(`Literal ${dimacs} is outside 1..${numVars}.`);
    }
    return dimacs > 0 ? 2 * v : 2 * v + 1;
  };
  for (const clause of clauses) {
    // Duplicate literals would confuse the watch scheme; tautologies are always true.
    const lits = [...new Set(clause.map(toLit))];
    const set = new Set(lits);
    const tautology = lits.find((l) => set.has(l ^ 1));
    engine.addClause(tautology === undefined ? lits : [tautology, tautology ^ 1]);
  }
  if (engine.solve() === "unsat") return { satisfiable: false, core: engine.unsatCore() };
  const model = [false];
  for (let v = 0; v < numVars; v++) model.push(engine.value(2 * v) === 1);
  return { satisfiable: true, model };
}
