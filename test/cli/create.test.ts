// create / install / update / remove through the CLI on the example channel
// the demo builds (real .conda archives made by the project), served on
// 127.0.0.1 behind a channel_alias so environment files say `conda-forge`.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { serveDirectory, type StaticServer } from "../../src/channel/index.js";
import { writeDemoChannel } from "../../examples/demo_channel.js";
import { isolatedEnv, runCliCaptured } from "../helpers/cli.js";

let server: StaticServer;
let channelRoot: string;
let home: string;
let env: NodeJS.ProcessEnv;

before(async () => {
  const iso = await isolatedEnv();
  home = iso.dir;
  channelRoot = join(home, "channel");
  await writeDemoChannel(join(channelRoot, "conda-forge"));
  server = await serveDirectory(channelRoot);
  await writeFile(join(home, ".condarc"), `channel_alias: ${server.url}\nchannels: [conda-forge]\n`);
  env = { ...iso.env, CONDA_PKGS_DIRS: join(home, "pkgs"), CONDA_ENVS_PATH: join(home, "envs"), CONDA_OVERRIDE_GLIBC: "2.28" };
});

after(async () => {
  await server.close();
  await rm(home, { recursive: true, force: true });
});

async function project(name: string, deps: string[]): Promise<string> {
  const dir = join(home, name);
  await mkdir(dir, { recursive: true });
  const file = join(dir, "environment.yml");
  await writeFile(file, ["name: svc", "channels: [conda-forge]", "dependencies:", ...deps.map((d) => `  - ${d}`), ""].join("\n"));
  return file;
}

async function installed(prefix: string): Promise<Map<string, string>> {
  const run = await runCliCaptured(["list", "-p", prefix, "--json"], env);
  assert.equal(run.code, 0, run.stderr);
  return new Map((JSON.parse(run.stdout) as { name: string; version: string }[]).map((p) => [p.name, p.version]));
}

test("create -f environment.yml solves, writes conda-lock.yml beside the file, installs; a second create reuses the lock", async () => {
  const file = await project("p1", ["python 3.11.*", "fastapi", "uvicorn"]);
  const dry = await runCliCaptured(["create", "-p", join(home, "dry"), "-f", file, "--dry-run"], env);
  assert.equal(dry.code, 0, dry.stderr);
  assert.match(dry.stdout, /\+ .*fastapi 0\.112\.0/);
  assert.match(dry.stdout, /Dry run/);
  assert.equal(existsSync(join(home, "dry")), false);

  const prefix = join(home, "envs", "p1");
  const run = await runCliCaptured(["create", "-n", "p1", "-f", file], env);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stderr, /Wrote the lock .*p1\/conda-lock\.yml/);
  const lockText = await readFile(join(home, "p1", "conda-lock.yml"), "utf8");
  assert.match(lockText, /^version: 1$/m);
  const pkgs = await installed(prefix);
  assert.equal(pkgs.get("fastapi"), "0.112.0");
  assert.equal(pkgs.get("python"), "3.11.9");
  const meta = JSON.parse(await readFile(join(prefix, "conda-meta", "fastapi-0.112.0-pyhd8ed1ab_0.json"), "utf8")) as { requested_spec: string; files: string[] };
  assert.equal(meta.requested_spec, "fastapi");
  assert.ok(meta.files.includes("lib/python3.11/site-packages/fastapi/__init__.py"));
  const history = await readFile(join(prefix, "conda-meta", "history"), "utf8");
  assert.match(history, /^# cmd: condaguard create -n p1 -f /m);
  assert.match(history, /^# update specs: \['python 3\.11\.\*', 'fastapi', 'uvicorn'\]$/m);

  const again = await runCliCaptured(["create", "-p", join(home, "p1-copy"), "-f", file], env);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stderr, /Installed from the lock/);
  const exists = await runCliCaptured(["create", "-p", prefix, "-f", file], env);
  assert.equal(exists.code, 2);
  assert.match(exists.stderr, /already exists/);
});

test("install --lock refuses a stale lock unless --frozen", async () => {
  const file = await project("p2", ["python 3.11.*", "idna"]);
  const lock = join(home, "p2", "conda-lock.yml");
  assert.equal((await runCliCaptured(["lock", "-f", file], env)).code, 0);
  await project("p2", ["python 3.11.*", "idna", "h11"]);
  const stale = await runCliCaptured(["install", "-p", join(home, "e2"), "--lock", lock], env);
  assert.equal(stale.code, 1, stale.stderr);
  assert.match(stale.stderr, /out of date/);
  assert.equal(existsSync(join(home, "e2")), false);
  const frozen = await runCliCaptured(["install", "-p", join(home, "e2"), "--lock", lock, "--frozen"], env);
  assert.equal(frozen.code, 0, frozen.stderr);
  assert.equal((await installed(join(home, "e2"))).has("h11"), false);
});

test("update and remove re-solve with minimal change, show the change first, and keep the history", async () => {
  const file = await project("p3", ["python 3.11.*", "fastapi", "uvicorn"]);
  const prefix = join(home, "e3");
  assert.equal((await runCliCaptured(["create", "-p", prefix, "-f", file], env)).code, 0);

  const dry = await runCliCaptured(["update", "-p", prefix, "fastapi 0.111.*", "--dry-run"], env);
  assert.equal(dry.code, 0, dry.stderr);
  assert.match(dry.stdout, /↓ .*fastapi 0\.112\.0 .*-> 0\.111\.0/);
  assert.equal((await installed(prefix)).get("fastapi"), "0.112.0", "a dry run changes nothing");

  const down = await runCliCaptured(["update", "-p", prefix, "fastapi 0.111.*", "-y"], env);
  assert.equal(down.code, 0, down.stderr);
  const after1 = await installed(prefix);
  assert.equal(after1.get("fastapi"), "0.111.0");
  assert.equal(after1.get("uvicorn"), "0.30.5", "unrelated packages stay");

  const removed = await runCliCaptured(["remove", "-p", prefix, "uvicorn", "-y"], env);
  assert.equal(removed.code, 0, removed.stderr);
  assert.match(removed.stdout, /- .*uvicorn 0\.30\.5/);
  const after2 = await installed(prefix);
  assert.equal(after2.has("uvicorn"), false);
  assert.equal(after2.get("fastapi"), "0.111.0", "the earlier request still holds");
  const history = await readFile(join(prefix, "conda-meta", "history"), "utf8");
  assert.match(history, /^# remove specs: \['uvicorn'\]$/m);

  const all = await runCliCaptured(["update", "-p", prefix, "--all", "-y", "--json"], env);
  assert.equal(all.code, 0, all.stderr);
  assert.equal((await installed(prefix)).has("uvicorn"), false, "a removed package is not brought back by update --all");

  const missing = await runCliCaptured(["remove", "-p", prefix, "not-installed"], env);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /not installed/);

  const verify = await runCliCaptured(["verify", "-p", prefix], env);
  assert.equal(verify.code, 0, verify.stdout);
});
