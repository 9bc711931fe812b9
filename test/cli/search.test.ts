import assert from "node:assert/strict";
import { test } from "node:test";
import { runCliCaptured, withServedChannel } from "../helpers/cli.js";
import { needsShared, sharedPath } from "../helpers/shared_data.js";

const CHANNEL = "channels/conda-forge-py39";

test("search 'python 3.9.*' on a loopback channel, cold then from the cache", { skip: needsShared(CHANNEL) }, async () => {
  await withServedChannel(sharedPath(CHANNEL), async (server, env) => {
  const args = ["search", "python 3.9.*", "-c", server.url, "--override-channels", "--platform", "linux-64"];
  const cold = await runCliCaptured(args, env);
  assert.equal(cold.code, 0, cold.stderr);
  const lines = cold.stdout.trim().split("\n");
  assert.match(lines[0] ?? "", /^# Name\s+Version\s+Build\s+Channel/);
  const rows = lines.slice(1).map((l) => l.split(/\s+/));
  assert.ok(rows.length > 10, `expected many python 3.9 builds, got ${rows.length}`);
  for (const row of rows) {
    assert.equal(row[0], "python");
    assert.match(row[1] ?? "", /^3\.9\./);
  }
  // Newest first: 3.9.19 before 3.9.0.
  const versions = rows.map((r) => (r[1] ?? "").split(".").map(Number));
  for (let i = 1; i < versions.length; i++) {
    const [a, b] = [versions[i - 1]?.[2] ?? 0, versions[i]?.[2] ?? 0];
    assert.ok(a >= b, `row ${i} is not newest-first: ${lines[i]} then ${lines[i + 1]}`);
  }
  const coldBodies = server.requests.filter((r) => r.status === 200 && r.path.includes("/linux-64/"));
  assert.ok(coldBodies.length >= 1, "cold run downloaded the linux-64 repodata");

  const before = server.requests.length;
  const warm = await runCliCaptured(args, env);
  assert.equal(warm.code, 0, warm.stderr);
  assert.equal(warm.stdout, cold.stdout, "cached results equal the cold ones");
  const warmRequests = server.requests.slice(before).filter((r) => r.path.includes("/linux-64/"));
  assert.ok(warmRequests.length >= 1, "the warm run revalidated linux-64");
  for (const r of warmRequests) {
    const conditional = r.headers["if-none-match"] !== undefined || r.headers["if-modified-since"] !== undefined;
    assert.ok(conditional, `request ${r.path} was not conditional`);
    assert.equal(r.status, 304, `request ${r.path} answered ${r.status}`);
    assert.equal(r.bytes, 0, "no body was downloaded");
  }
  });
});

test("search --json groups records by name with hashes", { skip: needsShared(CHANNEL) }, async () => {
  await withServedChannel(sharedPath(CHANNEL), async (server, env) => {
  const run = await runCliCaptured(
    ["search", "pip >=23", "-c", server.url, "--override-channels", "--platform", "osx-arm64", "--json"],
    env,
  );
  assert.equal(run.code, 0, run.stderr);
  const parsed = JSON.parse(run.stdout) as Record<string, { version: string; sha256?: string; subdir: string }[]>;
  assert.deepEqual(Object.keys(parsed), ["pip"]);
  for (const r of parsed.pip ?? []) {
    assert.ok(Number(r.version.split(".")[0]) >= 23);
    assert.match(r.sha256 ?? "", /^[0-9a-f]{64}$/);
  }
  });
});

test("search with a name glob lists several names", { skip: needsShared(CHANNEL) }, async () => {
  await withServedChannel(sharedPath(CHANNEL), async (server, env) => {
  const run = await runCliCaptured(["search", "python_abi*", "-c", server.url, "--override-channels", "--platform", "linux-64"], env);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /python_abi\s+3\.9\s+\S*cp39/);
  });
});

test("search for a missing package exits 1 and says where it looked", { skip: needsShared(CHANNEL) }, async () => {
  await withServedChannel(sharedPath(CHANNEL), async (server, env) => {
  const run = await runCliCaptured(["search", "no-such-package", "-c", server.url, "--override-channels", "--platform", "linux-64"], env);
  assert.equal(run.code, 1);
  assert.match(run.stderr, /No match found for: no-such-package/);
  });
});

test("a platform subdir the channel lacks is named in a note", { skip: needsShared(CHANNEL) }, async () => {
  await withServedChannel(sharedPath(CHANNEL), async (server, env) => {
  const run = await runCliCaptured(["search", "python", "-c", server.url, "--override-channels", "--platform", "linux-s390x"], env);
  assert.equal(run.code, 1);
  assert.match(run.stderr, /note: channel .* has no linux-s390x subdir/);
  assert.match(run.stderr, /No match found for: python/);
  });
});
