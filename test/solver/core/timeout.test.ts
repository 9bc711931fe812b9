import assert from "node:assert/strict";
import { test } from "node:test";
import { SolveTimeoutError } from "../../../src/solver/core/index.js";
import { solveToy } from "./_helpers.js";
import type { ToyUniverse } from "./_toy_provider.js";

/**
 * Pigeonhole as packages: pigeon i picks a hole j (candidate j of name
 * "pigeon<i>"), which requires hole j's occupant to be i ("hole<j> ==i").
 * A hole has one occupant, so n+1 pigeons cannot fit n holes, and proving it
 * takes exponentially many conflicts.
 */
function pigeonholeUniverse(holes: number): { universe: ToyUniverse; requires: string[] } {
  const universe: ToyUniverse = {};
  const requires: string[] = [];
  for (let p = 1; p <= holes + 1; p++) {
    universe[`pigeon${p}`] = {};
    for (let h = 1; h <= holes; h++) universe[`pigeon${p}`][h] = { requires: [`hole${h} ==${p}`] };
    requires.push(`pigeon${p}`);
  }
  for (let h = 1; h <= holes; h++) {
    universe[`hole${h}`] = {};
    for (let p = 1; p <= holes + 1; p++) universe[`hole${h}`][p] = {};
  }
  return { universe, requires };
}

test("a small pigeonhole universe is unsatisfiable", () => {
  const { universe, requires } = pigeonholeUniverse(4);
  assert.equal(solveToy(universe, { requires }).result.status, "unsat");
});

test("a hard pigeonhole universe stops at the timeout with a typed error", () => {
  const { universe, requires } = pigeonholeUniverse(12);
  assert.throws(
    () => solveToy(universe, { requires, timeoutMs: 50 }),
    (error: unknown) => error instanceof SolveTimeoutError && error.timeoutMs === 50,
  );
});
