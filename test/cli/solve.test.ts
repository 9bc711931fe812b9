import assert from "node:assert/strict";
import { readFile, rm } from "node:fs/promises";
import { resolve } from "node:path";
import { test } from "node:test";
import { runCli } from "../../src/cli/index.js";
import { isolatedEnv, runCliCaptured, withServedChannel } from "../helpers/cli.js";
import { SHARED_DATA, needsShared, sharedPath } from "../helpers/shared_data.js";

const CHANNEL = "channels/conda-forge-py39";
const CASES = resolve(SHARED_DATA, "..", "peer-tests", "solver");

// A fixed __glibc keeps the solutions independent of the machine running the tests.
const served = (fn: Parameters<typeof withServedChannel>[1]): Promise<void> =>
  withServedChannel(sharedPath(CHANNEL), fn, { CONDA_OVERRIDE_GLIBC: "2.28" });

test("solve prints one consistent environment for python 3.9 with pip", { skip: needsShared(CHANNEL) }, async () => {
  await served(async ({ url }, env) => {
    const run = await runCliCaptured(
      ["solve", "python 3.9.*", "pip", "openssl", "-c", url, "--override-channels", "--platform", "linux-64", "--json"],
      env,
    );
    assert.equal(run.code, 0, run.stderr);
    const out = JSON.parse(run.stdout) as { platform: string; packages: { name: string; version: string; sha256?: string }[] };
    assert.equal(out.platform, "linux-64");
    const byName = new Map(out.packages.map((p) => [p.name, p]));
    assert.match(byName.get("python")?.version ?? "", /^3\.9\./);
    assert.ok(byName.has("pip") && byName.has("openssl") && byName.has("libzlib"));
    assert.equal(byName.size, out.packages.length, "one record per name");
    for (const p of out.packages) assert.match(p.sha256 ?? "", /^[0-9a-f]{64}$/, p.name);
  });
});

test("an unsatisfiable request explains the conflict and exits 2", { skip: needsShared(CHANNEL) }, async () => {
  await served(async ({ url }, env) => {
    const run = await runCliCaptured(
      ["solve", "python 3.9.*", "python_abi 3.10.*", "-c", url, "--override-channels", "--platform", "linux-64"],
      env,
    );
    assert.equal(run.code, 2);
    assert.match(run.stderr, /^error: /);
    assert.match(run.stderr, /python_abi/);
    assert.doesNotMatch(run.stderr, /\n\s+at /, "no stack trace");
  });
});

test("a misspelt name gets a suggestion", { skip: needsShared(CHANNEL) }, async () => {
  await served(async ({ url }, env) => {
    const run = await runCliCaptured(["solve", "pythn", "-c", url, "--override-channels", "--platform", "linux-64"], env);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /Did you mean 'python'\?/);
  });
});

test("bad solve flags are usage errors", async () => {
  const { env, dir } = await isolatedEnv();
  try {
    const priority = await runCliCaptured(["solve", "python", "--channel-priority", "sometimes", "--offline"], env);
    assert.equal(priority.code, 2);
    assert.match(priority.stderr, /--channel-priority must be strict, flexible or disabled/);
    const timeout = await runCliCaptured(["solve", "python", "--timeout", "soon", "--offline"], env);
    assert.equal(timeout.code, 2);
    assert.match(timeout.stderr, /--timeout expects a positive number of seconds/);
    const none = await runCliCaptured(["solve", "--offline"], env);
    assert.equal(none.code, 2);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

const CASE = "conda-solver_helpers-test_arch_preferred_over_noarch_when_otherwise_equal.json";

test("solve --case runs a conformance case from a file and from stdin", { skip: needsShared() }, async (t) => {
  const file = resolve(CASES, CASE);
  try {
    await readFile(file);
  } catch {
    t.skip(`peer cases not found in ${CASES}`);
    return;
  }
  const { env, dir } = await isolatedEnv({ CONDAGUARD_SHARED_DATA: SHARED_DATA });
  try {
    const fromFile = await runCliCaptured(["solve", "--case", file], env);
    assert.equal(fromFile.code, 0, fromFile.stderr);
    const result = JSON.parse(fromFile.stdout) as Array<{ channel: string; subdir: string; name: string }>;
    assert.deepEqual(
      result.map((r) => `${r.channel}/${r.subdir}::${r.name}`),
      ["test/linux-64::package1"],
    );
    const text = await readFile(file, "utf8");
    let stdout = "";
    const code = await runCli(["solve", "--case", "-"], {
      stdout: (s) => {
        stdout += s;
      },
      stderr: () => undefined,
      env,
      readStdin: async () => text,
    });
    assert.equal(code, 0);
    assert.equal(stdout, fromFile.stdout);
    let stderr = "";
    const bad = await runCli(["solve", "--case", "-"], {
      stdout: () => undefined,
      stderr: (s) => {
        stderr += s;
      },
      env,
      readStdin: async () => "{ not json",
    });
    assert.equal(bad, 2);
    assert.match(stderr, /not valid JSON/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
