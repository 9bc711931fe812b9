import assert from "node:assert/strict";
import { test } from "node:test";
import { buildConflictGraph, simplifyConflictGraph } from "../../../src/solver/core/index.js";
import { solveToy } from "./_helpers.js";
import type { ToyProblem } from "./_helpers.js";
import type { ToyUniverse } from "./_toy_provider.js";

/** Pinned explanations: a change of wording or structure must show up here. */
const cases: { title: string; universe: ToyUniverse; problem: ToyProblem; expected: string[] }[] = [
  {
    title: "every candidate requires something that does not exist",
    universe: { a: { 1: { requires: ["b <1"] }, 2: { requires: ["b <1"] } }, b: { 1: {}, 2: {} } },
    problem: { requires: ["a"] },
    expected: [
      "These requirements cannot be met together:",
      "└─ a cannot be satisfied, because no candidate can be installed:",
      "   └─ a 1 | 2 cannot be installed, because it requires:",
      "      └─ b <1 cannot be satisfied, because no candidate matches it.",
    ],
  },
  {
    title: "two requirements need different versions of one dependency",
    universe: { a: { 1: { requires: ["c ==1"] } }, b: { 1: { requires: ["c ==2"] } }, c: { 1: {}, 2: {} } },
    problem: { requires: ["a", "b"] },
    expected: [
      "These requirements cannot be met together:",
      "├─ a, which can be satisfied by:",
      "│  └─ a 1, which requires:",
      "│     └─ c ==1, which can be satisfied by:",
      "│        └─ c 1",
      "└─ b cannot be satisfied, because no candidate can be installed:",
      "   └─ b 1 cannot be installed, because it requires:",
      "      └─ c ==2 cannot be satisfied, because no candidate can be installed:",
      "         └─ c 2 cannot be installed alongside c 1: only one c can be installed.",
    ],
  },
  {
    title: "a constraint rules out the requested versions",
    universe: { a: { 1: { constrains: ["b <2"] }, 2: { constrains: ["b <2"] } }, b: { 2: {}, 3: {} } },
    problem: { requires: ["a", "b >=2"] },
    expected: [
      "These requirements cannot be met together:",
      "├─ a, which can be satisfied by:",
      "│  └─ a 1 | 2",
      "└─ b >=2 cannot be satisfied, because no candidate can be installed:",
      "   └─ b 2 | 3 cannot be installed, because a 1 | 2 constrains b <2.",
    ],
  },
  {
    title: "a dependency needs an older interpreter than its sibling allows",
    universe: {
      numpy: { 1: { requires: ["python >=39,<312"] }, 2: { requires: ["python >=310"] }, 3: { requires: ["python >=310"] } },
      python: { 38: {}, 39: {}, 310: {}, 311: {} },
      scipy: { 1: { requires: ["numpy <2", "python <39"] } },
    },
    problem: { requires: ["numpy", "scipy"] },
    expected: [
      "These requirements cannot be met together:",
      "└─ scipy cannot be satisfied, because no candidate can be installed:",
      "   └─ scipy 1 cannot be installed, because it requires:",
      "      ├─ numpy <2, which can be satisfied by:",
      "      │  └─ numpy 1, which requires:",
      "      │     └─ python >=39,<312, which can be satisfied by:",
      "      │        └─ python 39 | 310 | 311",
      "      └─ python <39 cannot be satisfied, because no candidate can be installed:",
      "         └─ python 38 cannot be installed alongside python 39 | 310 | 311: only one python can be installed.",
    ],
  },
  {
    title: "a lock rules out the needed version",
    universe: { a: { 1: { requires: ["b", "d >=2"] } }, b: { 1: {} }, d: { 1: {}, 2: {} } },
    problem: { requires: ["a"], locked: [["d", 1]] },
    expected: [
      "These requirements cannot be met together:",
      "└─ a cannot be satisfied, because no candidate can be installed:",
      "   └─ a 1 cannot be installed, because it requires:",
      "      └─ d >=2 cannot be satisfied, because no candidate can be installed:",
      "         └─ d 2 cannot be installed, because d is locked to d 1.",
    ],
  },
  {
    title: "unknown dependencies and a root constraint",
    universe: { a: { 1: { requires: ["b"] } }, b: { 1: {}, 2: { unknown: "metadata unavailable" } } },
    problem: { requires: ["a"], constrains: ["b >=2"] },
    expected: [
      "These requirements cannot be met together:",
      "└─ a cannot be satisfied, because no candidate can be installed:",
      "   └─ a 1 cannot be installed, because it requires:",
      "      └─ b cannot be satisfied, because no candidate can be installed:",
      "         ├─ b 2 cannot be installed: its dependencies are unknown (metadata unavailable).",
      "         └─ b 1 cannot be installed, because the request constrains b >=2.",
    ],
  },
];

for (const { title, universe, problem, expected } of cases) {
  test(`explanation: ${title}`, () => {
    const { result, explanation } = solveToy(universe, problem);
    assert.equal(result.status, "unsat");
    assert.equal(explanation, expected.join("\n"));
  });
}

test("simplifying merges candidates of one name that fail the same way", () => {
  const { result, provider } = solveToy(cases[0].universe, cases[0].problem);
  assert.equal(result.status, "unsat");
  if (result.status !== "unsat") return;
  const graph = buildConflictGraph(result.conflict, provider);
  const simple = simplifyConflictGraph(graph);
  const solvableNodes = (g: typeof graph): string[][] =>
    g.nodes.flatMap((n) => (n.kind === "solvable" ? [provider.describe(n.solvables)] : []));
  assert.deepEqual(solvableNodes(graph), [["a 2"], ["a 1"]]);
  assert.deepEqual(solvableNodes(simple), [["a 1", "a 2"]]);
});
