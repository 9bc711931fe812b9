// Shared helpers of the package tests: temp folders, error checks, archives built at run time.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PackageError, buildTarZst, writeCondaArchive, type PackageErrorCode, type TarEntrySpec } from "../../src/package/index.js";

export async function tempDir(prefix = "cg-package-"): Promise<{ path: string; remove: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

/** Awaits `work` and checks it failed with a PackageError of `code`; returns it for more checks. */
export async function expectPackageError(work: Promise<unknown>, code: PackageErrorCode): Promise<PackageError> {
  try {
    await work;
  } catch (err) {
    assert.ok(err instanceof PackageError, `expected a PackageError ${code}, got ${String(err)}`);
    assert.equal(err.code, code, `expected ${code}, got ${err.code}: ${err.message}`);
    assert.ok(err.hint !== undefined && err.hint.length > 0, "every package error carries a hint");
    return err;
  }
  assert.fail(`expected ${code}, but it succeeded`);
}

/** Every path (relative, sorted) under a folder, folders marked with a trailing slash. */
export async function listTree(dir: string): Promise<string[]> {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const e of await readdir(dir, { recursive: true, withFileTypes: true })) {
    const rel = join(e.parentPath ?? (e as unknown as { path: string }).path, e.name).slice(dir.length + 1);
    out.push(e.isDirectory() ? `${rel}/` : rel);
  }
  return out.sort();
}

/** A minimal valid info tar (index.json) for wrapping hostile payload tars in a .conda. */
export function infoEntries(name = "hostile"): TarEntrySpec[] {
  return [{ name: "info/index.json", data: JSON.stringify({ name, version: "1.0", build: "0", build_number: 0, depends: [] }) }];
}

/** Writes `<dir>/<name>-1.0-0.conda` whose pkg member is exactly `payload` (tar entries or an already compressed tar.zst). */
export async function hostileConda(dir: string, name: string, payload: TarEntrySpec[] | Buffer): Promise<string> {
  await mkdir(dir, { recursive: true });
  const outPath = join(dir, `${name}-1.0-0.conda`);
  await writeCondaArchive({
    outPath,
    infoTarZst: await buildTarZst(infoEntries(name)),
    pkgTarZst: Buffer.isBuffer(payload) ? payload : await buildTarZst(payload),
  });
  return outPath;
}

/** One request the test server saw. */
export interface SeenRequest {
  path: string;
  range: string | undefined;
  authorization: string | undefined;
}

/**
 * A tiny HTTP server on 127.0.0.1 serving in-memory files with byte ranges.
 * `behave` may answer a request itself (500s, dropped connections) and
 * returns true when it did.
 */
export async function serveFiles(
  files: Map<string, Buffer>,
  behave?: (req: import("node:http").IncomingMessage, res: import("node:http").ServerResponse, seen: SeenRequest[]) => boolean,
): Promise<{ url: string; seen: SeenRequest[]; close: () => Promise<void> }> {
  const { createServer } = await import("node:http");
  const seen: SeenRequest[] = [];
  const server = createServer((req, res) => {
    const path = decodeURIComponent((req.url ?? "/").split("?")[0]);
    seen.push({ path, range: req.headers.range, authorization: req.headers.authorization });
    if (behave?.(req, res, seen) === true) return;
    const body = files.get(path);
    if (body === undefined) {
      res.writeHead(404).end("not found");
      return;
    }
    const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? "");
    if (m !== null) {
      const start = Number(m[1]);
      if (start >= body.length) {
        res.writeHead(416, { "content-range": `bytes */${body.length}` }).end();
        return;
      }
      res.writeHead(206, { "content-length": body.length - start, "content-range": `bytes ${start}-${body.length - 1}/${body.length}`, etag: '"v1"' });
      res.end(body.subarray(start));
      return;
    }
    res.writeHead(200, { "content-length": body.length, etag: '"v1"' });
    res.end(body);
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  const port = (server.address() as import("node:net").AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    close: () =>
      new Promise<void>((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}
