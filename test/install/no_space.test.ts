// A real full disk: a 2 MiB tmpfs (needs root and mount permission; skips
// with the reason otherwise). Installing what does not fit must fail cleanly.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, rmSync } from "node:fs";
import { after, before, test } from "node:test";
import { join } from "node:path";
import { executeTransaction, InstallError, planTransaction, readPrefix, verifyPrefix } from "../../src/install/index.js";
import { needsShared, sharedPath } from "../helpers/shared_data.js";
import { fakePackage, realRequest, snapshot, tempDir } from "./_packages.js";

const work = tempDir("nospace");
const mnt = join(work, "small-disk");
mkdirSync(mnt);

function tryMount(): string | false {
  if (process.platform !== "linux") return "tmpfs mounts need linux";
  if (process.getuid?.() !== 0) return "mounting a tmpfs needs root";
  const run = spawnSync("mount", ["-t", "tmpfs", "-o", "size=2m", "tmpfs", mnt], { encoding: "utf8" });
  if (run.status !== 0) return `mount -t tmpfs is not permitted here: ${(run.stderr || run.error?.message || "").trim()}`;
  return false;
}

const PKGS = "pkgs-cache/qgb-miniconda3-py39-linux-64/pkgs";
const mountSkip = tryMount();
if (mountSkip !== false) console.log(`# SKIP ${mountSkip}`);
const skip = mountSkip || needsShared(PKGS);
let mounted = mountSkip === false;

after(() => {
  if (mounted) spawnSync("umount", [mnt]);
  mounted = false;
  rmSync(work, { recursive: true, force: true });
});

let big: Awaited<ReturnType<typeof realRequest>>;
before(async () => {
  if (skip !== false) return;
  // openssl's libcrypto.so.1.1 alone is 3.2 MB (and no_link, so always copied).
  big = await realRequest(sharedPath(PKGS, "openssl-1.1.1i-h27cfd23_0.conda"), join(work, "pkgs"));
});

function strays(dir: string): string[] {
  return readdirSync(dir).filter((n) => n.includes("condaguard"));
}

test("no space in an existing prefix: CG_INSTALL_NO_SPACE naming package and path, prefix untouched", { skip }, async () => {
  const prefix = join(mnt, "env");
  const small = fakePackage(join(work, "pkgs"), { name: "small" }, [{ path: "share/small.txt" }, { path: "bin/small", mode: 0o755 }]);
  await executeTransaction(prefix, planTransaction([], [small]));
  const before = snapshot(prefix);
  await assert.rejects(executeTransaction(prefix, planTransaction(await readPrefix(prefix), [small, big])), (err: unknown) => {
    assert.ok(err instanceof InstallError, String(err));
    assert.equal(err.code, "CG_INSTALL_NO_SPACE");
    assert.equal(err.packageName, "openssl-1.1.1i-h27cfd23_0");
    assert.match(err.message, /No space left on device while linking .* \(package openssl-1\.1\.1i-h27cfd23_0\)/);
    assert.ok(err.path !== undefined && err.message.includes(err.path));
    assert.ok(err.hint?.includes("prefix was left unchanged"));
    return true;
  });
  assert.deepEqual(snapshot(prefix), before);
  assert.deepEqual(strays(prefix), []);
  assert.deepEqual(strays(mnt), []);
  assert.equal((await verifyPrefix(prefix)).summary.total, 0);
});

test("no space for a new prefix: nothing is left on the disk", { skip }, async () => {
  const prefix = join(mnt, "env-new");
  await assert.rejects(executeTransaction(prefix, planTransaction([], [big])), (err: unknown) => err instanceof InstallError && err.code === "CG_INSTALL_NO_SPACE" && err.packageName === "openssl-1.1.1i-h27cfd23_0");
  assert.equal(existsSync(prefix), false);
  assert.deepEqual(strays(mnt), []);
});
