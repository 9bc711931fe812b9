// End to end through the CLI: real defaults packages (the Miniconda cache in
// ../shared) served on 127.0.0.1, installed from a conda-lock v1 file,
// listed, verified, tampered with, diffed; bad hashes and unverified entries
// refused with the prefix left alone.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { appendFile, mkdir, readFile, rm, symlink, unlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { recordFromRepodata } from "../../src/conda/index.js";
import { lockedFromRecord, writeCondaLock, type LockedPackage, type Lockfile } from "../../src/lock/index.js";
import { runCliCaptured, withServedChannel } from "../helpers/cli.js";
import { MINICONDA_CACHE, writeMinicondaChannel, type MinicondaRecord } from "../helpers/miniconda_channel.js";
import { needsShared, sharedPath } from "../helpers/shared_data.js";

// python-3.9.1 is absent from the cache, so the noarch: python packages have
// no interpreter to be linked for; the rest of the environment installs.
function installable(records: MinicondaRecord[]): MinicondaRecord[] {
  return records.filter((r) => r.repodata.noarch !== "python");
}

function lockOf(records: MinicondaRecord[], url: string): Lockfile {
  const packages: LockedPackage[] = records.map((r) =>
    lockedFromRecord(recordFromRepodata(r.fn, r.repodata, { channel: url, subdir: r.subdir, downloadBaseUrl: `${url}/${r.subdir}` }), "linux-64"),
  );
  return { version: 1, format: "conda-lock-v1", platforms: ["linux-64"], channels: [{ url, used_env_vars: [] }], contentHash: { "linux-64": "0".repeat(64) }, sources: [], packages };
}

async function withMiniconda(fn: (ctx: { url: string; env: NodeJS.ProcessEnv; dir: string; records: MinicondaRecord[] }) => Promise<void>): Promise<void> {
  const root = join(tmpdir(), `condaguard-miniconda-channel-${process.pid}-${Date.now()}`);
  const records = await writeMinicondaChannel(root);
  try {
    await withServedChannel(root, async ({ url }, env) => {
      const dir = env.HOME as string;
      await fn({ url, env: { ...env, CONDA_PKGS_DIRS: join(dir, "pkgs"), CONDA_ENVS_PATH: join(dir, "envs") }, dir, records });
    });
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

test("install --lock --frozen installs real defaults packages; list, verify and diff agree; verify finds tampering", { skip: needsShared(MINICONDA_CACHE) }, async () => {
  await withMiniconda(async ({ url, env, dir, records }) => {
    const lockPath = join(dir, "conda-lock.yml");
    const chosen = installable(records);
    await writeFile(lockPath, writeCondaLock(lockOf(chosen, url)));
    const prefix = join(dir, "env");
    const run = await runCliCaptured(["install", "-p", prefix, "--lock", lockPath, "--frozen", "--json"], env);
    assert.equal(run.code, 0, run.stderr);
    const out = JSON.parse(run.stdout) as { link: unknown[]; downloaded: number };
    assert.equal(out.link.length, chosen.length);
    assert.equal(out.downloaded, chosen.length);

    const list = await runCliCaptured(["list", "-p", prefix, "--json"], env);
    assert.equal(list.code, 0, list.stderr);
    const listed = JSON.parse(list.stdout) as { name: string; sha256: string }[];
    assert.deepEqual(listed.map((p) => p.name).sort(), chosen.map((r) => r.name).sort());
    for (const p of listed) assert.equal(p.sha256, chosen.find((r) => r.name === p.name)?.sha256);
    assert.ok(existsSync(join(prefix, "conda-meta", "history")));

    const clean = await runCliCaptured(["verify", "-p", prefix, "--lock", lockPath], env);
    assert.equal(clean.code, 0, clean.stdout + clean.stderr);
    assert.match(clean.stdout, /no findings/);
    const same = await runCliCaptured(["diff", lockPath, prefix], env);
    assert.equal(same.code, 0, same.stdout);

    // The same lock again changes nothing and downloads nothing.
    const again = await runCliCaptured(["install", "-p", prefix, "--lock", lockPath, "--frozen", "--json"], env);
    assert.equal(again.code, 0, again.stderr);
    assert.equal((JSON.parse(again.stdout) as { link: unknown[] }).link.length, 0);

    await appendFile(join(prefix, "include", "zlib.h"), "x");
    await unlink(join(prefix, "lib", "libz.a"));
    await writeFile(join(prefix, "lib", "implant.so"), "not from a package");
    const dirty = await runCliCaptured(["verify", "-p", prefix, "--json"], env);
    assert.equal(dirty.code, 1);
    const report = JSON.parse(dirty.stdout) as { issues: { kind: string; path?: string }[] };
    const found = (kind: string) => report.issues.filter((i) => i.kind === kind).map((i) => i.path);
    assert.deepEqual(found("modified"), ["include/zlib.h"]);
    assert.deepEqual(found("missing"), ["lib/libz.a"]);
    assert.deepEqual(found("unexpected"), ["lib/implant.so"]);
  });
});

test("a sha256 mismatch stops the install, names the package and both digests, and creates nothing", { skip: needsShared(MINICONDA_CACHE) }, async () => {
  await withMiniconda(async ({ url, env, dir, records }) => {
    const chosen = installable(records).filter((r) => ["zlib", "xz", "libffi"].includes(r.name));
    const lock = lockOf(chosen, url);
    const zlib = lock.packages.find((p) => p.name === "zlib") as LockedPackage;
    const real = zlib.sha256 as string;
    zlib.sha256 = "f".repeat(64);
    const lockPath = join(dir, "bad-lock.yml");
    await writeFile(lockPath, writeCondaLock(lock));
    const prefix = join(dir, "env");
    const run = await runCliCaptured(["install", "-p", prefix, "--lock", lockPath, "--frozen"], env);
    assert.notEqual(run.code, 0);
    assert.match(run.stderr, /zlib-1\.2\.11-h7b6447c_3/);
    assert.match(run.stderr, new RegExp(`f{64}`));
    assert.match(run.stderr, new RegExp(real));
    assert.doesNotMatch(run.stderr, /\n\s+at /, "no stack trace");
    assert.equal(existsSync(prefix), false, "nothing was created");
  });
});

test("the other real file named zlib-1.2.11-h7b6447c_3.conda is rejected against the lock", { skip: needsShared(MINICONDA_CACHE, "conda-tests/conda_format_repo/linux-64/zlib-1.2.11-h7b6447c_3.conda") }, async () => {
  await withMiniconda(async ({ url, env, dir, records }) => {
    const chosen = installable(records).filter((r) => r.name === "zlib");
    const lockPath = join(dir, "conda-lock.yml");
    await writeFile(lockPath, writeCondaLock(lockOf(chosen, url)));
    // Swap the served archive for conda's test copy: same name, other bytes.
    const served = join(dir, "swapped");
    await mkdir(join(served, "linux-64"), { recursive: true });
    await symlink(sharedPath("conda-tests/conda_format_repo/linux-64/zlib-1.2.11-h7b6447c_3.conda"), join(served, "linux-64", "zlib-1.2.11-h7b6447c_3.conda"));
    const text = (await readFile(lockPath, "utf8")).replaceAll(`${url}/linux-64/`, `file://${served}/linux-64/`);
    await writeFile(lockPath, text);
    const prefix = join(dir, "env");
    const run = await runCliCaptured(["install", "-p", prefix, "--lock", lockPath, "--frozen"], env);
    assert.notEqual(run.code, 0);
    assert.match(run.stderr, /sha256/i);
    assert.match(run.stderr, /zlib-1\.2\.11-h7b6447c_3/);
    assert.equal(existsSync(prefix), false);
  });
});

test("a lock entry without sha256 is refused unless --allow-unverified", { skip: needsShared(MINICONDA_CACHE) }, async () => {
  await withMiniconda(async ({ url, env, dir, records }) => {
    const lock = lockOf(installable(records).filter((r) => r.name === "zlib"), url);
    delete (lock.packages[0] as LockedPackage).sha256;
    const lockPath = join(dir, "conda-lock.yml");
    await writeFile(lockPath, writeCondaLock(lock));
    const refused = await runCliCaptured(["create", "-n", "unverified", "-f", lockPath], env);
    assert.equal(refused.code, 2, refused.stderr);
    assert.match(refused.stderr, /no sha256/);
    assert.match(refused.stderr, /--allow-unverified/);
    const prefix = join(dir, "envs", "unverified");
    assert.equal(existsSync(prefix), false);
    const allowed = await runCliCaptured(["create", "-n", "unverified", "-f", lockPath, "--allow-unverified"], env);
    assert.equal(allowed.code, 0, allowed.stderr);
    assert.ok(existsSync(join(prefix, "lib", "libz.so.1.2.11")), "-n placed the prefix under envs_dirs");
    assert.match(allowed.stderr, /without a sha256 check/);
  });
});
