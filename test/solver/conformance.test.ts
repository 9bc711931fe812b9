// Runs every case of the solver conformance suite (../shared/peer-tests/solver)
// and reports `# conformance: N passed, N failed, N skipped` with a per-kind
// breakdown. A supported case that fails fails the test, unless it is in
// KNOWN_DISAGREEMENTS below with the reason our answer differs.
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { test } from "node:test";
import { checkConformanceCase, runConformanceCase } from "../../src/solver/index.js";
import type { ConformanceOutput, ConformanceVerdict } from "../../src/solver/index.js";
import { SHARED_DATA } from "../helpers/shared_data.js";

const CASES_DIR = resolve(SHARED_DATA, "..", "peer-tests", "solver");

/**
 * Cases where our answer differs from the peer's expectation on purpose or
 * for a documented reason. Each entry says why; keep this list small.
 */
const KNOWN_DISAGREEMENTS: Readonly<Record<string, string>> = {};

interface _Case {
  id: string;
  kinds?: string[];
  semantics?: string;
  [key: string]: unknown;
}

function loadCases(): _Case[] {
  return readdirSync(CASES_DIR)
    .filter((f) => f.endsWith(".json"))
    .sort()
    .map((f) => JSON.parse(readFileSync(join(CASES_DIR, f), "utf8")) as _Case);
}

const skipReason = existsSync(CASES_DIR) ? false : `conformance cases not found: ${CASES_DIR} (clone ../shared beside the repository)`;
if (skipReason !== false) console.log(`# SKIP ${skipReason}`);

test("solver conformance cases", { skip: skipReason }, async (t) => {
  const cases = loadCases();
  const outputs = new Map<string, ConformanceOutput>();
  for (const c of cases) outputs.set(c.id, runConformanceCase(c, SHARED_DATA));
  const verdicts = new Map<string, ConformanceVerdict>();
  for (const c of cases) verdicts.set(c.id, checkConformanceCase(c, outputs.get(c.id) as ConformanceOutput, outputs));

  const counts = { passed: 0, failed: 0, skipped: 0, known: 0 };
  const byKind = new Map<string, { passed: number; failed: number; skipped: number }>();
  const skipReasons = new Map<string, string[]>();
  const unexpected: string[] = [];
  const viaAlternative: string[] = [];
  for (const c of cases) {
    const v = verdicts.get(c.id) as ConformanceVerdict;
    const known = KNOWN_DISAGREEMENTS[c.id];
    for (const kind of [`semantics:${c.semantics ?? "conda"}`, ...(c.kinds ?? [])]) {
      const k = byKind.get(kind) ?? { passed: 0, failed: 0, skipped: 0 };
      if (v.status === "pass") k.passed++;
      else if (v.status === "skip") k.skipped++;
      else k.failed++;
      byKind.set(kind, k);
    }
    if (v.status === "pass") {
      counts.passed++;
      if (v.reason !== undefined) viaAlternative.push(c.id);
    } else if (v.status === "skip") {
      counts.skipped++;
      const list = skipReasons.get(v.reason ?? "unsupported") ?? [];
      list.push(c.id);
      skipReasons.set(v.reason ?? "unsupported", list);
    } else {
      counts.failed++;
      if (known !== undefined) counts.known++;
      else unexpected.push(`${c.id}: ${v.reason ?? ""}`);
    }
    await t.test(c.id, (st) => {
      if (v.status === "skip") {
        st.skip(v.reason);
        return;
      }
      if (v.status === "fail" && known !== undefined) {
        st.skip(`known disagreement: ${known} (${v.reason ?? ""})`);
        return;
      }
      assert.equal(v.status, "pass", v.reason);
    });
  }
  for (const [kind, k] of [...byKind].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    console.log(`#   ${kind}: ${k.passed} passed, ${k.failed} failed, ${k.skipped} skipped`);
  }
  for (const [reason, ids] of skipReasons) console.log(`#   skipped (${ids.length}): ${reason}: ${ids.join(", ")}`);
  if (viaAlternative.length > 0) console.log(`#   passed only through another solver's accepted answer: ${viaAlternative.join(", ")}`);
  if (counts.known > 0) console.log(`#   of the failures, ${counts.known} are known and explained disagreements`);
  console.log(`# conformance: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`);
  assert.deepEqual(unexpected, [], "supported cases that fail");
  for (const id of Object.keys(KNOWN_DISAGREEMENTS)) {
    assert.equal(verdicts.get(id)?.status, "fail", `${id} is listed as a known disagreement but does not fail any more`);
  }
});

test("the case checker fails wrong answers and skips unsupported ones", () => {
  const c = { id: "x", expect: { packages: ["ch::a-1.0-0"] }, alternatives: [{ solvers: ["other"], packages: ["ch::a-2.0-0"] }] };
  assert.deepEqual(checkConformanceCase(c, ["ch::a-1.0-0"]), { status: "pass" });
  assert.equal(checkConformanceCase(c, ["ch::a-1.0-0", "ch::b-1.0-0"]).status, "fail");
  assert.equal(checkConformanceCase(c, { error: "unsatisfiable" }).status, "fail");
  assert.deepEqual(checkConformanceCase(c, { error: "unsupported", reason: "setting 'x'" }), { status: "skip", reason: "setting 'x'" });
  assert.deepEqual(checkConformanceCase(c, [{ channel: "ch", subdir: "linux-64", name: "a", version: "2.0", build: "0" }]), {
    status: "pass",
    reason: "matched the alternative accepted for other",
  });
  const partial = { id: "p", expect: { contains_records: [{ name: "a", build_number: 4 }], count: 1 } };
  assert.equal(checkConformanceCase(partial, [{ channel: "ch", name: "a", version: "1", build: "b", build_number: 4 }]).status, "pass");
  assert.equal(checkConformanceCase(partial, ["ch::a-1-b"]).status, "fail", "string output has no build_number");
  const errors = { id: "e", expect: { error: ["unsatisfiable", "not_found"] } };
  assert.equal(checkConformanceCase(errors, { error: "not_found" }).status, "pass");
  assert.equal(checkConformanceCase(errors, []).status, "fail");
});
