// Solves real conda-forge metadata (../shared/data/channels/conda-forge-py39)
// and checks every answer with verifySolution.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { test } from "node:test";
import type { PackageRecord, VirtualPackage } from "../../src/conda/index.js";
import { RepodataGateway, indexRepodataJson } from "../../src/repodata/index.js";
import { loadSolveRecords, solveConda, verifySolution } from "../../src/solver/index.js";
import type { SolveTask } from "../../src/solver/index.js";
import { needsShared, sharedPath } from "../helpers/shared_data.js";

const CHANNEL = "https://conda.anaconda.org/conda-forge";
const FOLDER = "channels/conda-forge-py39";
const SPECS = ["python 3.9.*", "pip", "setuptools", "openssl", "sqlite"];

function systemOf(subdir: string): VirtualPackage[] {
  if (subdir.startsWith("linux")) {
    return [
      { name: "__glibc", version: "2.17", build: "0" },
      { name: "__unix", version: "0", build: "0" },
      { name: "__linux", version: "5.15", build: "0" },
    ];
  }
  if (subdir.startsWith("osx")) {
    return [
      { name: "__osx", version: subdir === "osx-arm64" ? "11.0" : "10.15", build: "0" },
      { name: "__unix", version: "0", build: "0" },
    ];
  }
  return [{ name: "__win", version: "0", build: "0" }];
}

function taskFor(subdir: string, specs: string[], extra: Partial<SolveTask> = {}): SolveTask {
  const indexes = [subdir, "noarch"].map((s) =>
    indexRepodataJson(readFileSync(sharedPath(FOLDER, s, "repodata.json")), { channel: CHANNEL, subdir: s, url: `${CHANNEL}/${s}` }),
  );
  return {
    specs,
    records: (name) => indexes.flatMap((i) => i.records(name)),
    packageNames: () => new Set(indexes.flatMap((i) => i.names())),
    channels: [CHANNEL],
    subdir,
    virtualPackages: systemOf(subdir),
    channelPriority: "strict",
    ...extra,
  };
}

function assertConsistent(records: readonly PackageRecord[], task: SolveTask): void {
  const check = verifySolution(records, task);
  assert.deepEqual(check.problems, [], `inconsistent solution for ${task.subdir}`);
}

const SUBDIRS = ["linux-64", "linux-aarch64", "linux-ppc64le", "osx-64", "osx-arm64", "win-64"];

for (const subdir of SUBDIRS) {
  test(`python 3.9 with pip, setuptools, openssl, sqlite on ${subdir}`, { skip: needsShared(`${FOLDER}/${subdir}/repodata.json`) }, () => {
    for (const semantics of ["conda", "libmamba", "rattler"] as const) {
      const task = taskFor(subdir, SPECS, { semantics });
      const { records } = solveConda(task);
      assertConsistent(records, task);
      const python = records.find((r) => r.name === "python");
      assert.match(python?.version ?? "", /^3\.9\./, `${semantics}: python 3.9`);
      for (const name of ["pip", "setuptools", "openssl", "sqlite"]) assert.ok(records.some((r) => r.name === name), `${semantics}: ${name}`);
    }
  });
}

test("an installed environment is kept and updated minimally on real data", { skip: needsShared(`${FOLDER}/linux-64/repodata.json`) }, () => {
  const first = solveConda(taskFor("linux-64", ["python 3.9.*", "sqlite"]));
  const task = taskFor("linux-64", ["pip"], { installed: first.records, historySpecs: ["python 3.9.*", "sqlite"] });
  const { records } = solveConda(task);
  assertConsistent(records, task);
  const before = new Map(first.records.map((r) => [r.name, r]));
  for (const r of records) {
    const old = before.get(r.name);
    if (old !== undefined && r.name !== "openssl" && r.name !== "ca-certificates") {
      assert.equal(`${r.version}-${r.build}`, `${old.version}-${old.build}`, `${r.name} changed`);
    }
  }
  assert.ok(records.some((r) => r.name === "pip"));
});

test("a conflict on real data is explained", { skip: needsShared(`${FOLDER}/linux-64/repodata.json`) }, () => {
  const task = taskFor("linux-64", ["python 3.9.*", "python_abi 3.11.*"]);
  assert.throws(() => solveConda(task), (err: Error & { code?: string }) => err.code === "CG_SOLVE_UNSAT" && /python/.test(err.message));
});

test("loadSolveRecords follows dependencies through the gateway", { skip: needsShared(`${FOLDER}/linux-64/repodata.json`) }, async () => {
  const cacheDir = await mkdtemp(join(tmpdir(), "cg-solve-"));
  try {
    const gateway = new RepodataGateway({ cacheDir });
    const baseUrl = pathToFileURL(sharedPath(FOLDER)).href;
    const channel = { name: "conda-forge-py39", baseUrl };
    const records = await loadSolveRecords(gateway, { channels: [channel], subdirs: ["linux-64", "noarch"], specs: SPECS });
    assert.ok(records("python").length > 0);
    assert.ok(records("libzlib").length > 0, "a dependency of a dependency was fetched");
    assert.deepEqual(records("not-a-package"), []);
    const task: SolveTask = { specs: SPECS, records, channels: [baseUrl], subdir: "linux-64", virtualPackages: systemOf("linux-64") };
    const { records: solved } = solveConda(task);
    assertConsistent(solved, task);
  } finally {
    await rm(cacheDir, { recursive: true, force: true });
  }
});

test("candidates read from the cache's keys give the same answers as the plain records", { skip: needsShared(`${FOLDER}/linux-64/repodata.json`) }, async () => {
  const cacheDir = await mkdtemp(join(tmpdir(), "cg-solve-keys-"));
  try {
    const baseUrl = pathToFileURL(sharedPath(FOLDER)).href;
    const channel = { name: "conda-forge-py39", baseUrl };
    // Keys kept whatever the size (by default from 8 MiB), and read back warm: the keyed source the solver reads at scale.
    await loadSolveRecords(new RepodataGateway({ cacheDir, recordKeysMinBytes: 0 }), { channels: [channel], subdirs: ["linux-64", "noarch"], specs: SPECS });
    const keyed = await loadSolveRecords(new RepodataGateway({ cacheDir, recordKeysMinBytes: 0 }), { channels: [channel], subdirs: ["linux-64", "noarch"], specs: SPECS });
    assert.ok(keyed.keyed !== undefined, "the warm lookup has keyed records");
    assert.ok(keyed.keyed("python").some((s) => s.entries.some((e) => e >= 0)), "python is read from keys");
    const plain = taskFor("linux-64", SPECS);
    const requests = [SPECS, ["python 3.9.*"], ["python >=3.9,<3.10", "pip <22"], ["openssl <3"], ["sqlite 3.44.*", "python_abi 3.9.* *_cp39"], ["setuptools <60", "wheel"]];
    for (const specs of requests) {
      const fromKeys = solveConda({ ...plain, specs, records: keyed, packageNames: undefined, channels: [baseUrl] });
      const fromRecords = solveConda({ ...plain, specs, packageNames: undefined });
      const key = (r: PackageRecord): string => `${r.name}-${r.version}-${r.build}`;
      assert.deepEqual(fromKeys.records.map(key).sort(), fromRecords.records.map(key).sort(), specs.join(", "));
      assertConsistent(fromKeys.records, { ...plain, specs, records: keyed, channels: [baseUrl] });
    }
  } finally {
    await rm(cacheDir, { recursive: true, force: true });
  }
});
