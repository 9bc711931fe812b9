import assert from "node:assert/strict";
import { test } from "node:test";
import { CondaguardError } from "../../src/conda/index.js";
import { LOCK_ERROR_CODES, LockError, mapFromDepends, packagesForPlatform, parseArchiveUrl, toInstallRecord, type LockedPackage, type Lockfile } from "../../src/lock/index.js";

test("archive URLs split into channel, subdir and name-version-build from the right", () => {
  assert.deepEqual(parseArchiveUrl("https://conda.anaconda.org/conda-forge/linux-64/ld_impl_linux-64-2.40-h41732ed_0.conda"), {
    channel: "https://conda.anaconda.org/conda-forge",
    subdir: "linux-64",
    fn: "ld_impl_linux-64-2.40-h41732ed_0.conda",
    name: "ld_impl_linux-64",
    version: "2.40",
    build: "h41732ed_0",
  });
  assert.equal(parseArchiveUrl("https://x/osx-arm64/x264-1!164.3095-h57fd34a_2.tar.bz2")?.version, "1!164.3095");
  assert.equal(parseArchiveUrl("https://files.pythonhosted.org/packages/requests-2.31.0-py3-none-any.whl"), undefined);
  assert.equal(parseArchiveUrl("https://x/linux-64/notapackage.conda"), undefined);
});

test("dependency maps and MatchSpec lists convert both ways", () => {
  assert.deepEqual(mapFromDepends(["python >=3.9,<3.10.0a0", "libzlib", "openssl 3.*", "_openmp_mutex >=4.5"]), {
    python: ">=3.9,<3.10.0a0",
    libzlib: "",
    openssl: "3.*",
    _openmp_mutex: ">=4.5",
  });
});

test("toInstallRecord fills what the lock format leaves out from the URL", () => {
  const pkg: LockedPackage = {
    manager: "conda",
    name: "tzdata",
    version: "2024a",
    platform: "linux-64",
    url: "https://conda.anaconda.org/conda-forge/noarch/tzdata-2024a-h0c530f3_0.conda",
    sha256: "f".repeat(64),
    md5: "e".repeat(32),
    dependencies: { python: ">=3.8" },
    depends: [],
    category: "main",
    optional: false,
  };
  assert.deepEqual(toInstallRecord(pkg), {
    name: "tzdata",
    version: "2024a",
    build: "h0c530f3_0",
    build_number: 0,
    url: pkg.url,
    fn: "tzdata-2024a-h0c530f3_0.conda",
    channel: "https://conda.anaconda.org/conda-forge",
    subdir: "noarch",
    depends: ["python >=3.8"],
    constrains: [],
    md5: "e".repeat(32),
    sha256: "f".repeat(64),
  });
});

test("packagesForPlatform gives each package once, whatever its categories", () => {
  const base = { manager: "conda" as const, version: "1", url: "u", dependencies: {}, depends: [], optional: false };
  const lock: Lockfile = {
    version: 1,
    format: "conda-lock-v1",
    platforms: ["linux-64"],
    channels: [],
    contentHash: {},
    sources: [],
    packages: [
      { ...base, name: "pytest", platform: "linux-64", category: "dev" },
      { ...base, name: "pytest", platform: "linux-64", category: "test" },
      { ...base, name: "python", platform: "linux-64", category: "main" },
      { ...base, name: "python", platform: "win-64", category: "main" },
    ],
  };
  assert.deepEqual(packagesForPlatform(lock, "linux-64").map((p) => `${p.name}:${p.category}`), ["pytest:dev", "python:main"]);
  assert.deepEqual(packagesForPlatform(lock, "linux-64", ["main"]).map((p) => p.name), ["python"]);
  assert.deepEqual(packagesForPlatform(lock, "linux-64", ["test"]).map((p) => `${p.name}:${p.category}`), ["pytest:test"]);
});

test("every error code is documented and carried by LockError", () => {
  assert.deepEqual([...LOCK_ERROR_CODES], ["CG_LOCK_READ", "CG_LOCK_PARSE", "CG_LOCK_FORMAT", "CG_LOCK_PLATFORM", "CG_LOCK_STALE", "CG_LOCK_EXPLICIT", "CG_LOCK_SOLVE"]);
  const err = new LockError("CG_LOCK_FORMAT", "x.yml:3:4: bad.", { file: "x.yml", line: 3, column: 4, hint: "Fix it." });
  assert.ok(err instanceof CondaguardError);
  assert.equal(err.location(), "x.yml:3:4");
  assert.equal(err.exitCode, 2);
});
