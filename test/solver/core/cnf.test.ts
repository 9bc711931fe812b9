import assert from "node:assert/strict";
import { test } from "node:test";
import { solveCnf, SolveTimeoutError } from "../../../src/solver/core/index.js";
import { seededRandom } from "./_random.js";

function satisfies(model: boolean[], clause: readonly number[]): boolean {
  return clause.some((l) => model[Math.abs(l)] === l > 0);
}

function bruteForceSatisfiable(numVars: number, clauses: readonly (readonly number[])[]): boolean {
  const model = new Array<boolean>(numVars + 1).fill(false);
  for (let bits = 0; bits < 1 << numVars; bits++) {
    for (let v = 1; v <= numVars; v++) model[v] = ((bits >> (v - 1)) & 1) === 1;
    if (clauses.every((c) => satisfies(model, c))) return true;
  }
  return false;
}

/** n+1 pigeons in n holes: unsatisfiable, and exponentially hard for resolution. */
function pigeonhole(holes: number): { numVars: number; clauses: number[][] } {
  const pigeons = holes + 1;
  const v = (p: number, h: number): number => p * holes + h + 1;
  const clauses: number[][] = [];
  for (let p = 0; p < pigeons; p++) clauses.push(Array.from({ length: holes }, (_, h) => v(p, h)));
  for (let h = 0; h < holes; h++) {
    for (let p = 0; p < pigeons; p++) for (let q = p + 1; q < pigeons; q++) clauses.push([-v(p, h), -v(q, h)]);
  }
  return { numVars: pigeons * holes, clauses };
}

test("random 3-SAT near the threshold agrees with brute force (400 formulas)", () => {
  const random = seededRandom(42);
  let sat = 0;
  for (let i = 0; i < 400; i++) {
    const n = 4 + Math.floor(random() * 11);
    const m = Math.round(4.26 * n);
    const clauses: number[][] = [];
    for (let c = 0; c < m; c++) {
      clauses.push(Array.from({ length: 3 }, () => (1 + Math.floor(random() * n)) * (random() < 0.5 ? -1 : 1)));
    }
    const result = solveCnf(n, clauses);
    assert.equal(result.satisfiable, bruteForceSatisfiable(n, clauses), `formula ${i}: ${JSON.stringify(clauses)}`);
    if (result.satisfiable) {
      sat++;
      assert.ok(clauses.every((c) => satisfies(result.model, c)), `model of formula ${i}`);
    } else {
      const core = result.core.map((k) => clauses[k]);
      assert.equal(bruteForceSatisfiable(n, core), false, `core of formula ${i} is satisfiable`);
    }
  }
  assert.ok(sat > 50 && sat < 350, `satisfiable: ${sat}`);
});

test("edge cases: empty formula, empty clause, tautology, units", () => {
  assert.deepEqual(solveCnf(0, []), { satisfiable: true, model: [false] });
  assert.deepEqual(solveCnf(1, [[1], []]), { satisfiable: false, core: [1] });
  assert.deepEqual(solveCnf(2, [[1, -1], [2], [-1]]), { satisfiable: true, model: [false, false, true] });
  assert.deepEqual(solveCnf(1, [[1], [-1]]), { satisfiable: false, core: [0, 1] });
  assert.throws(() => solveCnf(1, [[2]]), RangeError);
});

test("a small pigeonhole formula is proven unsatisfiable", () => {
  const { numVars, clauses } = pigeonhole(5);
  const result = solveCnf(numVars, clauses);
  assert.equal(result.satisfiable, false);
});

test("a hard pigeonhole formula stops at the timeout with a typed error", () => {
  const { numVars, clauses } = pigeonhole(12);
  assert.throws(
    () => solveCnf(numVars, clauses, { timeoutMs: 50 }),
    (error: unknown) => error instanceof SolveTimeoutError && error.code === "CG_SOLVE_TIMEOUT",
  );
});
