import assert from "node:assert/strict";
import { copyFile, mkdir, readdir, readFile, truncate, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { pathToFileURL } from "node:url";
import { serveDirectory, type StaticServer } from "../../src/channel/index.js";
import type { Channel, PackageRecord } from "../../src/conda/index.js";
import { plainRecord, RepodataError, RepodataGateway, type GatewayProgressEvent } from "../../src/repodata/index.js";
import { LightRecord } from "../../src/repodata/light_record.js";
import { needsShared, sharedPath } from "../helpers/shared_data.js";
import { folderContains, recordIdentities, referenceByName, tempDir } from "./_helpers.js";

const PY39 = "channels/conda-forge-py39";
const STITCH = "channels/eyepatchParrot-conda_stitch";
const SHARDED = "conda-tests/conda_format_repo";
const BASE_URL = "conda-tests/base_url_channel";

/** Channel pointing at a test server, with credentials so we can check they never leak. */
function httpChannel(server: StaticServer, name = "test-channel"): Channel {
  return { name, baseUrl: server.url.replace("http://", "http://user:secret@") };
}

function paths(server: StaticServer): string[] {
  return server.requests.map((r) => r.path);
}

async function rejection(promise: Promise<unknown>): Promise<RepodataError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof RepodataError, `expected a RepodataError, got ${String(err)}`);
    return err;
  }
  assert.fail("expected the call to fail");
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : 0;
  await new Promise<void>((done) => server.close(() => done()));
  return port;
}

describe("HTTP fetch, cache and revalidation (conda-forge-py39)", { skip: needsShared(PY39) }, () => {
  let server: StaticServer;
  let cache: Awaited<ReturnType<typeof tempDir>>;
  const events: GatewayProgressEvent[] = [];

  before(async () => {
    server = await serveDirectory(sharedPath(PY39));
    cache = await tempDir();
  });
  after(async () => {
    await server.close();
    await cache.remove();
  });

  test("cold fetch prefers repodata.json.zst and matches the plain JSON", async () => {
    const gateway = new RepodataGateway({ cacheDir: cache.path, onProgress: (e) => events.push(e) });
    const index = await gateway.subdir(httpChannel(server), "linux-64");
    assert.deepEqual(paths(server), ["/linux-64/repodata_shards.msgpack.zst", "/linux-64/repodata.json.zst"]);
    assert.equal(server.requests[1].status, 200);
    const userAgent = server.requests[1].headers["user-agent"];
    assert.match(String(userAgent), /^condaguard\/\d+\.\d+\.\d+/);
    assert.equal(server.requests[1].headers.authorization, `Basic ${Buffer.from("user:secret").toString("base64")}`);
    const reference = referenceByName(JSON.parse(await readFile(sharedPath(PY39, "linux-64", "repodata.json"), "utf8")));
    assert.deepEqual(new Set(index.names()), new Set(reference.keys()));
    for (const [name, expected] of reference) assert.deepEqual(recordIdentities(await index.records(name)), expected);
    assert.ok(events.some((e) => e.kind === "fetch" && e.url.endsWith("/linux-64/repodata.json.zst") && e.url.includes("***@")));
    assert.ok(events.some((e) => e.kind === "parse"));
  });

  test("a second gateway revalidates with a conditional request and gets 304 without a body", async () => {
    const before = server.requests.length;
    const seen: GatewayProgressEvent[] = [];
    const gateway = new RepodataGateway({ cacheDir: cache.path, onProgress: (e) => seen.push(e) });
    const index = await gateway.subdir(httpChannel(server), "linux-64");
    const requests = server.requests.slice(before);
    assert.equal(requests.length, 1, "only the remembered variant is asked for, no probing");
    assert.equal(requests[0].path, "/linux-64/repodata.json.zst");
    assert.ok(requests[0].headers["if-none-match"] !== undefined || requests[0].headers["if-modified-since"] !== undefined);
    assert.equal(requests[0].status, 304);
    assert.equal(requests[0].bytes, 0);
    assert.deepEqual(seen.map((e) => e.kind), ["revalidated"]);
    assert.ok((await index.records("python")).length > 0);
  });

  test("a platform subdir the channel lacks counts as empty (conda's rule)", async () => {
    const gateway = new RepodataGateway({ cacheDir: cache.path });
    const index = await gateway.subdir(httpChannel(server), "linux-armv7l");
    assert.equal(index.missing, true);
    assert.deepEqual(index.names(), []);
    assert.deepEqual(await index.records("python"), []);
  });

  test("a subdir named in the channel's platforms must exist", async () => {
    const gateway = new RepodataGateway({ cacheDir: cache.path });
    const channel = { ...httpChannel(server), platforms: ["linux-armv7l"] };
    const err = await rejection(gateway.subdir(channel, "linux-armv7l"));
    assert.equal(err.code, "CG_REPODATA_NOT_FOUND");
    assert.match(err.message, /has no subdir linux-armv7l/);
    assert.doesNotMatch(err.message, /secret/);
  });

  test("recursive query follows depends across linux-64 and noarch", async () => {
    const gateway = new RepodataGateway({ cacheDir: cache.path });
    const result = await gateway.query({ channels: [httpChannel(server)], subdirs: ["linux-64", "noarch"], names: ["python"], recursive: true });
    assert.deepEqual([...result.keys()][0], "python");
    for (const name of ["openssl", "pip", "setuptools", "libgcc-ng", "zlib"]) {
      assert.ok((result.get(name)?.length ?? 0) > 0, `${name} reached from python`);
    }
    assert.ok(result.get("pip")?.some((r) => r.subdir === "noarch"));
    const shallow = await gateway.query({ channels: [httpChannel(server)], subdirs: ["linux-64"], names: ["python", "no-such-name"] });
    assert.deepEqual([...shallow.keys()], ["python", "no-such-name"]);
    assert.deepEqual(shallow.get("no-such-name"), []);
  });

  test("offline mode uses the cache and fails clearly without one", async () => {
    const before = server.requests.length;
    const offline = new RepodataGateway({ cacheDir: cache.path, offline: true });
    const index = await offline.subdir(httpChannel(server), "linux-64");
    assert.ok((await index.records("python")).length > 0);
    assert.equal(server.requests.length, before);
    const empty = await tempDir();
    try {
      const err = await rejection(new RepodataGateway({ cacheDir: empty.path, offline: true }).subdir(httpChannel(server), "linux-64"));
      assert.equal(err.code, "CG_REPODATA_OFFLINE");
      assert.match(err.message, /no cached repodata for http:\/\/\*\*\*@127\.0\.0\.1:\d+\/linux-64/);
      assert.ok(err.hint !== undefined && /without --offline/.test(err.hint));
    } finally {
      await empty.remove();
    }
    assert.equal(server.requests.length, before);
  });

  test("credentials never reach the cache folder", async () => {
    assert.deepEqual(await folderContains(cache.path, "secret"), []);
    const states = (await readdir(cache.path)).filter((f) => f.endsWith(".state.json"));
    assert.ok(states.length >= 1);
    const all = await Promise.all(states.map(async (f) => JSON.parse(await readFile(join(cache.path, f), "utf8")) as Record<string, unknown>));
    const state = all.find((s) => s.variant === "zst");
    assert.ok(state !== undefined);
    assert.match(String(state.url), /^http:\/\/\*\*\*@127\.0\.0\.1/);
    assert.equal(typeof state.etag, "string");
    assert.equal(typeof state.sha256, "string");
  });
});

describe("two gateways on one cache folder at once", { skip: needsShared(PY39) }, () => {
  test("both succeed and leave a consistent cache", async () => {
    const server = await serveDirectory(sharedPath(PY39));
    const cache = await tempDir();
    try {
      const query = { channels: [httpChannel(server)], subdirs: ["osx-arm64", "noarch"], names: ["python"], recursive: true };
      const [a, b] = await Promise.all([new RepodataGateway({ cacheDir: cache.path }).query(query), new RepodataGateway({ cacheDir: cache.path }).query(query)]);
      assert.deepEqual([...a.keys()], [...b.keys()]);
      const offline = await new RepodataGateway({ cacheDir: cache.path, offline: true }).query(query);
      assert.deepEqual([...offline.keys()], [...a.keys()]);
      for (const [name, records] of a) assert.deepEqual(offline.get(name), records, name);
      assert.deepEqual((await readdir(cache.path)).filter((f) => f.endsWith(".tmp")), []);
    } finally {
      await server.close();
      await cache.remove();
    }
  });
});

describe("Cache-Control max-age", { skip: needsShared(PY39) }, () => {
  test("no request at all within max-age", async () => {
    const server = await serveDirectory(sharedPath(PY39), { maxAgeSeconds: 3600 });
    const cache = await tempDir();
    try {
      await new RepodataGateway({ cacheDir: cache.path }).subdir(httpChannel(server), "noarch");
      const count = server.requests.length;
      const events: GatewayProgressEvent[] = [];
      const index = await new RepodataGateway({ cacheDir: cache.path, onProgress: (e) => events.push(e) }).subdir(httpChannel(server), "noarch");
      assert.equal(server.requests.length, count);
      assert.deepEqual(events.map((e) => e.kind), ["cache-hit"]);
      assert.ok(index.names().length > 0);
      // An override of 0 forces revalidation even inside the server's max-age.
      await new RepodataGateway({ cacheDir: cache.path, maxAgeOverrideSeconds: 0 }).subdir(httpChannel(server), "noarch");
      assert.equal(server.requests.length, count + 1);
      assert.equal(server.requests[count].status, 304);
    } finally {
      await server.close();
      await cache.remove();
    }
  });
});

describe("binary cache healing through the gateway", { skip: needsShared(PY39) }, () => {
  for (const damage of ["truncate", "flip"] as const) {
    test(`a ${damage}d binary cache is detected and rebuilt`, async () => {
      const server = await serveDirectory(sharedPath(PY39), { maxAgeSeconds: 3600 });
      const cache = await tempDir();
      try {
        const cold = await new RepodataGateway({ cacheDir: cache.path }).subdir(httpChannel(server), "osx-arm64");
        const names = cold.names();
        const expected = await Promise.all(names.map((n) => cold.records(n)));
        const idx = (await readdir(cache.path)).filter((f) => f.endsWith(".idx"));
        assert.equal(idx.length, 1);
        const idxPath = join(cache.path, idx[0]);
        const original = await readFile(idxPath);
        if (damage === "truncate") await truncate(idxPath, Math.floor(original.length / 2));
        else {
          const flipped = Buffer.from(original);
          for (const pos of [Math.floor(flipped.length * 0.6), flipped.length - 10]) flipped[pos] ^= 0xff;
          await writeFile(idxPath, flipped);
        }
        const events: GatewayProgressEvent[] = [];
        const warm = await new RepodataGateway({ cacheDir: cache.path, onProgress: (e) => events.push(e) }).subdir(httpChannel(server), "osx-arm64");
        assert.deepEqual(warm.names().sort(), [...names].sort());
        for (let i = 0; i < names.length; i++) assert.deepEqual(await warm.records(names[i]), expected[i], names[i]);
        assert.ok(events.some((e) => e.kind === "parse"), "rebuilt from the cached JSON");
        assert.deepEqual(await readFile(idxPath), original, "the rebuilt cache equals the first one");
      } finally {
        await server.close();
        await cache.remove();
      }
    });
  }
});

describe("local channels", { skip: needsShared(PY39) }, () => {
  test("file:// URL and plain path give the same records as HTTP", async () => {
    const cache = await tempDir();
    try {
      const root = sharedPath(PY39);
      const byUrl = await new RepodataGateway({ cacheDir: cache.path }).subdir({ name: "local", baseUrl: pathToFileURL(root).href }, "noarch");
      const byPath = await new RepodataGateway({ cacheDir: cache.path }).subdir({ name: "local", baseUrl: root }, "noarch");
      const reference = referenceByName(JSON.parse(await readFile(join(root, "noarch", "repodata.json"), "utf8")));
      for (const [name, expected] of reference) {
        assert.deepEqual(recordIdentities(await byUrl.records(name)), expected);
        assert.deepEqual(recordIdentities(await byPath.records(name)), expected);
      }
      // Local channels are readable offline too.
      const offline = await new RepodataGateway({ cacheDir: cache.path, offline: true }).subdir({ name: "local", baseUrl: root }, "noarch");
      assert.ok(offline.names().length > 0);
    } finally {
      await cache.remove();
    }
  });

  test("a truncated .zst is reported as corrupt", async () => {
    const dir = await tempDir();
    try {
      await mkdir(join(dir.path, "channel", "noarch"), { recursive: true });
      const zst = await readFile(sharedPath(PY39, "noarch", "repodata.json.zst"));
      await writeFile(join(dir.path, "channel", "noarch", "repodata.json.zst"), zst.subarray(0, Math.floor(zst.length / 2)));
      const gateway = new RepodataGateway({ cacheDir: join(dir.path, "cache") });
      const err = await rejection(gateway.subdir({ name: "damaged", baseUrl: join(dir.path, "channel") }, "noarch"));
      assert.equal(err.code, "CG_REPODATA_CORRUPT");
      assert.match(err.message, /zstd data from .*noarch\/repodata\.json\.zst is truncated or corrupt/);
    } finally {
      await dir.remove();
    }
  });

  test("a truncated .bz2 is reported as corrupt", { skip: needsShared(STITCH) }, async () => {
    const dir = await tempDir();
    try {
      await mkdir(join(dir.path, "channel", "noarch"), { recursive: true });
      const bz2 = await readFile(sharedPath(STITCH, "noarch", "repodata.json.bz2"));
      await writeFile(join(dir.path, "channel", "noarch", "repodata.json.bz2"), bz2.subarray(0, Math.floor(bz2.length / 2)));
      const err = await rejection(new RepodataGateway({ cacheDir: join(dir.path, "cache") }).subdir({ name: "damaged", baseUrl: join(dir.path, "channel") }, "noarch"));
      assert.equal(err.code, "CG_REPODATA_CORRUPT");
      assert.match(err.message, /^The bzip2 data from .*noarch\/repodata\.json\.bz2 is truncated or corrupt\.$/);
    } finally {
      await dir.remove();
    }
  });

  const corrupt = "conda-tests/corrupt/json/conda-meta/corrupt-1.2.3-hashhash.json";
  test("corrupt JSON in a local channel names the file and line", { skip: needsShared(corrupt) }, async () => {
    const dir = await tempDir();
    try {
      await mkdir(join(dir.path, "channel", "noarch"), { recursive: true });
      await copyFile(sharedPath(corrupt), join(dir.path, "channel", "noarch", "repodata.json"));
      const err = await rejection(new RepodataGateway({ cacheDir: join(dir.path, "cache") }).subdir({ name: "bad", baseUrl: join(dir.path, "channel") }, "noarch"));
      assert.equal(err.code, "CG_REPODATA_CORRUPT");
      assert.match(err.message, /noarch\/repodata\.json at line 2, column 3/);
      assert.equal(err.line, 2);
    } finally {
      await dir.remove();
    }
  });
});

describe("repodata.json.bz2 (eyepatchParrot-conda_stitch)", { skip: needsShared(STITCH) }, () => {
  test("falls back from .zst to .bz2 and remembers it per channel", async () => {
    const server = await serveDirectory(sharedPath(STITCH));
    const cache = await tempDir();
    try {
      const gateway = new RepodataGateway({ cacheDir: cache.path });
      const linux = await gateway.subdir(httpChannel(server), "linux-64");
      assert.deepEqual(paths(server), ["/linux-64/repodata_shards.msgpack.zst", "/linux-64/repodata.json.zst", "/linux-64/repodata.json.bz2"]);
      const reference = referenceByName(JSON.parse(await readFile(sharedPath(STITCH, "linux-64", "repodata.json"), "utf8")));
      for (const [name, expected] of reference) assert.deepEqual(recordIdentities(await linux.records(name)), expected);
      // The next subdir of the same channel starts with the variant the channel was found to serve.
      await gateway.subdir(httpChannel(server), "noarch");
      assert.deepEqual(paths(server).slice(3), ["/noarch/repodata.json.bz2"]);
    } finally {
      await server.close();
      await cache.remove();
    }
  });
});

describe("a host that answers 200 with a page for files it lacks", { skip: needsShared(STITCH) }, () => {
  test("the compressed variants are skipped while probing", async () => {
    const server = await serveDirectory(sharedPath(STITCH), {
      intercept: (req, res) => {
        if (req.url?.endsWith(".zst") !== true) return false;
        res.setHeader("Content-Type", "text/html");
        res.end("<html><body>Not here</body></html>");
        return true;
      },
    });
    const cache = await tempDir();
    try {
      const index = await new RepodataGateway({ cacheDir: cache.path }).subdir(httpChannel(server), "noarch");
      assert.ok(index.names().length > 0);
      assert.deepEqual(paths(server), ["/noarch/repodata_shards.msgpack.zst", "/noarch/repodata.json.zst", "/noarch/repodata.json.bz2"]);
    } finally {
      await server.close();
      await cache.remove();
    }
  });
});

describe("base_url channel (conda's CHANNEL_DIR_V2)", { skip: needsShared(BASE_URL) }, () => {
  test("download URLs follow info.base_url", async () => {
    const server = await serveDirectory(sharedPath(BASE_URL));
    const cache = await tempDir();
    try {
      const result = await new RepodataGateway({ cacheDir: cache.path }).query({
        channels: [httpChannel(server)],
        subdirs: ["linux-64", "noarch"],
        names: ["ca-certificates"],
      });
      const [record] = result.get("ca-certificates") ?? [];
      assert.equal(record.url, "https://repo.anaconda.com/pkgs/main/linux-64/ca-certificates-2024.3.11-h06a4308_0.conda");
      assert.equal(record.channel, httpChannel(server).baseUrl);
    } finally {
      await server.close();
      await cache.remove();
    }
  });
});

describe("sharded repodata (CEP 16, conda_format_repo)", { skip: needsShared(SHARDED) }, () => {
  test("fetches the shard index and only the shards a query reaches", async () => {
    const server = await serveDirectory(sharedPath(SHARDED));
    const cache = await tempDir();
    try {
      const gateway = new RepodataGateway({ cacheDir: cache.path });
      const index = await gateway.subdir(httpChannel(server), "linux-64");
      assert.deepEqual(index.names().sort(), ["libgcc-ng", "zlib"]);
      assert.equal(index.recordCount, undefined);
      assert.deepEqual(paths(server), ["/linux-64/repodata_shards.msgpack.zst"]);
      const zlib = await index.records("zlib");
      assert.deepEqual(paths(server).slice(1), ["/linux-64/56a0c19b47ba1a2d0f1390eda489b1c49a00d35814571057e6d81e0c93dfd157.msgpack.zst"]);
      const reference = referenceByName(JSON.parse(await readFile(sharedPath(SHARDED, "linux-64", "repodata.json"), "utf8")));
      assert.deepEqual(recordIdentities(zlib), reference.get("zlib"));
      assert.ok(zlib.every((r) => r.url === `${httpChannel(server).baseUrl}/linux-64/${r.fn}`));

      const deep = await gateway.query({ channels: [httpChannel(server)], subdirs: ["linux-64"], names: ["zlib"], recursive: true });
      assert.deepEqual(recordIdentities(deep.get("libgcc-ng") ?? []), reference.get("libgcc-ng"));
      assert.equal(paths(server).filter((p) => p.endsWith(".msgpack.zst")).length, 3);

      // Shards are content-addressed: a new gateway revalidates the index only.
      const before = server.requests.length;
      const again = await new RepodataGateway({ cacheDir: cache.path }).subdir(httpChannel(server), "linux-64");
      assert.deepEqual((await again.records("zlib")).map((r) => r.sha256), zlib.map((r) => r.sha256));
      assert.deepEqual(server.requests.slice(before).map((r) => [r.path, r.status]), [["/linux-64/repodata_shards.msgpack.zst", 304]]);
      assert.deepEqual(await folderContains(cache.path, "secret"), []);
    } finally {
      await server.close();
      await cache.remove();
    }
  });

  test("a shard whose bytes do not match its hash is refused", async () => {
    const server = await serveDirectory(sharedPath(SHARDED), {
      intercept: (req, res) => {
        if (req.url?.startsWith("/linux-64/56a0") !== true) return false;
        res.end(Buffer.from("not the shard"));
        return true;
      },
    });
    const cache = await tempDir();
    try {
      const index = await new RepodataGateway({ cacheDir: cache.path }).subdir(httpChannel(server), "linux-64");
      const err = await rejection(index.records("zlib"));
      assert.equal(err.code, "CG_REPODATA_CORRUPT");
      assert.match(err.message, /does not match its sha256/);
    } finally {
      await server.close();
      await cache.remove();
    }
  });
});

describe("errors", () => {
  test("connection refused -> CG_REPODATA_UNREACHABLE naming the redacted URL", async () => {
    const port = await closedPort();
    const cache = await tempDir();
    try {
      const gateway = new RepodataGateway({ cacheDir: cache.path, retries: 1, retryDelayMs: 1 });
      const err = await rejection(gateway.subdir({ name: "down", baseUrl: `http://user:secret@127.0.0.1:${port}/ch` }, "noarch"));
      assert.equal(err.code, "CG_REPODATA_UNREACHABLE");
      assert.match(err.message, new RegExp(`^Cannot reach http://\\*\\*\\*@127\\.0\\.0\\.1:${port}/ch/noarch/repodata_shards\\.msgpack\\.zst: connection refused \\(2 attempts\\)\\.$`));
      assert.equal(err.exitCode, 2);
      assert.match(err.hint ?? "", /check the channel URL/i);
      assert.match(err.hint ?? "", /--offline/);
      assert.doesNotMatch(JSON.stringify(err.toJSON()), /secret/);
    } finally {
      await cache.remove();
    }
  });

  test("a server that stops answering times out -> CG_REPODATA_UNREACHABLE", { skip: needsShared(PY39) }, async () => {
    const server = await serveDirectory(sharedPath(PY39), {
      intercept: (req) => req.url?.startsWith("/noarch/") === true, // never answers
    });
    const cache = await tempDir();
    try {
      const gateway = new RepodataGateway({ cacheDir: cache.path, retries: 0, timeoutMs: 200 });
      const err = await rejection(gateway.subdir(httpChannel(server), "noarch"));
      assert.equal(err.code, "CG_REPODATA_UNREACHABLE");
      assert.match(err.message, /timed out/);
    } finally {
      await server.close();
      await cache.remove();
    }
  });

  for (const status of [401, 403]) {
    test(`HTTP ${status} -> CG_REPODATA_AUTH`, { skip: needsShared(PY39) }, async () => {
      const server = await serveDirectory(sharedPath(PY39), {
        intercept: (_req, res) => {
          res.statusCode = status;
          res.end("denied");
          return true;
        },
      });
      const cache = await tempDir();
      try {
        const err = await rejection(new RepodataGateway({ cacheDir: cache.path }).subdir(httpChannel(server), "noarch"));
        assert.equal(err.code, "CG_REPODATA_AUTH");
        assert.match(err.message, new RegExp(`HTTP ${status}`));
        assert.match(err.hint ?? "", /credentials/);
        assert.doesNotMatch(err.message + (err.hint ?? ""), /secret/);
        assert.equal(server.requests.length, 1, "authentication errors are not retried");
      } finally {
        await server.close();
        await cache.remove();
      }
    });
  }

  test("5xx is retried, then succeeds", { skip: needsShared(PY39) }, async () => {
    let failures = 2;
    const server = await serveDirectory(sharedPath(PY39), {
      intercept: (req, res) => {
        if (req.url !== "/noarch/repodata.json.zst" || failures === 0) return false;
        failures--;
        res.statusCode = 503;
        res.end();
        return true;
      },
    });
    const cache = await tempDir();
    try {
      const index = await new RepodataGateway({ cacheDir: cache.path, retryDelayMs: 1 }).subdir(httpChannel(server), "noarch");
      assert.ok(index.names().length > 0);
      assert.deepEqual(
        server.requests.filter((r) => r.path === "/noarch/repodata.json.zst").map((r) => r.status),
        [503, 503, 200],
      );
    } finally {
      await server.close();
      await cache.remove();
    }
  });

  const corrupt = "conda-tests/corrupt/json/conda-meta/corrupt-1.2.3-hashhash.json";
  test("a bad body served over HTTP -> CG_REPODATA_CORRUPT naming the URL; nothing is cached", { skip: needsShared(corrupt) }, async () => {
    const body = await readFile(sharedPath(corrupt));
    const server = await serveDirectory(sharedPath(PY39), {
      intercept: (req, res) => {
        if (req.url !== "/noarch/repodata.json.zst") return false;
        res.statusCode = 404;
        res.end();
        return true;
      },
    });
    const plain = await serveDirectory(sharedPath(PY39), {
      intercept: (req, res) => {
        if (req.url !== "/noarch/repodata.json") {
          res.statusCode = 404;
          res.end();
          return true;
        }
        res.end(body);
        return true;
      },
    });
    const cache = await tempDir();
    try {
      const err = await rejection(new RepodataGateway({ cacheDir: cache.path }).subdir(httpChannel(plain), "noarch"));
      assert.equal(err.code, "CG_REPODATA_CORRUPT");
      assert.match(err.message, /^Invalid JSON in repodata http:\/\/\*\*\*@127\.0\.0\.1:\d+\/noarch\/repodata\.json at line 2, column 3/);
      assert.deepEqual((await readdir(cache.path)).filter((f) => f.endsWith(".state.json")), []);
    } finally {
      await server.close();
      await plain.close();
      await cache.remove();
    }
  });

  const notAChannel = "conda-tests/repodata";
  test("a URL without noarch is not a channel -> CG_REPODATA_NOT_FOUND", { skip: needsShared(notAChannel) }, async () => {
    const server = await serveDirectory(sharedPath(notAChannel));
    const cache = await tempDir();
    try {
      const err = await rejection(new RepodataGateway({ cacheDir: cache.path }).subdir(httpChannel(server, "not-a-channel"), "noarch"));
      assert.equal(err.code, "CG_REPODATA_NOT_FOUND");
      assert.match(err.message, /^Channel not-a-channel has no noarch subdir/);
    } finally {
      await server.close();
      await cache.remove();
    }
  });
});

describe("plain repodata.json cache (offsets index into the cached JSON)", { skip: needsShared(PY39) }, () => {
  test("a warm gateway reads every name from the cached file as the cold one parsed it; a replaced file is rebuilt", async () => {
    // Only repodata.json is served, so the cache keeps the JSON itself and a warm start reads records from it by offset.
    const dir = await tempDir();
    try {
      for (const subdir of ["linux-64", "noarch"]) {
        await mkdir(join(dir.path, "channel", subdir), { recursive: true });
        await copyFile(sharedPath(PY39, subdir, "repodata.json"), join(dir.path, "channel", subdir, "repodata.json"));
      }
      const server = await serveDirectory(join(dir.path, "channel"), { maxAgeSeconds: 3600 });
      try {
        const cacheDir = join(dir.path, "cache");
        // Keys for the solver are kept for any size here (by default only for JSON of 8 MiB and more).
        const cold = await new RepodataGateway({ cacheDir, recordKeysMinBytes: 0 }).subdir(httpChannel(server), "linux-64");
        const names = cold.names();
        const expected = await Promise.all(names.map((n) => cold.records(n)));
        const reference = referenceByName(JSON.parse(await readFile(sharedPath(PY39, "linux-64", "repodata.json"), "utf8")));
        for (const [name, records] of reference) assert.deepEqual(recordIdentities(await cold.records(name)), records, name);

        const events: GatewayProgressEvent[] = [];
        const warm = await new RepodataGateway({ cacheDir, onProgress: (e) => events.push(e) }).subdir(httpChannel(server), "linux-64");
        assert.deepEqual(events.map((e) => e.kind), ["cache-hit"], "no download, no parse");
        assert.deepEqual(warm.names(), names);
        for (let i = 0; i < names.length; i++) assert.deepEqual(await warm.records(names[i]), expected[i], names[i]);

        // The cached JSON rewritten under an open index (same bytes, new file): detected, rebuilt, same answers.
        const again = await new RepodataGateway({ cacheDir, recordKeysMinBytes: 0 }).subdir(httpChannel(server), "linux-64");
        const json = (await readdir(cacheDir)).filter((f) => /^[0-9a-f]{16}\.json$/.test(f));
        assert.ok(json.length >= 1);
        for (const f of json) {
          const bytes = await readFile(join(cacheDir, f));
          await writeFile(join(cacheDir, `${f}.new`), bytes);
          await copyFile(join(cacheDir, `${f}.new`), join(cacheDir, f));
        }
        assert.deepEqual(await again.records("python"), expected[names.indexOf("python")]);

        // The solver's lookup over a warm cache: light records that hand out the same plain records.
        const lookup = await new RepodataGateway({ cacheDir, recordKeysMinBytes: 0 }).lookup({ channels: [httpChannel(server)], subdirs: ["linux-64"] });
        if (lookup === undefined) throw new Error("a plain repodata.json cache answers synchronously");
        let light = 0;
        for (let i = 0; i < names.length; i++) {
          const got: PackageRecord[] = lookup(names[i]);
          light += got.filter((r) => r instanceof LightRecord).length;
          assert.deepEqual(got.map(plainRecord), expected[i], names[i]);
        }
        assert.ok(light > 0.9 * expected.flat().length, `${light} light records`);

        // The same records as slots of the keys: in the same order, the same objects where a record was made.
        let keyedSlots = 0;
        for (let i = 0; i < names.length; i++) {
          const segments = lookup.keyed(names[i]);
          assert.equal(segments.length, 1, "one segment per subdir");
          const [segment] = segments;
          keyedSlots += segment.entries.filter((e) => e >= 0).length;
          assert.deepEqual(segment.records(), lookup(names[i]), names[i]);
          assert.deepEqual(segment.records().map(plainRecord), expected[i], names[i]);
        }
        assert.equal(keyedSlots, light, "every light record is a slot");
        assert.deepEqual(lookup.keyed("no-such-package")[0].entries, new Int32Array(0));
      } finally {
        await server.close();
      }
    } finally {
      await dir.remove();
    }
  });
});
