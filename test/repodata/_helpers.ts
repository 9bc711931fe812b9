// Shared helpers of the repodata tests: temp folders, real-data comparisons.
import { readdirSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { PackageRecord } from "../../src/conda/index.js";

export async function tempDir(prefix = "cg-repodata-"): Promise<{ path: string; remove: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

/** Every `.json` file under `dir`, recursively (the real repodata in ../shared/data among them). */
export function jsonFilesUnder(dir: string, out: string[] = []): string[] {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, e.name);
    if (e.isDirectory()) jsonFilesUnder(full, out);
    else if (e.name.endsWith(".json")) out.push(full);
  }
  return out;
}

/** Records of every name of a repodata.json, straight from one JSON.parse: the reference the lazy index must match. */
export function referenceByName(doc: unknown): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  const d = doc as Record<string, Record<string, Record<string, unknown>> | undefined>;
  for (const key of ["packages", "packages.conda"]) {
    for (const [fn, raw] of Object.entries(d[key] ?? {})) {
      if (typeof raw !== "object" || raw === null || typeof raw.name !== "string") continue;
      let set = out.get(raw.name);
      if (set === undefined) out.set(raw.name, (set = new Set()));
      set.add(identity(fn, raw.sha256, raw.md5));
    }
  }
  return out;
}

function identity(fn: string, sha256: unknown, md5: unknown): string {
  return `${fn} ${typeof sha256 === "string" ? sha256 : "-"} ${typeof md5 === "string" ? md5 : "-"}`;
}

export function recordIdentities(records: readonly PackageRecord[]): Set<string> {
  return new Set(records.map((r) => identity(r.fn, r.sha256, r.md5)));
}

/** Every file under a folder, recursively. */
export async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await listFiles(full)));
    else out.push(full);
  }
  return out;
}

/** True when any file under `dir` contains `needle` (bytes compared as latin1, so binary files count too). */
export async function folderContains(dir: string, needle: string): Promise<string[]> {
  const hits: string[] = [];
  for (const file of await listFiles(dir)) {
    if ((await readFile(file)).toString("latin1").includes(needle) || file.includes(needle)) hits.push(file);
  }
  return hits;
}
