import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { join } from "node:path";
import { test } from "node:test";
import { isolatedEnv, runCliCaptured } from "../helpers/cli.js";
import { REPO_ROOT } from "../helpers/shared_data.js";

const BIN = join(REPO_ROOT, "dist", "src", "cli", "main.js");

/** A port that nothing listens on: bind, read the port, close. */
async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((done) => srv.listen(0, "127.0.0.1", () => done()));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((done) => srv.close(() => done()));
  return port;
}

test("a bad MatchSpec is a usage error that points at the spec, without a stack", async () => {
  const { env, dir } = await isolatedEnv();
  try {
    const run = await runCliCaptured(["search", "numpy >=1.2,,<2", "--offline"], env);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /^error: /);
    assert.match(run.stderr, /numpy >=1\.2,,<2/);
    assert.doesNotMatch(run.stderr, /\n\s+at /, "no stack trace");
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("connection refused names the channel and exits 2", async () => {
  const { env, dir } = await isolatedEnv();
  try {
    const port = await closedPort();
    const run = await runCliCaptured(
      ["search", "python", "-c", `http://user:secret@127.0.0.1:${port}/ch`, "--override-channels", "--platform", "linux-64"],
      env,
    );
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, new RegExp(`127\\.0\\.0\\.1:${port}`));
    assert.doesNotMatch(run.stderr + run.stdout, /secret/, "credentials are never printed");
    assert.match(run.stderr, /hint: /);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("an invalid channel name is refused with a hint", async () => {
  const { env, dir } = await isolatedEnv();
  try {
    const run = await runCliCaptured(["search", "python", "-c", "http//broken", "--override-channels", "--offline"], env);
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, /http\/\/broken/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("unknown flags and commands exit 2", async () => {
  const { env, dir } = await isolatedEnv();
  try {
    assert.equal((await runCliCaptured(["search"], env)).code, 2);
    assert.equal((await runCliCaptured(["frobnicate"], env)).code, 2);
    assert.equal((await runCliCaptured(["info", "--no-such-flag"], env)).code, 2);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("the installed binary prints help and its version", () => {
  const help = spawnSync(process.execPath, [BIN, "--help"], { encoding: "utf8" });
  assert.equal(help.status, 0, help.stderr);
  assert.match(help.stdout, /Usage: condaguard/);
  assert.match(help.stdout, /search/);
  assert.match(help.stdout, /info/);
  const version = spawnSync(process.execPath, [BIN, "--version"], { encoding: "utf8" });
  assert.equal(version.status, 0);
  assert.match(version.stdout.trim(), /^\d+\.\d+\.\d+$/);
});

test("a malformed lockfile and a bad spec in an environment file name file:line:column once", async () => {
  const { env, dir } = await isolatedEnv();
  try {
    const lock = join(dir, "bad-lock.yml");
    await writeFile(lock, "version: 1\npackage:\n  - name: x\n    bad: [\n");
    const run = await runCliCaptured(["install", "-p", join(dir, "env"), "--lock", lock, "--frozen"], env);
    assert.equal(run.code, 2);
    assert.match(run.stderr, new RegExp(`^error: ${lock.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:5:1: not a valid lockfile`));
    const file = join(dir, "environment.yml");
    await writeFile(file, 'dependencies:\n  - "numpy >>1"\n');
    const bad = await runCliCaptured(["lock", "-f", file, "--offline"], env);
    assert.equal(bad.code, 2);
    assert.equal(bad.stderr.split(`${file}:2:13`).length - 1, 1, bad.stderr);
    assert.doesNotMatch(bad.stderr + run.stderr, /\n\s+at /, "no stack trace");
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
