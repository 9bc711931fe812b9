import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { readFile, readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { pathToFileURL } from "node:url";
import { downloadFile, hashFile } from "../../src/package/index.js";
import { needsShared, sharedPath } from "../helpers/shared_data.js";
import { expectPackageError, serveFiles, tempDir } from "./_helpers.js";

const ZLIB = "zlib-1.2.11-h7b6447c_3.conda";
const MINICONDA_ZLIB = `pkgs-cache/qgb-miniconda3-py39-linux-64/pkgs/${ZLIB}`;
const CONDA_TESTS_ZLIB = `conda-tests/conda_format_repo/linux-64/${ZLIB}`;

let work: { path: string; remove: () => Promise<void> };
before(async () => {
  work = await tempDir("cg-download-");
});
after(async () => {
  await work.remove();
});

/** 3 MiB of varied bytes, with its digests. */
const BODY = Buffer.from(Array.from({ length: 3 * 1024 * 1024 }, (_, i) => (i * 31 + (i >> 10)) & 0xff));
const SHA = createHash("sha256").update(BODY).digest("hex");
const MD5 = createHash("md5").update(BODY).digest("hex");
const FAST = { retryDelayMs: 5 };

test("hashFile gives sha256, md5 and size", async () => {
  const file = join(work.path, "body.bin");
  await writeFile(file, BODY);
  assert.deepEqual(await hashFile(file), { sha256: SHA, md5: MD5, size: BODY.length });
});

test("http download: hashed while streaming, progress reported, no partial left", async () => {
  const server = await serveFiles(new Map([["/pkgs/a-1-0.conda", BODY]]));
  try {
    const dest = join(work.path, "plain.conda");
    const progress: Array<[number, number | undefined]> = [];
    const got = await downloadFile(`${server.url}/pkgs/a-1-0.conda`, dest, { expectedSha256: SHA, onProgress: (d, t) => progress.push([d, t]) });
    assert.deepEqual(got, { sha256: SHA, md5: MD5, bytes: BODY.length });
    assert.deepEqual(await readFile(dest), BODY);
    assert.ok(!existsSync(`${dest}.partial`));
    assert.deepEqual(progress.at(-1), [BODY.length, BODY.length]);
  } finally {
    await server.close();
  }
});

test("hash mismatch: names the redacted URL, expected and actual digests; removes the partial", async () => {
  const server = await serveFiles(new Map([["/t/tk-12345/pkgs/a-1-0.conda", BODY]]));
  try {
    const dest = join(work.path, "mismatch.conda");
    const wrong = "0".repeat(64);
    const url = `${server.url.replace("http://", "http://user:secret@")}/t/tk-12345/pkgs/a-1-0.conda`;
    const err = await expectPackageError(downloadFile(url, dest, { expectedSha256: wrong }), "CG_PACKAGE_HASH_MISMATCH");
    assert.match(err.message, new RegExp(`sha256 expected ${wrong}, got ${SHA}`));
    assert.match(err.message, /http:\/\/\*\*\*@127\.0\.0\.1:\d+\/t\/\*\*\*\/pkgs\/a-1-0\.conda/);
    assert.doesNotMatch(err.message, /secret|tk-12345/);
    assert.ok(!existsSync(dest) && !existsSync(`${dest}.partial`));
    assert.equal(server.seen[0].authorization, `Basic ${Buffer.from("user:secret").toString("base64")}`);
    const sizeErr = await expectPackageError(downloadFile(url, dest, { expectedSha256: SHA, expectedSize: 1000 }), "CG_PACKAGE_HASH_MISMATCH");
    assert.match(sizeErr.message, /size expected 1000/);
  } finally {
    await server.close();
  }
});

test("a connection dropped mid-body is resumed with a Range request", async () => {
  let dropped = false;
  const server = await serveFiles(new Map([["/a.conda", BODY]]), (req, res) => {
    if (dropped || req.headers.range !== undefined) return false;
    dropped = true;
    res.writeHead(200, { "content-length": BODY.length, etag: '"v1"' });
    res.write(BODY.subarray(0, 1024 * 1024 + 17), () => setTimeout(() => res.destroy(), 20));
    return true;
  });
  try {
    const dest = join(work.path, "resumed.conda");
    const got = await downloadFile(`${server.url}/a.conda`, dest, { expectedSha256: SHA, ...FAST });
    assert.equal(got.sha256, SHA);
    assert.deepEqual(await readFile(dest), BODY);
    const ranged = server.seen.filter((r) => r.range !== undefined);
    assert.equal(ranged.length, 1, "exactly one Range request");
    assert.match(ranged[0].range ?? "", /^bytes=\d+-$/);
    assert.ok(Number(/\d+/.exec(ranged[0].range ?? "")?.[0]) > 0);
  } finally {
    await server.close();
  }
});

test("a server that ignores Range (200 on resume) gets a full fresh download", async () => {
  let first = true;
  const server = await serveFiles(new Map([["/a.conda", BODY]]), (_req, res) => {
    if (first) {
      first = false;
      res.writeHead(200, { "content-length": BODY.length });
      res.write(BODY.subarray(0, 500_000), () => setTimeout(() => res.destroy(), 20));
    } else {
      res.writeHead(200, { "content-length": BODY.length });
      res.end(BODY);
    }
    return true;
  });
  try {
    const dest = join(work.path, "norange.conda");
    assert.equal((await downloadFile(`${server.url}/a.conda`, dest, { expectedSha256: SHA, ...FAST })).sha256, SHA);
    assert.ok(server.seen[1].range !== undefined, "the second request asked for a range");
  } finally {
    await server.close();
  }
});

test("500 then success is retried; 404 is not; exhausted retries name the reason", async () => {
  let failures = 2;
  const server = await serveFiles(new Map([["/a.conda", BODY]]), (req, res) => {
    if (req.url === "/always-500.conda") {
      res.writeHead(503).end();
      return true;
    }
    if (failures > 0) {
      failures -= 1;
      res.writeHead(500).end("boom");
      return true;
    }
    return false;
  });
  try {
    const dest = join(work.path, "retried.conda");
    assert.equal((await downloadFile(`${server.url}/a.conda`, dest, { expectedSha256: SHA, ...FAST })).sha256, SHA);
    assert.equal(server.seen.length, 3);
    const before = server.seen.length;
    let err = await expectPackageError(downloadFile(`${server.url}/missing.conda`, join(work.path, "m.conda"), FAST), "CG_PACKAGE_DOWNLOAD");
    assert.match(err.message, /not found \(HTTP 404\)/);
    assert.equal(server.seen.length, before + 1, "a 404 is not retried");
    err = await expectPackageError(downloadFile(`${server.url}/always-500.conda`, join(work.path, "x.conda"), { retries: 2, ...FAST }), "CG_PACKAGE_DOWNLOAD");
    assert.match(err.message, /HTTP 503 \(3 attempts\)/);
    assert.ok(!existsSync(join(work.path, "x.conda.partial")));
  } finally {
    await server.close();
  }
});

test("unreachable host and cancellation", async () => {
  // A port that was just free: nothing listens there.
  const probe = await serveFiles(new Map());
  await probe.close();
  const err = await expectPackageError(downloadFile(`${probe.url}/a.conda`, join(work.path, "u.conda"), { retries: 1, ...FAST }), "CG_PACKAGE_DOWNLOAD");
  assert.match(err.message, /connection refused \(2 attempts\)/);
  const controller = new AbortController();
  controller.abort();
  const server = await serveFiles(new Map([["/a.conda", BODY]]));
  try {
    await expectPackageError(downloadFile(`${server.url}/a.conda`, join(work.path, "c.conda"), { signal: controller.signal }), "CG_PACKAGE_ABORTED");
  } finally {
    await server.close();
  }
  assert.deepEqual((await readdir(work.path)).filter((f) => f.endsWith(".partial")), []);
});

test("file:// URLs and plain paths", async () => {
  const src = join(work.path, "src.bin");
  await writeFile(src, BODY);
  assert.equal((await downloadFile(pathToFileURL(src).href, join(work.path, "f1.bin"), { expectedSha256: SHA })).bytes, BODY.length);
  assert.equal((await downloadFile(src, join(work.path, "f2.bin"), { expectedMd5: MD5 })).sha256, SHA);
  const err = await expectPackageError(downloadFile(pathToFileURL(join(work.path, "nope.bin")).href, join(work.path, "f3.bin")), "CG_PACKAGE_DOWNLOAD");
  assert.match(err.message, /the file does not exist/);
});

test("the two different real files named zlib-1.2.11-h7b6447c_3.conda", { skip: needsShared(MINICONDA_ZLIB, CONDA_TESTS_ZLIB) }, async () => {
  const miniconda = await readFile(sharedPath(MINICONDA_ZLIB));
  const other = await readFile(sharedPath(CONDA_TESTS_ZLIB));
  const expected = (await hashFile(sharedPath(MINICONDA_ZLIB))).sha256;
  assert.equal(expected, "5c5346ca7da14d7e11e15a8cc5e695d805ecb79c0e59d7043bea5843ffc493e5");
  // A channel serving the other build under the same name: refused.
  const server = await serveFiles(new Map([[`/main/linux-64/${ZLIB}`, other]]));
  try {
    const dest = join(work.path, ZLIB);
    const err = await expectPackageError(downloadFile(`${server.url}/main/linux-64/${ZLIB}`, dest, { expectedSha256: expected }), "CG_PACKAGE_HASH_MISMATCH");
    assert.match(err.message, new RegExp(`sha256 expected ${expected}, got f33afff2144e1d6c4cf2e3e184937db8bf825b4537df74662aea5ee207b6a31b`));
    assert.ok(!existsSync(dest));
  } finally {
    await server.close();
  }
  const good = await serveFiles(new Map([[`/main/linux-64/${ZLIB}`, miniconda]]));
  try {
    const got = await downloadFile(`${good.url}/main/linux-64/${ZLIB}`, join(work.path, ZLIB), { expectedSha256: expected, expectedMd5: "50aa4407424985d56ec8ae2f94626aa9" });
    assert.equal(got.bytes, miniconda.length);
  } finally {
    await good.close();
  }
});
