import assert from "node:assert/strict";
import { test } from "node:test";
import { solve, SolveAbortedError } from "../../../src/solver/core/index.js";
import { solveToy } from "./_helpers.js";

test("a simple chain installs every link", () => {
  const { installed } = solveToy({ a: { 1: { requires: ["b"] } }, b: { 1: { requires: ["c"] } }, c: { 1: {} } }, { requires: ["a"] });
  assert.deepEqual(installed, ["a 1", "b 1", "c 1"]);
});

test("the highest version is preferred", () => {
  const { installed } = solveToy({ a: { 1: {}, 3: {}, 2: {} } }, { requires: ["a"] });
  assert.deepEqual(installed, ["a 3"]);
});

test("a requirement's range is respected", () => {
  const { installed } = solveToy({ a: { 1: {}, 2: {}, 3: {} } }, { requires: ["a <3"] });
  assert.deepEqual(installed, ["a 2"]);
});

test("backtracks when the highest version leads to a conflict", () => {
  const universe = {
    a: { 1: { requires: ["b >=1"] }, 2: { requires: ["b ==1"] }, 3: { requires: ["c <1"] } },
    b: { 1: {}, 2: {} },
    c: { 1: {}, 2: {} },
  };
  const { installed } = solveToy(universe, { requires: ["a", "b >=2"] });
  assert.deepEqual(installed, ["a 1", "b 2"]);
});

test("constrains limit a name only when it is installed", () => {
  const universe = { a: { 1: { constrains: ["b <2", "c <1"] } }, b: { 1: {}, 2: {}, 3: {} }, c: { 1: {} } };
  const { installed } = solveToy(universe, { requires: ["a", "b"] });
  assert.deepEqual(installed, ["a 1", "b 1"]);
});

test("root constraints apply to dependencies", () => {
  const universe = { a: { 1: { requires: ["b"] } }, b: { 1: {}, 2: {}, 3: {} } };
  const { installed } = solveToy(universe, { requires: ["a"], constrains: ["b <=2"] });
  assert.deepEqual(installed, ["a 1", "b 2"]);
});

test("a diamond with clashing dependencies picks a compatible pair", () => {
  const universe = {
    top: { 1: { requires: ["left", "right"] } },
    left: { 1: { requires: ["base ==1"] }, 2: { requires: ["base ==2"] } },
    right: { 1: { requires: ["base ==1"] }, 2: { requires: ["base ==1"] }, 3: { requires: ["base ==3"] } },
    base: { 1: {}, 2: {}, 3: {} },
  };
  const { installed } = solveToy(universe, { requires: ["top"] });
  // left (2 options) is decided before right (3): left 2 is tried first, then given up.
  assert.deepEqual(installed, ["base 1", "left 1", "right 2", "top 1"]);
});

test("favored candidates are tried first, locked ones are the only choice", () => {
  const universe = { a: { 1: {}, 2: {}, 3: {} } };
  assert.deepEqual(solveToy(universe, { requires: ["a"], favored: [["a", 2]] }).installed, ["a 2"]);
  assert.deepEqual(solveToy(universe, { requires: ["a >=2"], favored: [["a", 1]] }).installed, ["a 3"]);
  assert.deepEqual(solveToy(universe, { requires: ["a"], locked: [["a", 1]] }).installed, ["a 1"]);
});

test("excluded candidates and unknown dependencies are never installed", () => {
  const universe = { a: { 1: {}, 2: {}, 3: { unknown: "could not fetch metadata" } } };
  assert.deepEqual(solveToy(universe, { requires: ["a"], excluded: [["a", 2, "yanked"]] }).installed, ["a 1"]);
});

test("only the reachable part of the universe is touched", () => {
  const universe = {
    a: { 1: { requires: ["b >=2"] }, 2: { requires: ["b"] } },
    b: { 1: { requires: ["far"] }, 2: {}, 3: { requires: ["c"] } },
    c: { 1: {} },
    far: { 1: { requires: ["further"] } },
    further: { 1: {} },
    unrelated: { 1: { requires: ["a"] } },
  };
  const { provider, installed } = solveToy(universe, { requires: ["a"] });
  assert.deepEqual(installed, ["a 2", "b 3", "c 1"]);
  assert.deepEqual(provider.describe(provider.dependenciesCalls), ["a 2", "b 3", "c 1"]);
  const touched = provider.candidatesCalls.map((n) => provider.names[n]).sort();
  assert.deepEqual(touched, ["a", "b", "c"]);
});

test("an aborted signal stops the solve with a typed error", () => {
  const controller = new AbortController();
  controller.abort();
  assert.throws(() => solveToy({ a: { 1: {} } }, { requires: ["a"], signal: controller.signal }), SolveAbortedError);
});

test("a requirement on a name without candidates is unsatisfiable", () => {
  const { result, explanation } = solveToy({}, { requires: ["ghost >=1"] });
  assert.equal(result.status, "unsat");
  assert.equal(
    explanation,
    ["These requirements cannot be met together:", "└─ ghost >=1 cannot be satisfied, because no candidate matches it."].join("\n"),
  );
});

test("stats count the work done", () => {
  const { result } = solveToy({ a: { 1: { requires: ["b"] } }, b: { 1: {} } }, { requires: ["a"] });
  assert.equal(result.stats.namesTouched, 2);
  assert.equal(result.stats.solvablesExpanded, 2);
  assert.equal(typeof solve, "function");
});

test("solving twice gives the same answer", () => {
  const universe = {
    top: { 1: { requires: ["left", "right"] }, 2: { requires: ["left >=2", "right ==3"] } },
    left: { 1: { requires: ["base ==1"] }, 2: { requires: ["base ==2"] } },
    right: { 1: { requires: ["base ==1"] }, 2: { requires: ["base ==1"] }, 3: { requires: ["base ==3"] } },
    base: { 1: {}, 2: {}, 3: {} },
  };
  const first = solveToy(universe, { requires: ["top"] });
  const second = solveToy(universe, { requires: ["top"] });
  assert.deepEqual(first.installed, second.installed);
  assert.deepEqual(first.result.stats, second.result.stats);
});
