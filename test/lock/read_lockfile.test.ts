import assert from "node:assert/strict";
import { readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { test } from "node:test";
import { LockError, parseLockfile, readLockfile } from "../../src/lock/index.js";
import { needsShared, sharedPath } from "../helpers/shared_data.js";

/** Folders of real lockfiles (conda-lock v0/v1, pixi v3-v7, mamba env lockfiles, @EXPLICIT files). */
const FOLDERS = [
  "conda-lock",
  "lockfiles",
  "public-lockfiles/conda-lock",
  "public-lockfiles/pixi",
  "public-lockfiles/explicit",
  "rattler/conda-lock",
  "rattler/lock_parse_fails",
  "rattler/explicit-envs",
  "mamba/libmamba/env_lockfile",
  "mamba/micromamba/env_lockfiles",
];

/** Input files (environment specs, virtual package specs) that live beside the locks and are not locks. */
const NOT_A_LOCK = /(environment|env\.[a-z-]+|virtual-packages[a-z-]*|dependencies|\/main|\/dev|\/test)\.ya?ml$|\.(md|tsv)$/;

/** Files that must be refused, with the code and the position of the problem: upstream's own negative cases. */
const EXPECTED_REJECTIONS: Record<string, { code: string; line: number; column: number; says: RegExp }> = {
  "rattler/lock_parse_fails/v7/duplicate_platform.yml": { code: "CG_LOCK_PARSE", line: 14, column: 7, says: /defined twice/ },
  "rattler/lock_parse_fails/v7/duplicate_platform_use.yml": { code: "CG_LOCK_PARSE", line: 14, column: 7, says: /defined twice/ },
  "rattler/lock_parse_fails/v7/duplicate_platform_definition.yml": { code: "CG_LOCK_PLATFORM", line: 7, column: 11, says: /platform `DUPLICATE` is defined twice/ },
  "rattler/lock_parse_fails/v7/invalid_platform_name.yml": { code: "CG_LOCK_PLATFORM", line: 3, column: 11, says: /invalid platform name `linux 64 foobar`/ },
  "rattler/lock_parse_fails/v7/invalid_platform_subdir.yml": { code: "CG_LOCK_PLATFORM", line: 4, column: 13, says: /unknown subdir `linux-XX`/ },
  "rattler/lock_parse_fails/v7/missing_platform.yml": { code: "CG_LOCK_PLATFORM", line: 14, column: 7, says: /platform `UNKNOWN`, which the `platforms` list does not define/ },
  "rattler/conda-lock/forward-compatible-lock.yml": { code: "CG_LOCK_FORMAT", line: 11, column: 10, says: /unsupported lockfile version 1000/ },
  "mamba/libmamba/env_lockfile/bad_package-lock.json": { code: "CG_LOCK_PARSE", line: 33, column: 7, says: /not a valid lockfile/ },
  "mamba/libmamba/env_lockfile/bad_package-lock.yaml": { code: "CG_LOCK_FORMAT", line: 4, column: 5, says: /Package `_libgcc_mutex` has no `manager`/ },
  "mamba/libmamba/env_lockfile/bad_version-lock.json": { code: "CG_LOCK_FORMAT", line: 2, column: 18, says: /unsupported mambajs lock version `0.0.0`/ },
  "mamba/libmamba/env_lockfile/bad_version-lock.yaml": { code: "CG_LOCK_FORMAT", line: 1, column: 10, says: /unsupported lockfile version -1/ },
  // conda-lock's credential-stripping fixtures: bare URL lists without @EXPLICIT, not lockfiles.
  "conda-lock/test-lockfile/test.lock": { code: "CG_LOCK_FORMAT", line: 1, column: 1, says: /not a lockfile/ },
  "conda-lock/test-lockfile/no-auth.lock": { code: "CG_LOCK_FORMAT", line: 1, column: 1, says: /not a lockfile/ },
  "conda-lock/test-lockfile-with-auth/test.lock": { code: "CG_LOCK_FORMAT", line: 1, column: 1, says: /not a lockfile/ },
  "conda-lock/test-stripped-lockfile/test.lock": { code: "CG_LOCK_FORMAT", line: 1, column: 1, says: /not a lockfile/ },
  "conda-lock/test-stripped-lockfile/no-auth.lock": { code: "CG_LOCK_FORMAT", line: 1, column: 1, says: /not a lockfile/ },
};

function walk(dir: string, out: string[]): string[] {
  for (const entry of readdirSync(dir).sort()) {
    const full = join(dir, entry);
    if (statSync(full).isDirectory()) walk(full, out);
    else out.push(full);
  }
  return out;
}

test("every real lockfile is read, and upstream's broken ones are refused with file:line:col", { skip: needsShared(...FOLDERS) }, async () => {
  const root = sharedPath();
  // conda-lock's test folders hold many environment files beside the locks: only files named like a lock count there.
  const files = FOLDERS.flatMap((f) => walk(sharedPath(f), []).filter((file) => f !== "conda-lock" || /lock/.test(file.slice(file.lastIndexOf("/") + 1)))).filter(
    (f) => !NOT_A_LOCK.test(f),
  );
  let read = 0;
  let rejected = 0;
  let packages = 0;
  const formats = new Map<string, number>();
  for (const file of files) {
    const rel = relative(root, file).split("\\").join("/");
    const expected = EXPECTED_REJECTIONS[rel];
    try {
      const lock = await readLockfile(file);
      assert.equal(expected, undefined, `${rel} should have been refused`);
      read += 1;
      packages += lock.packages.length;
      formats.set(lock.format, (formats.get(lock.format) ?? 0) + 1);
      for (const p of lock.packages) {
        assert.ok(p.name !== "", `${rel}: a package without name`);
        assert.ok(p.url !== "" || p.source !== undefined || p.manager === "pip", `${rel}: ${p.name} without url`);
        if (p.manager === "conda" && p.source === undefined && lock.format !== "mambajs") assert.ok(p.fn?.endsWith(".conda") || p.fn?.endsWith(".tar.bz2"), `${rel}: ${p.name} has file name ${p.fn}`);
        // pip entries from git hold the commit id there (conda-lock v2 did that), so only conda hashes are checked.
        if (p.sha256 !== undefined && p.manager === "conda") assert.match(p.sha256, /^[0-9a-f]{64}$/, `${rel}: ${p.name} sha256`);
        if (p.md5 !== undefined) assert.match(p.md5, /^[0-9a-f]{32}$/, `${rel}: ${p.name} md5`);
      }
    } catch (err) {
      if (expected === undefined) throw err;
      assert.ok(err instanceof LockError, `${rel}: ${String(err)}`);
      assert.equal(err.code, expected.code, `${rel}: ${err.message}`);
      assert.equal(err.file, file);
      assert.deepEqual([err.line, err.column], [expected.line, expected.column], `${rel}: ${err.message}`);
      assert.match(err.message, expected.says);
      assert.ok(err.message.startsWith(`${file}:${expected.line}:${expected.column}: `), err.message);
      assert.ok(err.hint !== undefined && err.hint.length > 0);
      rejected += 1;
    }
  }
  assert.equal(rejected, Object.keys(EXPECTED_REJECTIONS).length, "every expected rejection was seen");
  assert.ok(read >= 100, `read ${read}`);
  console.log(`# lockfiles: ${read} read (${packages} package entries; ${[...formats].map(([f, n]) => `${f} ${n}`).join(", ")}), ${rejected} rejected as expected`);
});

test("a conda-lock v1 file gives every field of its entries", { skip: needsShared("lockfiles/dpmcgonigle-fingerprinting-llms") }, async () => {
  const lock = await readLockfile(sharedPath("lockfiles/dpmcgonigle-fingerprinting-llms/conda-lock.gpu.cuda121.conda-lock.yml"));
  assert.equal(lock.format, "conda-lock-v1");
  assert.deepEqual(lock.platforms, ["linux-64", "win-64"]);
  assert.deepEqual(lock.channels.map((c) => c.url), ["pytorch", "nvidia", "conda-forge"]);
  assert.deepEqual(lock.sources, ["env/environment.base.yml", "env/environment.gpu.cuda121.yml"]);
  assert.equal(lock.contentHash["linux-64"], "c1ed1e924f4f74326e998336681b462c1ffe1eab09e7ea725be7e26e06640744");
  const mutex = lock.packages.find((p) => p.name === "_openmp_mutex" && p.platform === "linux-64");
  assert.deepEqual(mutex, {
    manager: "conda",
    name: "_openmp_mutex",
    version: "4.5",
    platform: "linux-64",
    url: "https://conda.anaconda.org/conda-forge/linux-64/_openmp_mutex-4.5-4_kmp_llvm.conda",
    dependencies: { "llvm-openmp": ">=9.0.1" },
    depends: ["llvm-openmp >=9.0.1"],
    category: "main",
    optional: false,
    md5: "cc86eba730b0e87ea9990985d45e60f9",
    sha256: "b5e8980dd5fd96607fcccd98217b1058ec54566845b757cc0ecef146b5f0a51e",
    build: "4_kmp_llvm",
    fn: "_openmp_mutex-4.5-4_kmp_llvm.conda",
    subdir: "linux-64",
    channel: "https://conda.anaconda.org/conda-forge",
  });
});

test("pixi v7 platforms are names with a subdir, and source packages are marked as such", { skip: needsShared("rattler/conda-lock/v7") }, async () => {
  const lock = await readLockfile(sharedPath("rattler/conda-lock/v7/conda-path-lock.yml"));
  assert.deepEqual(lock.platforms, ["linux-64-foobar", "win-64"]);
  const onWin = lock.packages.filter((p) => p.platform === "win-64").map((p) => `${p.name} ${p.build}`);
  assert.deepEqual(onWin, ["a-python-project py38", "b-python-project h398123", "minimal-project first"]);
  assert.ok(lock.packages.every((p) => p.source !== undefined && p.sha256 === undefined));
  const second = await readLockfile(sharedPath("rattler/conda-lock/v7/conda-path-lock.yml"), { environment: "second" });
  assert.deepEqual(second.packages.map((p) => `${p.name} ${p.build}`), ["minimal-project second"]);
});

test("pixi v6 conda and pypi entries get name, version and build from the URL", { skip: needsShared("rattler/conda-lock/v6") }, async () => {
  const lock = await readLockfile(sharedPath("rattler/conda-lock/v6/numpy-as-pypi-lock.yml"));
  const numpy = lock.packages.find((p) => p.name === "numpy");
  assert.equal(numpy?.manager, "pip");
  assert.equal(numpy?.version, "2.2.1");
  assert.equal(numpy?.sha256, "3ecc47cd7f6ea0336042be87d9e7da378e5c7e9b3c8ad0f7c966f714fc10d821");
  const openssl = lock.packages.find((p) => p.name === "openssl");
  assert.deepEqual([openssl?.version, openssl?.build, openssl?.subdir, openssl?.channel], ["3.4.0", "h81ee809_1", "osx-arm64", "https://prefix.dev/conda-forge"]);
});

test("errors name the file and position of a bad field", () => {
  const text = "version: 1\nmetadata:\n  platforms: [linux-64]\npackage:\n- name: zlib\n  version: '1.3'\n  manager: npm\n  platform: linux-64\n  url: https://x/linux-64/zlib-1.3-0.conda\n  hash: {md5: 00000000000000000000000000000000}\n";
  assert.throws(() => parseLockfile(text, "conda-lock.yml"), (err: unknown) => {
    assert.ok(err instanceof LockError);
    assert.equal(err.code, "CG_LOCK_FORMAT");
    assert.equal(err.message, "conda-lock.yml:7:12: Package `zlib` has manager `npm`; expected conda or pip.");
    assert.deepEqual([err.line, err.column], [7, 12]);
    return true;
  });
  assert.throws(() => parseLockfile("version: 1\nversion: 2\n", "x.yml"), /x\.yml:2:1: not a valid lockfile: a key is defined twice/);
  assert.throws(() => parseLockfile("- a\n- b\n", "x.yml"), { code: "CG_LOCK_FORMAT" });
});

test("readLockfile refuses a missing file with CG_LOCK_READ", async () => {
  await assert.rejects(readLockfile("no/such/conda-lock.yml"), { code: "CG_LOCK_READ", message: "Cannot read the lockfile no/such/conda-lock.yml: ENOENT." });
});
