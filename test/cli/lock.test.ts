import assert from "node:assert/strict";
import { readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { isolatedEnv, runCliCaptured, withServedChannel } from "../helpers/cli.js";
import { needsShared, sharedPath } from "../helpers/shared_data.js";

const CHANNEL = "channels/conda-forge-py39";

async function envFile(dir: string, url: string, deps: string[]): Promise<string> {
  const path = join(dir, "environment.yml");
  await writeFile(path, ["name: t", "channels:", `  - ${url}`, "dependencies:", ...deps.map((d) => `  - ${d}`), ""].join("\n"));
  return path;
}

test("lock writes a conda-lock v1 file for three platforms from this machine, and --check follows the file", { skip: needsShared(CHANNEL) }, async () => {
  await withServedChannel(sharedPath(CHANNEL), async ({ url }, env) => {
    const dir = env.HOME as string;
    const file = await envFile(dir, url, ["python 3.9.*", "pip"]);
    const run = await runCliCaptured(["lock", "-f", file, "--platform", "linux-64", "--platform", "osx-arm64", "--platform", "win-64", "--json"], env);
    assert.equal(run.code, 0, run.stderr);
    const out = JSON.parse(run.stdout) as { lockfile: string; packages: Record<string, number> };
    assert.equal(out.lockfile, join(dir, "conda-lock.yml"));
    for (const p of ["linux-64", "osx-arm64", "win-64"]) assert.ok((out.packages[p] ?? 0) > 10, p);
    const text = await readFile(out.lockfile, "utf8");
    assert.match(text, /^version: 1$/m);
    assert.match(text, /platform: win-64\n\s+dependencies:[\s\S]*?url: .*\/win-64\/python-3\.9/);
    assert.match(text, /url: .*\/osx-arm64\/python-3\.9/);
    // every package carries its sha256
    const urls = text.match(/^\s+url: /gm)?.length ?? 0;
    const hashes = text.match(/^\s+sha256: [0-9a-f]{64}$/gm)?.length ?? 0;
    assert.equal(hashes, urls);

    const fresh = await runCliCaptured(["lock", "-f", file, "--check"], env);
    assert.equal(fresh.code, 0, fresh.stderr);
    await envFile(dir, url, ["python 3.9.*", "pip", "sqlite"]);
    const stale = await runCliCaptured(["lock", "-f", file, "--check"], env);
    assert.equal(stale.code, 1);
    assert.match(stale.stderr, /out of date/);
    assert.match(stale.stderr, /linux-64: the dependencies/);
  });
});

test("export --explicit pins every URL with #sha256, and diff flags a changed sha256 under the same name", { skip: needsShared(CHANNEL) }, async () => {
  await withServedChannel(sharedPath(CHANNEL), async ({ url }, env) => {
    const dir = env.HOME as string;
    const file = await envFile(dir, url, ["python 3.9.*", "openssl"]);
    const lock = join(dir, "conda-lock.yml");
    assert.equal((await runCliCaptured(["lock", "-f", file, "--platform", "linux-64"], env)).code, 0);
    const explicit = await runCliCaptured(["export", "--explicit", "--lock", lock, "--platform", "linux-64"], env);
    assert.equal(explicit.code, 0, explicit.stderr);
    const lines = explicit.stdout.split("\n").filter((l) => l.startsWith("http"));
    assert.ok(lines.length > 10);
    for (const l of lines) assert.match(l, /^http:\/\/127\.0\.0\.1:\d+\/linux-64\/.+\.(conda|tar\.bz2)#[0-9a-f]{64}$|^http:\/\/127\.0\.0\.1:\d+\/noarch\/.+#[0-9a-f]{64}$/);
    assert.match(explicit.stdout, /^@EXPLICIT$/m);

    const same = await runCliCaptured(["diff", lock, lock], env);
    assert.equal(same.code, 0, same.stderr);
    assert.match(same.stdout, /No differences/);

    const text = await readFile(lock, "utf8");
    const m = /name: openssl\n[\s\S]*?sha256: ([0-9a-f]{64})/.exec(text);
    assert.ok(m !== null);
    const tampered = join(dir, "tampered.yml");
    await writeFile(tampered, text.replace(m[1] as string, "0".repeat(64)));
    const diff = await runCliCaptured(["diff", lock, tampered, "--json"], env);
    assert.equal(diff.code, 1);
    const out = JSON.parse(diff.stdout) as { hash_changed: { name: string }[]; added: unknown[]; removed: unknown[] };
    assert.deepEqual(out.hash_changed.map((c) => c.name), ["openssl"]);
    assert.equal(out.added.length + out.removed.length, 0);
    const human = await runCliCaptured(["diff", lock, tampered], env);
    assert.match(human.stdout, /openssl .*sha256 changed .*possible tampering/);
  });
});

test("lock without an environment file is a usage error", async () => {
  const { env, dir } = await isolatedEnv();
  try {
    const run = await runCliCaptured(["lock"], env);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /lock needs an environment file/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
