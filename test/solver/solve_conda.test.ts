import assert from "node:assert/strict";
import { test } from "node:test";
import { SolveTimeoutError, SolverError, solveConda, verifySolution } from "../../src/solver/index.js";
import { FORGE, MAIN, names, rec, taskOver } from "./_records.js";

function solveError(fn: () => unknown): SolverError {
  try {
    fn();
  } catch (err) {
    if (err instanceof SolverError) return err;
    throw err;
  }
  assert.fail("expected a SolverError");
}

// Two channels: main (listed first, highest priority) has an old numpy; conda-forge a newer one.
const channels = [
  rec("numpy", "1.0", [], { channel: MAIN }),
  rec("numpy", "2.0", [], { channel: FORGE }),
  rec("scipy", "1.0", ["numpy >=2"], { channel: FORGE }),
];

test("strict priority takes a name only from the highest channel that has it", () => {
  const task = taskOver(channels, ["numpy"], { channels: [MAIN, FORGE], channelPriority: "strict" });
  assert.deepEqual(names(solveConda(task).records), ["numpy-1.0-0"]);
  const err = solveError(() => solveConda({ ...task, specs: ["scipy"] }));
  assert.equal(err.code, "CG_SOLVE_UNSAT", "a name masked by priority is a conflict, not a missing package");
});

test("flexible priority prefers the higher channel but falls back when it must", () => {
  const task = taskOver(channels, ["numpy"], { channels: [MAIN, FORGE], channelPriority: "flexible" });
  assert.deepEqual(names(solveConda(task).records), ["numpy-1.0-0"]);
  assert.deepEqual(names(solveConda({ ...task, specs: ["scipy"] }).records), ["numpy-2.0-0", "scipy-1.0-0"]);
});

test("disabled priority takes the highest version from any channel", () => {
  const task = taskOver(channels, ["numpy"], { channels: [MAIN, FORGE], channelPriority: "disabled" });
  assert.deepEqual(names(solveConda(task).records), ["numpy-2.0-0"]);
});

test("virtual packages are fixed candidates that never appear in the result", () => {
  const records = [rec("cudatoolkit", "12.0", ["__cuda >=12"]), rec("cudatoolkit", "11.8", ["__cuda >=11.8"])];
  const task = taskOver(records, ["cudatoolkit"]);
  assert.equal(solveError(() => solveConda(task)).code, "CG_SOLVE_UNSAT", "no __cuda on the system");
  const withCuda = { ...task, virtualPackages: [{ name: "__cuda", version: "11.8", build: "0" }] };
  const out = solveConda(withCuda).records;
  assert.deepEqual(names(out), ["cudatoolkit-11.8-0"]);
  assert.deepEqual(verifySolution(out, withCuda), { ok: true, problems: [] });
});

test("constrains on a virtual package apply because the system has it", () => {
  const records = [rec("cuda-version", "13.3", [], { constrains: ["__cuda >=13"] })];
  const task = taskOver(records, ["cuda-version"], { virtualPackages: [{ name: "__cuda", version: "12.0", build: "0" }] });
  assert.equal(solveError(() => solveConda(task)).code, "CG_SOLVE_UNSAT");
});

test("track_features are avoided unless asked for", () => {
  const records = [rec("blas", "2.0", [], { build: "mkl", track_features: ["mkl"] }), rec("blas", "1.0", [], { build: "openblas" })];
  for (const semantics of ["conda", "libmamba", "rattler"] as const) {
    const dep = [...records, rec("numpy", "1.0", ["blas"])];
    assert.deepEqual(names(solveConda(taskOver(dep, ["numpy"], { semantics })).records), ["blas-1.0-openblas", "numpy-1.0-0"], semantics);
  }
  // conda maximises the version of a requested spec before minimising track_features.
  assert.deepEqual(names(solveConda(taskOver(records, ["blas"])).records), ["blas-2.0-mkl"]);
  assert.deepEqual(names(solveConda(taskOver(records, ["blas"], { semantics: "libmamba" })).records), ["blas-1.0-openblas"]);
});

test("conda keeps installed packages unless they must change; rattler returns only what specs need", () => {
  const records = [rec("a", "1.0"), rec("a", "2.0"), rec("b", "1.0", ["a"]), rec("c", "1.0", ["a >=2"])];
  const installed = [records[0]];
  assert.deepEqual(names(solveConda(taskOver(records, ["b"], { installed })).records), ["a-1.0-0", "b-1.0-0"]);
  assert.deepEqual(names(solveConda(taskOver(records, ["c"], { installed })).records), ["a-2.0-0", "c-1.0-0"]);
  assert.deepEqual(names(solveConda(taskOver(records, [], { installed })).records), ["a-1.0-0"]);
  assert.deepEqual(names(solveConda(taskOver(records, [], { locked: installed, semantics: "rattler" })).records), []);
  assert.deepEqual(names(solveConda(taskOver(records, ["b"], { locked: installed, semantics: "rattler" })).records), ["a-1.0-0", "b-1.0-0"]);
});

test("pinned specs constrain without pulling packages in", () => {
  const records = [rec("a", "1.0"), rec("a", "2.0"), rec("b", "1.0", ["a"])];
  assert.deepEqual(names(solveConda(taskOver(records, ["b"], { pinned: ["a 1.*"] })).records), ["a-1.0-0", "b-1.0-0"]);
  assert.deepEqual(names(solveConda(taskOver(records, ["b"], { pinned: ["c 1.*"] })).records), ["a-2.0-0", "b-1.0-0"]);
});

test("a bad spec is CG_SOLVE_INVALID_SPEC and a timeout is the core's SolveTimeoutError", () => {
  const task = taskOver([rec("a", "1.0")], ["a >=1,,<2"]);
  assert.equal(solveError(() => solveConda(task)).code, "CG_SOLVE_INVALID_SPEC");
  assert.throws(() => solveConda({ ...task, specs: ["a"], timeoutMs: 0 }), SolveTimeoutError);
});
