// A real full disk through the CLI: the prefix (and in the second case the
// package cache) on a 2 MiB tmpfs. The user gets one clear error, no stack
// trace, and nothing half-done stays behind. Needs root to mount; skips with
// the reason otherwise.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { recordFromRepodata } from "../../src/conda/index.js";
import { lockedFromRecord, writeCondaLock } from "../../src/lock/index.js";
import { runCliCaptured, withServedChannel } from "../helpers/cli.js";
import { MINICONDA_CACHE, minicondaRecords, writeMinicondaChannel } from "../helpers/miniconda_channel.js";
import { needsShared } from "../helpers/shared_data.js";

const work = mkdtempSync(join(tmpdir(), "condaguard-full-disk-"));
const mnt = join(work, "small-disk");
let mounted = false;

function mountSkip(): string | false {
  if (process.platform !== "linux" || process.getuid?.() !== 0) {
    const reason = "mounting a tmpfs needs root on linux";
    console.log(`# SKIP ${reason}`);
    return reason;
  }
  mkdirSync(mnt, { recursive: true });
  const run = spawnSync("mount", ["-t", "tmpfs", "-o", "size=2m", "tmpfs", mnt], { encoding: "utf8" });
  if (run.status !== 0) {
    const reason = `mount -t tmpfs is not permitted here: ${(run.stderr || run.error?.message || "").trim()}`;
    console.log(`# SKIP ${reason}`);
    return reason;
  }
  mounted = true;
  return false;
}

const skip = needsShared(MINICONDA_CACHE) || mountSkip();

after(() => {
  if (mounted) spawnSync("umount", [mnt]);
  rmSync(work, { recursive: true, force: true });
});

async function lockFile(dir: string, url: string, names: string[]): Promise<string> {
  const chosen = (await minicondaRecords()).filter((r) => names.includes(r.name));
  const packages = chosen.map((r) => lockedFromRecord(recordFromRepodata(r.fn, r.repodata, { channel: url, subdir: r.subdir, downloadBaseUrl: `${url}/${r.subdir}` }), "linux-64"));
  const path = join(dir, "conda-lock.yml");
  await writeFile(path, writeCondaLock({ version: 1, format: "conda-lock-v1", platforms: ["linux-64"], channels: [], contentHash: {}, sources: [], packages }));
  return path;
}

// ncurses + tk + sqlite unpack to far more than 2 MiB.
const BIG = ["ncurses", "tk", "sqlite", "zlib", "xz"];

test("an install whose prefix runs out of space fails cleanly and leaves no prefix and no staging", { skip }, async () => {
  const channel = join(work, "channel");
  await writeMinicondaChannel(channel);
  await withServedChannel(channel, async ({ url }, env) => {
    const dir = env.HOME as string;
    const lock = await lockFile(dir, url, BIG);
    const prefix = join(mnt, "env");
    const run = await runCliCaptured(["install", "-p", prefix, "--lock", lock, "--frozen"], { ...env, CONDA_PKGS_DIRS: join(dir, "pkgs") });
    assert.notEqual(run.code, 0);
    console.log(`# ${run.stderr.trim().replace(/\n/g, "\n# ")}`);
    assert.match(run.stderr, /^error: .*(space|ENOSPC)/im);
    assert.match(run.stderr, /^hint: /m);
    assert.doesNotMatch(run.stderr, /internal error|\n\s+at /);
    assert.deepEqual(readdirSync(mnt), [], "no prefix, no staging folder left on the full disk");
  });
});

test("a package cache that runs out of space fails cleanly and keeps no half-extracted package", { skip }, async () => {
  await withServedChannel(join(work, "channel"), async ({ url }, env) => {
    const dir = env.HOME as string;
    const lock = await lockFile(dir, url, BIG);
    const pkgs = join(mnt, "pkgs");
    const prefix = join(dir, "env");
    const run = await runCliCaptured(["install", "-p", prefix, "--lock", lock, "--frozen"], { ...env, CONDA_PKGS_DIRS: pkgs });
    assert.notEqual(run.code, 0);
    console.log(`# ${run.stderr.trim().replace(/\n/g, "\n# ")}`);
    assert.match(run.stderr, /^error: .*(space|ENOSPC)/im);
    assert.doesNotMatch(run.stderr, /internal error|\n\s+at /);
    assert.equal(existsSync(prefix), false, "the prefix was never created");
    const left = existsSync(pkgs) ? readdirSync(pkgs) : [];
    for (const entry of left) {
      // Complete archives and complete extracted folders may stay (they are verified); nothing partial.
      assert.doesNotMatch(entry, /\.partial$|\.tmp|staging/, `left behind: ${entry}`);
      if (!entry.endsWith(".conda") && !entry.endsWith(".txt") && !entry.endsWith(".lock")) {
        assert.ok(existsSync(join(pkgs, entry, "info", "repodata_record.json")), `${entry} is complete`);
      }
    }
  });
});
