// Random small channels and requests: every answer must pass verifySolution,
// and every "unsatisfiable" must be confirmed by brute force.
import assert from "node:assert/strict";
import { test } from "node:test";
import { MatchSpec } from "../../src/conda/index.js";
import type { PackageRecord } from "../../src/conda/index.js";
import { SolverError, solveConda, verifySolution } from "../../src/solver/index.js";
import type { SolveTask } from "../../src/solver/index.js";
import { pick, seededRandom } from "./core/_random.js";
import { rec, taskOver } from "./_records.js";

const NAMES = ["a", "b", "c", "d"];
const VERSIONS = ["1.0", "2.0", "3.0"];

function randomSpec(random: () => number, name: string): string {
  const v = pick(random, VERSIONS);
  return pick(random, [name, `${name} >=${v}`, `${name} <${v}`, `${name} ${v}.*`]);
}

function randomUniverse(random: () => number): PackageRecord[] {
  const out: PackageRecord[] = [];
  for (const name of NAMES) {
    for (const version of VERSIONS) {
      if (random() < 0.3) continue;
      const depends = NAMES.filter((n) => n > name && random() < 0.35).map((n) => randomSpec(random, n));
      const constrains = NAMES.filter((n) => n !== name && random() < 0.1).map((n) => randomSpec(random, n));
      out.push(rec(name, version, depends, { constrains, track_features: random() < 0.1 ? ["x"] : [] }));
    }
  }
  return out;
}

/** Whether some set of records (at most one per name) satisfies specs, depends and constrains. */
function bruteForceSat(universe: readonly PackageRecord[], specs: readonly MatchSpec[]): boolean {
  const byName = NAMES.map((n) => [undefined, ...universe.filter((r) => r.name === n)]);
  const choose = (i: number, chosen: PackageRecord[]): boolean => {
    if (i === byName.length) {
      const has = (s: MatchSpec): boolean => chosen.some((r) => s.match(r));
      if (!specs.every(has)) return false;
      for (const r of chosen) {
        if (!r.depends.every((d) => has(MatchSpec.parse(d)))) return false;
        for (const c of r.constrains) {
          const spec = MatchSpec.parse(c);
          if (chosen.some((o) => o.name === spec.name && !spec.match(o))) return false;
        }
      }
      return true;
    }
    for (const r of byName[i]) if (choose(i + 1, r === undefined ? chosen : [...chosen, r])) return true;
    return false;
  };
  return choose(0, []);
}

test("random requests give consistent answers and honest conflicts", () => {
  const random = seededRandom(20261125);
  let solved = 0;
  let conflicts = 0;
  for (let round = 0; round < 300; round++) {
    const universe = randomUniverse(random);
    const specs = NAMES.filter(() => random() < 0.5).map((n) => randomSpec(random, n));
    if (specs.length === 0) continue;
    for (const semantics of ["conda", "libmamba", "rattler"] as const) {
      const task: SolveTask = taskOver(universe, specs, { semantics });
      try {
        const { records } = solveConda(task);
        assert.deepEqual(verifySolution(records, task).problems, [], `round ${round} ${semantics}: ${specs.join(", ")}`);
        solved++;
      } catch (err) {
        if (!(err instanceof SolverError)) throw err;
        assert.equal(bruteForceSat(universe, specs.map((s) => MatchSpec.parse(s))), false, `round ${round} ${semantics}: ${specs.join(", ")} is satisfiable`);
        conflicts++;
      }
    }
  }
  assert.ok(solved > 100 && conflicts > 10, `solved ${solved}, conflicts ${conflicts}`);
});

test("random updates of an installed environment stay consistent", () => {
  const random = seededRandom(7);
  let checked = 0;
  for (let round = 0; round < 200; round++) {
    const universe = randomUniverse(random);
    const first = NAMES.filter(() => random() < 0.5).map((n) => randomSpec(random, n));
    let installed: PackageRecord[];
    try {
      installed = solveConda(taskOver(universe, first)).records;
    } catch {
      continue;
    }
    const specs = NAMES.filter(() => random() < 0.4).map((n) => randomSpec(random, n));
    const settings: Array<Partial<SolveTask>> = [
      { semantics: "conda", historySpecs: first },
      { semantics: "conda" },
      { semantics: "conda", historySpecs: first, updateModifier: "update_all" },
      { semantics: "conda", historySpecs: first, updateModifier: "freeze_installed" },
      { semantics: "libmamba" },
      { semantics: "libmamba", specsAreUpdates: true },
      { semantics: "rattler", locked: installed },
    ];
    for (const extra of settings) {
      const task = taskOver(universe, specs, { installed: extra.semantics === "rattler" ? undefined : installed, ...extra });
      try {
        const { records } = solveConda(task);
        assert.deepEqual(verifySolution(records, task).problems, [], `round ${round} ${JSON.stringify(extra)}: ${specs.join(", ")}`);
        checked++;
      } catch (err) {
        if (!(err instanceof SolverError)) throw err;
        if (extra.semantics === "rattler") {
          assert.equal(bruteForceSat(universe, specs.map((s) => MatchSpec.parse(s))), false, `round ${round}: ${specs.join(", ")} is satisfiable`);
        }
      }
    }
  }
  assert.ok(checked > 200, `checked ${checked}`);
});
