import assert from "node:assert/strict";
import { appendFileSync, mkdirSync, readFileSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from "node:fs";
import { after, test } from "node:test";
import { join } from "node:path";
import { executeTransaction, planTransaction, verifyPrefix } from "../../src/install/index.js";
import { hashFiles } from "../../src/install/hash_pool.js";
import { fakePackage, tempDir } from "./_packages.js";

const work = tempDir("verify");
after(() => rmSync(work, { recursive: true, force: true }));
const cache = join(work, "pkgs");
const SP = "lib/python3.9/site-packages";

async function makeEnv(name: string): Promise<string> {
  const prefix = join(work, name);
  const lib = fakePackage(cache, { name: "lib", version: "1.2", build: "h1_0", sha256: "a".repeat(64) }, [
    { path: "lib/libthing.so", content: Buffer.alloc(300_000, 7) },
    { path: "include/thing.h", content: "int thing(void);\n" },
    { path: "lib/libthing.so.1", linkTarget: "libthing.so" },
  ]);
  const py = fakePackage(cache, { name: "pyconda", version: "0.1", sha256: "b".repeat(64) }, [
    { path: "site-packages/pyconda/__init__.py", content: "x = 1\n" },
    { path: "site-packages/pyconda-0.1.dist-info/INSTALLER", content: "conda\n" },
    { path: "site-packages/pyconda-0.1.dist-info/METADATA", content: "Name: pyconda\n" },
  ], { noarchPython: true });
  await executeTransaction(prefix, planTransaction([], [lib, py]), { python: { version: "3.9" } });
  return prefix;
}

test("a clean prefix verifies with no issues and a JSON-serialisable report", async () => {
  const prefix = await makeEnv("clean");
  const report = await verifyPrefix(prefix);
  assert.equal(report.summary.total, 0);
  assert.equal(report.packages, 2);
  assert.ok(report.hashedBytes >= 300_000);
  assert.deepEqual(JSON.parse(JSON.stringify(report)), report);
});

test("finds a one-byte change, a deleted file and an added file", async () => {
  const prefix = await makeEnv("tampered");
  const so = join(prefix, "lib/libthing.so");
  const data = readFileSync(so);
  data[1234] ^= 1;
  writeFileSync(so, data);
  unlinkSync(join(prefix, "include/thing.h"));
  writeFileSync(join(prefix, "bin-dropper"), "#!/bin/sh\n");
  const report = await verifyPrefix(prefix, { concurrency: 2 });
  const brief = report.issues.map((i) => `${i.kind} ${i.path}`).sort();
  assert.deepEqual(brief, [
    "missing include/thing.h",
    "modified lib/libthing.so",
    "unexpected bin-dropper",
  ]);
  assert.equal(report.summary.modified, 1);
  assert.equal(report.summary.missing, 1);
  assert.equal(report.summary.unexpected, 1);
  assert.equal(report.summary.total, 3);
  const modified = report.issues.find((i) => i.path === "lib/libthing.so");
  assert.equal(modified?.package, "lib-1.2-h1_0");
  assert.match(modified?.actual ?? "", /^[0-9a-f]{64}$/);
  // Same size, so the hash (not the size check) caught it.
  assert.equal(data.length, 300_000);
  // A link turned to another file of the prefix is caught without hashing.
  unlinkSync(join(prefix, "lib/libthing.so.1"));
  symlinkSync("../bin-dropper", join(prefix, "lib/libthing.so.1"));
  const relinked = await verifyPrefix(prefix);
  assert.ok(relinked.issues.some((i) => i.kind === "modified" && i.path === "lib/libthing.so.1"));
});

test("a pip-installed distribution is flagged unless the lock lists it", async () => {
  const prefix = await makeEnv("pip");
  const dist = join(prefix, SP, "requesrts-2.0.dist-info");
  mkdirSync(dist, { recursive: true });
  mkdirSync(join(prefix, SP, "requesrts"));
  writeFileSync(join(dist, "INSTALLER"), "pip\n");
  writeFileSync(join(dist, "METADATA"), "Name: requesrts\n");
  writeFileSync(join(prefix, SP, "requesrts/__init__.py"), "steal()\n");
  writeFileSync(join(dist, "RECORD"), "requesrts/__init__.py,,\nrequesrts-2.0.dist-info/INSTALLER,,\nrequesrts-2.0.dist-info/METADATA,,\nrequesrts-2.0.dist-info/RECORD,,\n");
  const report = await verifyPrefix(prefix);
  assert.deepEqual(report.issues.map((i) => `${i.kind} ${i.package} ${i.actual}`), ["pip-installed requesrts-2.0 pip"]);
  const locked = await verifyPrefix(prefix, {
    lock: [
      { name: "lib", version: "1.2", build: "h1_0", sha256: "a".repeat(64) },
      { name: "pyconda", version: "0.1", build: "0", sha256: "b".repeat(64) },
      { name: "requesrts", version: "2.0", manager: "pip" },
    ],
  });
  assert.deepEqual(locked.issues, []);
  // pip rewriting a conda package's INSTALLER marks it as pip's.
  appendFileSync(join(prefix, SP, "pyconda-0.1.dist-info/INSTALLER"), "");
  writeFileSync(join(prefix, SP, "pyconda-0.1.dist-info/INSTALLER"), "pip\n");
  const overwritten = await verifyPrefix(prefix);
  assert.deepEqual(overwritten.issues.map((i) => i.kind).sort(), ["modified", "pip-installed", "pip-installed"]);
});

test("packages that differ from the lock: missing, extra, other build and sha256", async () => {
  const prefix = await makeEnv("lock");
  const report = await verifyPrefix(prefix, {
    lock: [
      { name: "lib", version: "1.2", build: "h2_0", sha256: "c".repeat(64) },
      { name: "numpy", version: "1.26.4", build: "py311_0" },
    ],
  });
  const brief = report.issues.map((i) => `${i.kind} ${i.package}`).sort();
  assert.deepEqual(brief, ["lock-extra pyconda-0.1-0", "lock-mismatch lib-1.2-h1_0", "lock-missing numpy-1.26.4-py311_0"]);
  const mismatch = report.issues.find((i) => i.kind === "lock-mismatch");
  assert.match(mismatch?.detail ?? "", /build h1_0 \(lock: h2_0\), sha256 a+ \(lock: c+\)/);
});

test("the hash pool returns sha256 per file in input order, errors per file", async () => {
  const a = join(work, "a.bin");
  const b = join(work, "b.bin");
  writeFileSync(a, "");
  writeFileSync(b, Buffer.alloc(5 << 20, 1));
  const [ra, rb, rc] = await hashFiles([a, b, join(work, "absent")], { concurrency: 2 });
  assert.equal(ra.sha256, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  assert.equal(rb.size, 5 << 20);
  assert.equal(rc.error, "ENOENT");
});
