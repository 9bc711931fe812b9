// Pinned wording of the solver's explanations: a change must show up here.
import assert from "node:assert/strict";
import { test } from "node:test";
import { SolverError, closeNames, editDistance, solveConda } from "../../src/solver/index.js";
import { rec, taskOver } from "./_records.js";

const universe = [
  rec("python", "3.9.19"),
  rec("python", "3.10.14"),
  rec("python", "3.12.3"),
  rec("numpy", "2.1.0", ["python >=3.10"]),
  rec("numpy", "2.0.0", ["python >=3.10"]),
  rec("requests", "2.32.0", ["python >=3.8"]),
  rec("mlx", "0.15.0", [], { subdir: "osx-arm64" }),
];

function message(specs: string[]): { code: string; text: string } {
  try {
    solveConda(taskOver(universe, specs));
  } catch (err) {
    if (err instanceof SolverError) return { code: err.code, text: err.message };
    throw err;
  }
  assert.fail(`${specs.join(", ")} solved`);
}

test("a conflict names the requested specs and the package in between", () => {
  assert.deepEqual(message(["python 3.9.*", "numpy >=2"]), {
    code: "CG_SOLVE_UNSAT",
    text: [
      "These requirements cannot be met together:",
      "├─ python 3.9.*, which can be satisfied by:",
      "│  └─ python 3.9.19",
      "└─ numpy >=2 cannot be satisfied, because no candidate can be installed:",
      "   └─ numpy 2.1.0 | 2.0.0 cannot be installed, because it requires:",
      "      └─ python >=3.10 cannot be satisfied, because no candidate can be installed:",
      "         └─ python 3.12.3 | 3.10.14 cannot be installed alongside python 3.9.19: only one python can be installed.",
    ].join("\n"),
  });
});

test("an unknown name suggests close names", () => {
  assert.deepEqual(message(["requets"]), {
    code: "CG_SOLVE_NOT_FOUND",
    text: "No package matches 'requets': requets is not in any channel for linux-64 (and noarch). Did you mean 'requests'?",
  });
});

test("a package of another platform says which one has it", () => {
  assert.deepEqual(message(["mlx"]), {
    code: "CG_SOLVE_NOT_FOUND",
    text: "No package matches 'mlx' for linux-64 (and noarch): mlx is only available for osx-arm64.",
  });
});

test("a version that does not exist lists the versions that do", () => {
  assert.deepEqual(message(["numpy 3.*"]), {
    code: "CG_SOLVE_NOT_FOUND",
    text: "No package matches 'numpy 3.*': numpy exists for linux-64 (and noarch), but only as 2.1.0, 2.0.0.",
  });
});

test("a missing virtual package says how to declare it", () => {
  assert.deepEqual(message(["__cuda"]), {
    code: "CG_SOLVE_NOT_FOUND",
    text: "No package matches '__cuda': __cuda is a virtual package that the target system does not have (declare it with --virtual-package or CONDA_OVERRIDE_CUDA).",
  });
});

test("edit distance and close names", () => {
  assert.equal(editDistance("requesrts", "requests"), 1);
  assert.equal(editDistance("numpy", "scipy"), 3);
  assert.deepEqual(closeNames("nunpy", ["numpy", "numba", "scipy", "nump"]), ["numpy"]);
  assert.deepEqual(closeNames("requesrts", ["requests", "request", "pytest"]), ["requests", "request"]);
  assert.deepEqual(closeNames("zzz", ["numpy"]), []);
});

test("a virtual package conflict says what the system has", () => {
  const records = [rec("cudatoolkit", "12.0", ["__cuda >=12"])];
  try {
    solveConda(taskOver(records, ["cudatoolkit"], { virtualPackages: [{ name: "__cuda", version: "11.8", build: "0" }] }));
    assert.fail("solved");
  } catch (err) {
    if (!(err instanceof SolverError)) throw err;
    assert.equal(
      err.message,
      [
        "These requirements cannot be met together:",
        "└─ cudatoolkit cannot be satisfied, because no candidate can be installed:",
        "   └─ cudatoolkit 12.0 cannot be installed, because it requires:",
        "      └─ __cuda >=12 (the target system has __cuda 11.8) cannot be satisfied, because no candidate matches it.",
      ].join("\n"),
    );
  }
});
