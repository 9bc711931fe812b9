import assert from "node:assert/strict";
import { test } from "node:test";
import { candidateKey, compareBuildKeys, compareCandidateKeys } from "../../src/solver/index.js";
import type { OrderOptions } from "../../src/solver/index.js";
import { rec } from "./_records.js";
import type { PackageRecord } from "../../src/conda/index.js";

/** Sorts with the key comparison, then build number and arch, as the provider does (dependencies aside). */
function order(records: PackageRecord[], options: OrderOptions, channels: string[] = []): string[] {
  const rank = (c: string): number => (channels.includes(c) ? channels.indexOf(c) : channels.length);
  return records
    .map((r) => ({ r, k: candidateKey(r, rank(r.channel), new Set()) }))
    .sort((a, b) => compareCandidateKeys(a.k, b.k, options) || compareBuildKeys(a.k, b.k))
    .map(({ r }) => `${r.version}-${r.build}${r.subdir === "noarch" ? "-noarch" : ""}`);
}

const flexible: OrderOptions = { priority: "flexible", lowest: false };

test("highest version first, then build number, then arch over noarch", () => {
  const records = [
    rec("a", "1.0", [], { build: "n", subdir: "noarch" }),
    rec("a", "1.0", [], { build: "x" }),
    rec("a", "1.10", [], { build: "x" }),
    rec("a", "1.2", [], { build: "b1", build_number: 1 }),
    rec("a", "1.2", [], { build: "b2", build_number: 2, subdir: "noarch" }),
  ];
  assert.deepEqual(order(records, flexible), ["1.10-x", "1.2-b2-noarch", "1.2-b1", "1.0-x", "1.0-n-noarch"]);
});

test("fewer track_features first, even before a higher version", () => {
  const records = [rec("a", "2.0", [], { track_features: ["debug"] }), rec("a", "1.0")];
  assert.deepEqual(order(records, flexible), ["1.0-0", "2.0-0"]);
});

test("channel first under strict and flexible priority, version first when disabled", () => {
  const records = [rec("a", "2.0", [], { channel: "B" }), rec("a", "1.0", [], { channel: "A" })];
  assert.deepEqual(order(records, flexible, ["A", "B"]), ["1.0-0", "2.0-0"]);
  assert.deepEqual(order(records, { priority: "strict", lowest: false }, ["A", "B"]), ["1.0-0", "2.0-0"]);
  assert.deepEqual(order(records, { priority: "disabled", lowest: false }, ["A", "B"]), ["2.0-0", "1.0-0"]);
});

test("the lowest strategy reverses versions only", () => {
  const records = [rec("a", "1.0", [], { build_number: 1 }), rec("a", "1.0"), rec("a", "2.0")];
  assert.deepEqual(order(records, { priority: "flexible", lowest: true }), ["1.0-0", "1.0-0", "2.0-0"]);
});

test("inactive legacy features go last; active ones are preferred", () => {
  const plain = rec("numpy", "1.7", [], { build: "py27_0" });
  const mkl = rec("numpy", "1.7", [], { build: "py27_p0", features: "mkl" });
  const off = [plain, mkl].map((r) => candidateKey(r, 0, new Set()));
  const on = [plain, mkl].map((r) => candidateKey(r, 0, new Set(["mkl"])));
  assert.ok(compareCandidateKeys(off[0], off[1], flexible) < 0);
  assert.ok(compareCandidateKeys(on[1], on[0], flexible) < 0);
});
