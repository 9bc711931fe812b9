import assert from "node:assert/strict";
import { test } from "node:test";
import { parseEnvironmentYaml } from "../../src/env/index.js";
import { LockError, checkLock, computeContentHashes, staleLockError, type Lockfile } from "../../src/lock/index.js";

const spec = parseEnvironmentYaml("channels: [conda-forge, nodefaults]\ndependencies:\n  - python 3.11.*\n  - numpy  # [linux]\n", "environment.yml", { env: {} });

function lockFor(platforms: string[], channels = ["conda-forge"]): Lockfile {
  return {
    version: 1,
    format: "conda-lock-v1",
    platforms,
    channels: channels.map((url) => ({ url, used_env_vars: [] })),
    contentHash: computeContentHashes(spec, platforms),
    sources: ["environment.yml"],
    packages: [],
  };
}

test("a lock made from the same file is up to date; selectors make platforms differ", () => {
  const lock = lockFor(["linux-64", "osx-arm64"]);
  assert.notEqual(lock.contentHash["linux-64"], lock.contentHash["osx-arm64"], "numpy is linux-only");
  assert.deepEqual(checkLock(spec, lock), { upToDate: true, reasons: [] });
});

test("missing platforms, changed channels, changed specs and missing hashes are each reported", () => {
  const lock = lockFor(["linux-64"], ["defaults"]);
  const edited = parseEnvironmentYaml("channels: [conda-forge]\ndependencies:\n  - python 3.12.*\n", "environment.yml", { env: {} });
  const check = checkLock(edited, { ...lock, contentHash: {} }, ["linux-64", "win-64"]);
  assert.equal(check.upToDate, false);
  assert.deepEqual(check.reasons, [
    "the lock has no win-64 (it holds linux-64).",
    "channels changed: the lock has [defaults], the environment file [conda-forge].",
    "linux-64: the lock records no content hash, so it cannot be checked.",
  ]);
  const err = staleLockError(checkLock(edited, lockFor(["linux-64"])), "conda-lock.yml");
  assert.ok(err instanceof LockError);
  assert.equal(err.code, "CG_LOCK_STALE");
  assert.equal(err.exitCode, 1);
  assert.match(err.message, /^The lock conda-lock\.yml is out of date:\n  - linux-64: the dependencies/);
});
