import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { copyFile, mkdir, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { PackageCache, extractPackage, readRepodataRecord, type CacheProgress } from "../../src/package/index.js";
import { needsShared, sharedPath } from "../helpers/shared_data.js";
import { expectPackageError, serveFiles, tempDir } from "./_helpers.js";

const PKGS = "pkgs-cache/qgb-miniconda3-py39-linux-64/pkgs";
const ZLIB = "zlib-1.2.11-h7b6447c_3.conda";
const ZLIB_SHA = "5c5346ca7da14d7e11e15a8cc5e695d805ecb79c0e59d7043bea5843ffc493e5";
const ZLIB_MD5 = "50aa4407424985d56ec8ae2f94626aa9";
const OTHER_ZLIB = `conda-tests/conda_format_repo/linux-64/${ZLIB}`;
const SIX = "six-1.15.0-py39h06a4308_0.conda";

let work: { path: string; remove: () => Promise<void> };
before(async () => {
  work = await tempDir("cg-cache-");
});
after(async () => {
  await work.remove();
});

async function channelFiles(...names: string[]): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  for (const name of names) files.set(`/main/linux-64/${name}`, await readFile(sharedPath(PKGS, name)));
  return files;
}

test("download, verify, extract in conda's layout; the second call is served from the cache", { skip: needsShared(`${PKGS}/${ZLIB}`) }, async () => {
  const server = await serveFiles(await channelFiles(ZLIB));
  try {
    const dir = join(work.path, "layout");
    const cache = new PackageCache({ dirs: [dir] });
    const url = `${server.url}/main/linux-64/${ZLIB}`;
    const events: CacheProgress["type"][] = [];
    const got = await cache.ensure({ url, sha256: ZLIB_SHA, md5: ZLIB_MD5, size: 104994, record: { name: "zlib", channel: "main" } }, { onProgress: (e) => events.push(e.type) });
    assert.deepEqual(got, {
      extractedDir: join(dir, "zlib-1.2.11-h7b6447c_3"),
      archivePath: join(dir, ZLIB),
      sha256: ZLIB_SHA,
      md5: ZLIB_MD5,
      size: 104994,
      fromCache: false,
    });
    assert.deepEqual([...new Set(events)], ["download-start", "download-progress", "download-done", "extract-start", "extract-done"]);
    const record = await readRepodataRecord(got.extractedDir);
    assert.equal(record?.sha256, ZLIB_SHA);
    assert.equal(record?.url, url);
    assert.equal(record?.name, "zlib");
    assert.equal(record?.fn, ZLIB);
    assert.equal(await readFile(join(dir, "urls.txt"), "utf8"), `${url}\n`);
    assert.ok(existsSync(join(got.extractedDir, "lib/libz.so.1.2.11")));
    const again = await cache.ensure({ url, sha256: ZLIB_SHA });
    assert.equal(again.fromCache, true);
    assert.equal(server.seen.length, 1, "nothing fetched the second time");
    assert.deepEqual((await readdir(dir)).sort(), [ZLIB, "urls.txt", "zlib-1.2.11-h7b6447c_3"].sort());
  } finally {
    await server.close();
  }
});

test("the other zlib-1.2.11-h7b6447c_3.conda already in the cache is never used", { skip: needsShared(`${PKGS}/${ZLIB}`, OTHER_ZLIB) }, async () => {
  const server = await serveFiles(await channelFiles(ZLIB));
  try {
    const dir = join(work.path, "impostor");
    await mkdir(dir, { recursive: true });
    // The conda-tests build sits in the cache under the same name, archive and extracted, with its own record.
    await copyFile(sharedPath(OTHER_ZLIB), join(dir, ZLIB));
    // (That build's symlinks have empty targets, so no extractor unpacks it; its folder is written by hand.)
    await expectPackageError(extractPackage(sharedPath(OTHER_ZLIB), join(work.path, "other-zlib")), "CG_PACKAGE_CORRUPT");
    const fake = join(dir, "zlib-1.2.11-h7b6447c_3", "info");
    await mkdir(fake, { recursive: true });
    await writeFile(join(fake, "index.json"), JSON.stringify({ name: "zlib", version: "1.2.11", build: "h7b6447c_3", build_number: 3 }));
    await writeFile(join(fake, "repodata_record.json"), JSON.stringify({ sha256: "f33afff2144e1d6c4cf2e3e184937db8bf825b4537df74662aea5ee207b6a31b" }));
    const cache = new PackageCache({ dirs: [dir] });
    const got = await cache.ensure({ url: `${server.url}/main/linux-64/${ZLIB}`, sha256: ZLIB_SHA });
    assert.equal(got.fromCache, false);
    assert.equal(got.sha256, ZLIB_SHA);
    assert.equal(server.seen.length, 1, "the right build was downloaded");
    assert.equal((await readRepodataRecord(got.extractedDir))?.sha256, ZLIB_SHA);
    assert.equal(JSON.parse(await readFile(join(got.extractedDir, "info", "index.json"), "utf8")).build, "h7b6447c_3");

    // And a channel that serves the impostor: refused before anything is extracted.
    const bad = await serveFiles(new Map([[`/main/linux-64/${ZLIB}`, await readFile(sharedPath(OTHER_ZLIB))]]));
    try {
      const dir2 = join(work.path, "impostor-served");
      const err = await expectPackageError(new PackageCache({ dirs: [dir2] }).ensure({ url: `${bad.url}/main/linux-64/${ZLIB}`, sha256: ZLIB_SHA }), "CG_PACKAGE_HASH_MISMATCH");
      assert.match(err.message, /sha256 expected 5c5346ca/);
      assert.deepEqual((await readdir(dir2)).filter((f) => !f.endsWith(".lock")), []);
    } finally {
      await bad.close();
    }
  } finally {
    await server.close();
  }
});

test("a request without sha256 is refused unless unverified packages are allowed (then md5 is checked)", { skip: needsShared(`${PKGS}/${ZLIB}`) }, async () => {
  const server = await serveFiles(await channelFiles(ZLIB));
  try {
    const url = `${server.url}/main/linux-64/${ZLIB}`;
    const cache = new PackageCache({ dirs: [join(work.path, "unverified")] });
    const err = await expectPackageError(cache.ensure({ url }), "CG_PACKAGE_UNVERIFIED");
    assert.match(err.hint ?? "", /add sha256 to the lock.*--allow-unverified/i);
    assert.equal(server.seen.length, 0, "refused before any download");
    await expectPackageError(cache.ensure({ url, md5: "0".repeat(32) }, { allowUnverified: true }), "CG_PACKAGE_HASH_MISMATCH");
    const got = await cache.ensure({ url, md5: ZLIB_MD5 }, { allowUnverified: true });
    assert.equal(got.sha256, ZLIB_SHA);
  } finally {
    await server.close();
  }
});

test("ensureAll keeps order, runs in parallel, stops at the first failure", { skip: needsShared(`${PKGS}/${ZLIB}`, `${PKGS}/${SIX}`) }, async () => {
  const server = await serveFiles(await channelFiles(ZLIB, SIX));
  try {
    const cache = new PackageCache({ dirs: [join(work.path, "all")] });
    const six = (await import("node:crypto")).createHash("sha256").update(await readFile(sharedPath(PKGS, SIX))).digest("hex");
    const got = await cache.ensureAll([
      { url: `${server.url}/main/linux-64/${SIX}`, sha256: six },
      { url: `${server.url}/main/linux-64/${ZLIB}`, sha256: ZLIB_SHA },
    ]);
    assert.deepEqual(got.map((g) => g.sha256), [six, ZLIB_SHA]);
    await expectPackageError(
      cache.ensureAll([
        { url: `${server.url}/main/linux-64/${ZLIB}`, sha256: ZLIB_SHA },
        { url: `${server.url}/main/linux-64/missing-1-0.conda`, sha256: ZLIB_SHA },
      ]),
      "CG_PACKAGE_DOWNLOAD",
    );
  } finally {
    await server.close();
  }
});

test("the first writable folder of dirs receives packages; a verified copy in a read-only folder is used", { skip: needsShared(`${PKGS}/${ZLIB}`) }, async () => {
  const server = await serveFiles(await channelFiles(ZLIB));
  try {
    const url = `${server.url}/main/linux-64/${ZLIB}`;
    const shared = join(work.path, "ro-shared");
    await new PackageCache({ dirs: [shared] }).ensure({ url, sha256: ZLIB_SHA });
    const blocker = join(work.path, "not-a-dir");
    await writeFile(blocker, "a file where a folder should be");
    const cache = new PackageCache({ dirs: [join(blocker, "pkgs"), shared, join(work.path, "mine")] });
    const hit = await cache.ensure({ url, sha256: ZLIB_SHA });
    assert.equal(hit.fromCache, true);
    assert.equal(hit.extractedDir, join(shared, "zlib-1.2.11-h7b6447c_3"));
    assert.equal(await cache.writableDir(), shared);
    const none = new PackageCache({ dirs: [join(blocker, "x")] });
    await expectPackageError(none.ensure({ url, sha256: ZLIB_SHA }), "CG_PACKAGE_CACHE_UNWRITABLE");
  } finally {
    await server.close();
  }
});

test("two processes ensuring the same package: one downloads, both see a complete folder", { skip: needsShared(`${PKGS}/${SIX}`) }, async () => {
  const body = await readFile(sharedPath(PKGS, SIX));
  const sha = (await import("node:crypto")).createHash("sha256").update(body).digest("hex");
  // A slow server (1.5 s before the first byte), so the second process surely finds the lock taken.
  const server = await serveFiles(new Map(), (_req, res) => {
    setTimeout(() => res.writeHead(200, { "content-length": body.length }) && step(), 1500);
    let offset = 0;
    const step = (): void => {
      if (offset >= body.length) {
        res.end();
        return;
      }
      res.write(body.subarray(offset, offset + 2048));
      offset += 2048;
      setTimeout(step, 25);
    };
    return true;
  });
  try {
    const dir = join(work.path, "two-procs");
    const child = join(dirname(fileURLToPath(import.meta.url)), "_cache_child.js");
    const run = () =>
      new Promise<{ fromCache: boolean; present: number; events: string[]; sha256: string }>((ok, fail) => {
        const p = spawn(process.execPath, [child, dir, `${server.url}/main/linux-64/${SIX}`, sha], { stdio: ["ignore", "pipe", "pipe"] });
        let out = "";
        let errText = "";
        p.stdout.on("data", (c: Buffer) => (out += c.toString()));
        p.stderr.on("data", (c: Buffer) => (errText += c.toString()));
        p.on("close", (code) => (code === 0 ? ok(JSON.parse(out) as never) : fail(new Error(`child failed (${code}): ${errText}`))));
      });
    const [a, b] = await Promise.all([run(), run()]);
    assert.equal(server.seen.length, 1, "downloaded once");
    assert.deepEqual([a.fromCache, b.fromCache].sort(), [false, true]);
    assert.equal(a.present, b.present);
    assert.ok(a.present >= 5, `six lists its files: ${a.present}`);
    assert.equal(a.sha256, sha);
    assert.equal(b.sha256, sha);
    assert.ok([...a.events, ...b.events].includes("waiting-for-lock"), `one waited for the other's lock: ${JSON.stringify([a, b])}`);
    assert.deepEqual((await readdir(dir)).sort(), [SIX, "six-1.15.0-py39h06a4308_0", "urls.txt"].sort());
  } finally {
    await server.close();
  }
});

test("a stale lock left by a dead process is taken over", { skip: needsShared(`${PKGS}/${ZLIB}`) }, async () => {
  const server = await serveFiles(await channelFiles(ZLIB));
  try {
    const dir = join(work.path, "stale");
    await mkdir(join(dir, `${ZLIB}.lock`), { recursive: true });
    const old = new Date(Date.now() - 60_000);
    await (await import("node:fs/promises")).utimes(join(dir, `${ZLIB}.lock`), old, old);
    const got = await new PackageCache({ dirs: [dir] }).ensure({ url: `${server.url}/main/linux-64/${ZLIB}`, sha256: ZLIB_SHA });
    assert.equal(got.fromCache, false);
    assert.ok(!existsSync(join(dir, `${ZLIB}.lock`)));
    const locked = join(work.path, "locked");
    await mkdir(join(locked, `${ZLIB}.lock`), { recursive: true });
    const err = await expectPackageError(
      new PackageCache({ dirs: [locked], lockWaitMs: 300 }).ensure({ url: `${server.url}/main/linux-64/${ZLIB}`, sha256: ZLIB_SHA }),
      "CG_PACKAGE_CACHE_LOCKED",
    );
    assert.match(err.message, /held the cache lock of zlib-1\.2\.11-h7b6447c_3\.conda/);
    await rm(locked, { recursive: true });
  } finally {
    await server.close();
  }
});
