import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { recordFromRepodata } from "../../src/conda/index.js";
import {
  diffPackageSets,
  formatPackageDiff,
  isEmptyDiff,
  lockedFromRecord,
  packagesFromPrefixRecords,
  readLockfile,
  type LockedPackage,
} from "../../src/lock/index.js";
import { needsShared, sharedPath } from "../helpers/shared_data.js";

function pkg(name: string, version: string, build = "0", extra: Partial<LockedPackage> = {}): LockedPackage {
  return {
    manager: "conda",
    name,
    version,
    build,
    platform: "linux-64",
    url: `https://example.invalid/linux-64/${name}-${version}-${build}.conda`,
    dependencies: {},
    depends: [],
    category: "main",
    optional: false,
    ...extra,
  };
}

test("changes are classified with conda's version order", () => {
  const a = [pkg("numpy", "1.9"), pkg("scipy", "1.0"), pkg("zlib", "1.3", "h0"), pkg("gone", "1"), pkg("same", "2", "0", { sha256: "c".repeat(64) }), pkg("openssl", "3.0.0")];
  const b = [
    pkg("numpy", "1.10"), // 1.10 > 1.9 in conda's order (not in text order)
    pkg("scipy", "1.0rc1"), // a release candidate sorts before the release
    pkg("zlib", "1.3", "h1"),
    pkg("new", "0.1"),
    pkg("same", "2", "0", { sha256: "c".repeat(64) }),
    pkg("openssl", "3.0.0"),
    pkg("scipy", "1.0rc1", "0", { category: "dev" }), // a second category entry counts once
  ];
  const diff = diffPackageSets(a, b);
  const names = (list: Array<{ name: string }>) => list.map((p) => p.name);
  assert.deepEqual(names(diff.upgraded), ["numpy"]);
  assert.deepEqual(names(diff.downgraded), ["scipy"]);
  assert.deepEqual(names(diff.changedBuild), ["zlib"]);
  assert.deepEqual(names(diff.added), ["new"]);
  assert.deepEqual(names(diff.removed), ["gone"]);
  assert.deepEqual(diff.hashChanged, []);
  assert.equal(diff.unchanged, 2);
  assert.equal(isEmptyDiff(diff), false);
  assert.equal(isEmptyDiff(diffPackageSets(a, a)), true);
  assert.deepEqual(formatPackageDiff(diff), [
    "+ [linux-64] new 0.1 (0)",
    "- [linux-64] gone 1 (0)",
    "↑ [linux-64] numpy 1.9 (0) -> 1.10 (0)",
    "↓ [linux-64] scipy 1.0 (0) -> 1.0rc1 (0)",
    "~ [linux-64] zlib 1.3 (h0) -> 1.3 (h1)",
  ]);
});

test("same name, version and build with other bytes is flagged as possible tampering", () => {
  const md5a = "a".repeat(32);
  const md5b = "b".repeat(32);
  const diff = diffPackageSets(
    [pkg("zlib", "1.3", "h0", { sha256: "1".repeat(64), md5: md5a }), pkg("bzip2", "1.0.8", "h0", { md5: md5a })],
    [pkg("zlib", "1.3", "h0", { sha256: "2".repeat(64), md5: md5a }), pkg("bzip2", "1.0.8", "h0", { md5: md5b })],
  );
  assert.deepEqual(diff.hashChanged.map((c) => [c.name, c.algorithm]), [["bzip2", "md5"], ["zlib", "sha256"]]);
  assert.match(formatPackageDiff(diff)[1] ?? "", /^! \[linux-64\] zlib 1\.3 \(h0\): sha256 changed 1{64} -> 2{64} \(same file name, other bytes: possible tampering\)$/);
});

test("a real re-uploaded artifact: the channel's zlib record vs an installed prefix's conda-meta record", {
  skip: needsShared("conda-tests/conda_format_repo/linux-64/repodata.json", "pkgs-cache/qgb-miniconda3-py39-linux-64/conda-meta/zlib-1.2.11-h7b6447c_3.json"),
}, () => {
  const repodata = JSON.parse(readFileSync(sharedPath("conda-tests/conda_format_repo/linux-64/repodata.json"), "utf8")) as { "packages.conda": Record<string, Record<string, unknown>> };
  const fn = "zlib-1.2.11-h7b6447c_3.conda";
  const record = recordFromRepodata(fn, repodata["packages.conda"][fn] ?? {}, {
    channel: "https://repo.anaconda.com/pkgs/main",
    subdir: "linux-64",
    downloadBaseUrl: "https://repo.anaconda.com/pkgs/main/linux-64",
  });
  const locked = [lockedFromRecord(record, "linux-64")];
  const installed = packagesFromPrefixRecords(
    [JSON.parse(readFileSync(sharedPath("pkgs-cache/qgb-miniconda3-py39-linux-64/conda-meta/zlib-1.2.11-h7b6447c_3.json"), "utf8")) as { name: string; version: string }],
    "linux-64",
  );
  assert.equal(installed[0]?.build, "h7b6447c_3");
  const diff = diffPackageSets(locked, installed);
  assert.equal(diff.hashChanged.length, 1);
  assert.equal(diff.hashChanged[0]?.from.sha256, "f33afff2144e1d6c4cf2e3e184937db8bf825b4537df74662aea5ee207b6a31b");
  assert.equal(diff.hashChanged[0]?.to.sha256, "5c5346ca7da14d7e11e15a8cc5e695d805ecb79c0e59d7043bea5843ffc493e5");
});

test("a prefix's records are compared with one platform of a lock", () => {
  const lock = [pkg("zlib", "1.3", "h0", { platform: "osx-arm64", sha256: "1".repeat(64) })];
  const prefix = packagesFromPrefixRecords([{ name: "zlib", version: "1.3", build: "h0", url: "https://example.invalid/osx-arm64/zlib-1.3-h0.conda", sha256: "1".repeat(64) }]);
  assert.equal(prefix[0]?.platform, "osx-arm64", "the platform comes from the URL's subdir");
  assert.equal(isEmptyDiff(diffPackageSets(lock, prefix)), true);
  const noarch = packagesFromPrefixRecords([{ name: "six", version: "1.16", build_string: "py_0", subdir: "noarch" }]);
  assert.equal(isEmptyDiff(diffPackageSets([pkg("six", "1.16", "py_0")], noarch, { ignorePlatform: true })), true);
});

test("two real locks of one project: cpu vs cuda on linux-64", { skip: needsShared("lockfiles/dpmcgonigle-fingerprinting-llms") }, async () => {
  const cpu = await readLockfile(sharedPath("lockfiles/dpmcgonigle-fingerprinting-llms/conda-lock.cpu.conda-lock.yml"));
  const gpu = await readLockfile(sharedPath("lockfiles/dpmcgonigle-fingerprinting-llms/conda-lock.gpu.cuda121.conda-lock.yml"));
  const diff = diffPackageSets(cpu.packages, gpu.packages, { platforms: ["linux-64"] });
  const pytorch = diff.downgraded.find((c) => c.name === "pytorch");
  assert.deepEqual([pytorch?.from.version, pytorch?.to.version, pytorch?.to.build], ["2.8.0", "2.5.1", "py3.12_cuda12.1_cudnn9.1.0_0"]);
  assert.ok(diff.added.some((p) => p.name === "pytorch-cuda"));
  assert.ok(diff.removed.some((p) => p.name === "nomkl"));
  assert.deepEqual(diff.hashChanged, [], "shared packages keep their hashes across the two locks");
  console.log(`# cpu -> gpu lock, linux-64: +${diff.added.length} -${diff.removed.length} ↓${diff.downgraded.length} ~${diff.changedBuild.length} =${diff.unchanged}`);
});
