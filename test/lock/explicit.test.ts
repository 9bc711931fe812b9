import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { LockError, exportExplicit, readExplicit, readLockfile, type Lockfile } from "../../src/lock/index.js";
import { needsShared, sharedPath } from "../helpers/shared_data.js";

/** Every real @EXPLICIT file of the corpus: conda, mamba, rattler, conda-lock and public projects. */
const EXPLICIT_FILES = [
  "conda-tests/env-support/explicit.txt",
  "mamba/micromamba/explicit_env_linux.txt",
  "mamba/micromamba/explicit_env_osx.txt",
  "mamba/libmamba/env_file/minrk_environment.py-3.9-linux-64.lock",
  "conda-lock/zlib/conda-linux-64.lock",
  "conda-lock/zlib/conda-osx-64.lock",
  "conda-lock/zlib/conda-win-64.lock",
  ...["linux-64", "osx-arm64", "osx-64", "linux-ppc64le", "linux-aarch64", "win-64"].map((p) => `rattler/python/explicit-env-${p}.txt`),
  "rattler/explicit-envs/vs2015_runtime_win-64.txt",
  "rattler/explicit-envs/ros-noetic_linux-64.txt",
  "rattler/explicit-envs/xtensor_linux-64.txt",
  "public-lockfiles/explicit/Ontotext-AD__ttyg-langgraph__conda-win-64.lock",
  "public-lockfiles/explicit/BIMSBbioinfo__flexynesis__spec-file.txt",
  "public-lockfiles/explicit/Ethanator__hubmap-organ-segmentation__conda-osx-64.lock",
  "public-lockfiles/explicit/aalto-speech__dta-server__conda-linux-64.dev.lock",
  "public-lockfiles/explicit/NASA-Openscapes__corn__ci__conda-linux-64.lock",
  "public-lockfiles/explicit/statnett__Talk2PowerSystem_LLM__conda-osx-arm64.lock",
];

test("every real @EXPLICIT file is read: one package per URL line, hashes by their length", { skip: needsShared(...EXPLICIT_FILES) }, () => {
  let packages = 0;
  let md5 = 0;
  let sha256 = 0;
  for (const rel of EXPLICIT_FILES) {
    const text = readFileSync(sharedPath(rel), "utf8");
    const urls = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => /^(https?|file):/.test(l));
    const read = readExplicit(text, rel);
    assert.equal(read.length, urls.length, rel);
    const platform = /^# platform: (\S+)/m.exec(text)?.[1];
    for (const [i, p] of read.entries()) {
      assert.equal(p.url, (urls[i] ?? "").split("#")[0], rel);
      assert.ok(p.fn !== undefined && p.url.endsWith(p.fn));
      assert.equal(`${p.name}-${p.version}-${p.build}`, p.fn?.replace(/\.(conda|tar\.bz2)$/, ""));
      if (platform !== undefined) assert.equal(p.platform, platform);
      if (p.md5 !== undefined) md5 += 1;
      if (p.sha256 !== undefined) sha256 += 1;
    }
    packages += read.length;
  }
  console.log(`# explicit files: ${EXPLICIT_FILES.length} read, ${packages} packages (${md5} with md5, ${sha256} with sha256)`);
});

test("CEP 23 anchors: #md5, #sha256, #sha256:sha256, none; anything else names file:line:col", () => {
  const md5 = "d7c89558ba9fa0495403155b64376d81";
  const sha = "fe51de6107f9edc7aa4f786a70f4a883943bc9d39b3bb7307c04c41410990726";
  const text = [
    "# platform: linux-64",
    "@EXPLICIT",
    `https://conda.anaconda.org/conda-forge/linux-64/_libgcc_mutex-0.1-conda_forge.tar.bz2#${md5}`,
    `https://conda.anaconda.org/conda-forge/noarch/tzdata-2024a-h0c530f3_0.conda#${sha}`,
    `https://conda.anaconda.org/conda-forge/noarch/setuptools-69.5.1-pyhd8ed1ab_0.conda#sha256:${sha}`,
    "  https://conda.anaconda.org/conda-forge/linux-64/x264-1!164.3095-h166bdaf_2.tar.bz2",
    "",
  ].join("\n");
  const read = readExplicit(text, "env.txt");
  assert.deepEqual(
    read.map((p) => [p.name, p.version, p.build, p.subdir, p.channel, p.md5, p.sha256, p.platform]),
    [
      ["_libgcc_mutex", "0.1", "conda_forge", "linux-64", "https://conda.anaconda.org/conda-forge", md5, undefined, "linux-64"],
      ["tzdata", "2024a", "h0c530f3_0", "noarch", "https://conda.anaconda.org/conda-forge", undefined, sha, "linux-64"],
      ["setuptools", "69.5.1", "pyhd8ed1ab_0", "noarch", "https://conda.anaconda.org/conda-forge", undefined, sha, "linux-64"],
      ["x264", "1!164.3095", "h166bdaf_2", "linux-64", "https://conda.anaconda.org/conda-forge", undefined, undefined, "linux-64"],
    ],
  );
  const bad = (body: string, line: number, column: number, says: RegExp) =>
    assert.throws(() => readExplicit(body, "env.txt"), (err: unknown) => {
      assert.ok(err instanceof LockError);
      assert.equal(err.code, "CG_LOCK_EXPLICIT");
      assert.deepEqual([err.line, err.column], [line, column]);
      assert.match(err.message, says);
      assert.ok(err.message.startsWith(`env.txt:${line}:${column}: `), err.message);
      return true;
    });
  bad("@EXPLICIT\nhttps://x/linux-64/zlib-1.3-0.conda#abc\n", 2, 1, /`#abc` is neither an md5/);
  bad("@EXPLICIT\n\n   numpy=1.26\n", 3, 4, /`numpy=1.26` is not a package URL/);
  bad("https://x/linux-64/zlib-1.3-0.conda\n", 1, 1, /expected `@EXPLICIT` before the first package URL/);
});

async function gpuLock(): Promise<Lockfile> {
  return readLockfile(sharedPath("lockfiles/dpmcgonigle-fingerprinting-llms/conda-lock.gpu.cuda121.conda-lock.yml"));
}

test("exportExplicit pins every conda package by sha256, dependencies first, and reads back the same set", { skip: needsShared("lockfiles/dpmcgonigle-fingerprinting-llms") }, async () => {
  const lock = await gpuLock();
  for (const platform of lock.platforms) {
    const text = exportExplicit(lock, platform);
    const lines = text.trimEnd().split("\n");
    assert.deepEqual(lines.slice(0, 6), [
      "# This file may be used to create an environment using:",
      "# $ conda create --name <env> --file <this file>",
      "# Generated by condaguard from a lock; every line pins an archive by hash.",
      `# platform: ${platform}`,
      `# input_hash: ${lock.contentHash[platform]}`,
      "@EXPLICIT",
    ]);
    const expected = lock.packages.filter((p) => p.platform === platform && p.manager === "conda");
    const urls = lines.slice(6).filter((l) => !l.startsWith("#"));
    assert.equal(urls.length, expected.length);
    for (const line of urls) assert.match(line, /^https:\/\/\S+\.(conda|tar\.bz2)#[0-9a-f]{64}$/);
    const back = readExplicit(text, "exported.txt");
    const key = (p: { name: string; version: string; build?: string; sha256?: string; url: string }) => `${p.name} ${p.version} ${p.build} ${p.sha256} ${p.url}`;
    assert.deepEqual(back.map(key).sort(), expected.map(key).sort());
    // Dependencies come first: every dependency that is in the file appears above its dependent.
    const position = new Map(back.map((p, i) => [p.name, i]));
    const byName = new Map(expected.map((p) => [p.name, p]));
    const reaches = (from: string, to: string, seen = new Set<string>()): boolean => {
      if (from === to) return true;
      if (seen.has(from)) return false;
      seen.add(from);
      return Object.keys(byName.get(from)?.dependencies ?? {}).some((d) => reaches(d, to, seen));
    };
    let ordered = 0;
    for (const p of expected) {
      for (const dep of Object.keys(p.dependencies)) {
        const at = position.get(dep);
        // Inside a dependency cycle any order is as good as another.
        if (at === undefined || reaches(dep, p.name)) continue;
        assert.ok(at < (position.get(p.name) ?? -1), `${dep} before ${p.name} on ${platform}`);
        ordered += 1;
      }
    }
    assert.ok(ordered > 100, `${ordered} dependency pairs checked`);
  }
  const md5Only = exportExplicit(lock, "linux-64", { hash: "md5" });
  assert.match(md5Only.split("\n")[6] ?? "", /#[0-9a-f]{32}$/);
  assert.throws(() => exportExplicit(lock, "osx-arm64"), { code: "CG_LOCK_PLATFORM", message: "The lock has no platform osx-arm64 (it has linux-64, win-64)." });
});

test("an explicit file is also a lock: readLockfile detects it", { skip: needsShared("rattler/explicit-envs/xtensor_linux-64.txt") }, async () => {
  const lock = await readLockfile(sharedPath("rattler/explicit-envs/xtensor_linux-64.txt"));
  assert.equal(lock.format, "explicit");
  assert.deepEqual(lock.platforms, ["linux-64"]);
  assert.equal(lock.packages.length, 7);
});

test("a lock with several categories exports each archive once", { skip: needsShared("conda-lock/test-multiple-categories/conda-lock.yml") }, async () => {
  const lock = await readLockfile(sharedPath("conda-lock/test-multiple-categories/conda-lock.yml"));
  const urls = exportExplicit(lock, "linux-64").split("\n").filter((l) => l.startsWith("http"));
  assert.equal(new Set(urls).size, urls.length);
  assert.equal(urls.length, new Set(lock.packages.filter((p) => p.manager === "conda").map((p) => p.url)).size);
  const mainOnly = exportExplicit(lock, "linux-64", { categories: ["main"] }).split("\n").filter((l) => l.startsWith("http"));
  assert.ok(mainOnly.length < urls.length && mainOnly.some((l) => l.includes("/python-3.10")));
});
