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
