import assert from "node:assert/strict";
import { test } from "node:test";
import { parseEnvironmentYaml, readEnvironmentFile, type EnvironmentSpec } from "../../src/env/index.js";
import { checkLock, computeContentHashes, contentHashInput, readLockfile } from "../../src/lock/index.js";
import { pythonJsonDumps } from "../../src/lock/python_json.js";
import { needsShared, sharedPath } from "../helpers/shared_data.js";

const LOCKS = "lockfiles/dpmcgonigle-fingerprinting-llms";
const BASE = "environments/dpmcgonigle-fingerprinting-llms-environment.base.yml";
const GPU = "environments/dpmcgonigle-fingerprinting-llms-environment.gpu.cuda121.yml";

/**
 * The two locks were written (upstream commit 11ce246) before these ten
 * entries were added to the base file; the stored base file is the later
 * one. Dropping them gives the input conda-lock saw.
 */
const ADDED_AFTER_LOCKING = new Set(["datasets<4.0.0", "ftfy", "huggingface_hub", "pip", "pyarrow", "pywavelets", "rapidfuzz", "regex", "spacy", "wordfreq"]);

function asLocked(spec: EnvironmentSpec): EnvironmentSpec {
  const keep = spec.dependencies.map((d) => !ADDED_AFTER_LOCKING.has(d));
  const out: EnvironmentSpec = { ...spec, dependencies: spec.dependencies.filter((_, i) => keep[i]) };
  if (spec.specLocations !== undefined) out.specLocations = spec.specLocations.filter((_, i) => keep[i]);
  return out;
}

test("content hashes equal conda-lock's for a real lock and its environment files", { skip: needsShared(LOCKS, BASE, GPU) }, async () => {
  const base = await readEnvironmentFile(sharedPath(BASE));
  const gpu = await readEnvironmentFile(sharedPath(GPU));
  const cpuLock = await readLockfile(sharedPath(LOCKS, "conda-lock.cpu.conda-lock.yml"));
  const gpuLock = await readLockfile(sharedPath(LOCKS, "conda-lock.gpu.cuda121.conda-lock.yml"));
  assert.deepEqual(computeContentHashes(asLocked(base), cpuLock.platforms), cpuLock.contentHash);
  // Two files, as `conda-lock -f base -f gpu`: channels of the longer list, dependencies merged by name.
  assert.deepEqual(computeContentHashes([asLocked(base), gpu], gpuLock.platforms), gpuLock.contentHash);
  console.log(`# content hash: ${Object.keys(cpuLock.contentHash).length + Object.keys(gpuLock.contentHash).length} of 6 platform hashes reproduced`);

  assert.deepEqual(checkLock(asLocked(base), cpuLock), { upToDate: true, reasons: [] });
  // The stored (later) environment file: the lock is stale on every platform, and says why.
  const stale = checkLock(base, cpuLock);
  assert.equal(stale.upToDate, false);
  assert.equal(stale.reasons.length, 4);
  assert.match(stale.reasons[0] ?? "", /^osx-arm64: the dependencies, pip requirements or channels of the environment file changed since the lock was made/);
});

test("the hashed text has conda-lock's shape", () => {
  const spec = parseEnvironmentYaml("channels: [conda-forge]\ndependencies:\n  - python=3.12\n  - conda-forge::numpy >=1.26\n  - pip\n  - pip:\n    - Requests[socks,Security] >=2, <3\n", "environment.yml", { env: {} });
  const text = contentHashInput(spec, "win-64");
  const data = JSON.parse(text) as { channels: string[]; specs: Array<Record<string, unknown>>; virtual_package_hash: Record<string, { packages?: Record<string, unknown> }> };
  assert.deepEqual(data.channels, ['{"url":"conda-forge","used_env_vars":[]}']);
  assert.deepEqual(
    data.specs.map((s) => [s.manager, s.name, s.version]),
    [
      ["conda", "numpy", ">=1.26"],
      ["conda", "pip", "*"],
      ["conda", "python", "3.12.*"],
      ["pip", "requests", "<3,>=2"],
    ],
  );
  assert.equal(data.specs[0]?.conda_channel, "conda-forge");
  assert.deepEqual(data.specs[3]?.extras, ["Security", "socks"]);
  assert.equal("markers" in (data.specs[0] ?? {}), false, "null markers are left out, as conda-lock does for v2 compatibility");
  assert.deepEqual(Object.keys(data.virtual_package_hash["win-64"]?.packages ?? {}).sort(), ["__archspec-1-x86_64_0.tar.bz2", "__cuda-11.4-0.tar.bz2", "__win-0-0.tar.bz2"]);
  assert.ok(text.includes('"build_string": "x86_64"'), "Python's separators");
  // --without-cuda and a selector-filtered pip line change the hash; the same input gives the same hash.
  const noCuda = computeContentHashes(spec, ["win-64"], { cuda: "" });
  assert.notEqual(noCuda["win-64"], computeContentHashes(spec, ["win-64"])["win-64"]);
  assert.deepEqual(computeContentHashes(spec, ["win-64"]), computeContentHashes(spec, ["win-64"]));
});

test("pip markers select per platform as conda-lock does", () => {
  const spec = parseEnvironmentYaml("dependencies:\n  - python\n  - pip:\n    - pywin32 ; sys_platform == 'win32'\n    - uvloop; platform_system != \"Windows\"\n", "environment.yml", { env: {} });
  const names = (platform: string) => (JSON.parse(contentHashInput(spec, platform)) as { specs: Array<{ name: string; manager: string; markers?: string }> }).specs.filter((s) => s.manager === "pip").map((s) => `${s.name} ${s.markers ?? ""}`);
  assert.deepEqual(names("win-64"), ["pywin32 sys_platform == 'win32'"]);
  assert.deepEqual(names("linux-64"), ['uvloop platform_system != "Windows"']);
});

test("pythonJsonDumps writes what Python's json.dumps(sort_keys=True) writes", () => {
  assert.equal(pythonJsonDumps({ b: [1, "x"], a: null, "é": "naïve\n\u2028\u{1F600}", c: { z: true, y: false } }), '{"a": null, "b": [1, "x"], "c": {"y": false, "z": true}, "\\u00e9": "na\\u00efve\\n\\u2028\\ud83d\\ude00"}');
  assert.equal(pythonJsonDumps([]), "[]");
  assert.equal(pythonJsonDumps({}), "{}");
  assert.equal(pythonJsonDumps("\u007f\u0001"), '"\\u007f\\u0001"');
});

test("pip-repositories take part in the hash as conda-lock serialises them", () => {
  const spec = parseEnvironmentYaml("channels: [conda-forge]\npip-repositories:\n  - https://pypi.example.com/simple\ndependencies:\n  - python\n", "environment.yml", { env: {} });
  const data = JSON.parse(contentHashInput(spec, "linux-64")) as { pip_repositories?: string[] };
  assert.deepEqual(data.pip_repositories, ['{"url":"https://pypi.example.com/simple"}']);
});
