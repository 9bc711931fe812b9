import { mkdir, readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { InstallError } from "./errors.js";
import type { InstallRecord, PathsDataEntry, PrefixRecord } from "./types.js";

/** `name-version-build`, conda's "dist" string. */
export function distName(record: Pick<InstallRecord, "name" | "version" | "build">): string {
  return `${record.name}-${record.version}-${record.build}`;
}

/** The conda-meta file name of a record: `name-version-build.json`. */
export function recordFileName(record: Pick<InstallRecord, "name" | "version" | "build">): string {
  return `${distName(record)}.json`;
}

function sortKeysDeep(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeysDeep);
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) out[key] = sortKeysDeep(v);
    }
    return out;
  }
  return value;
}

/**
 * JSON as conda writes conda-meta files (Python's `json.dumps` with
 * `indent=2, sort_keys=True`): keys sorted at every level, non-ASCII as
 * `\uXXXX`, no trailing newline. Matching it byte for byte keeps diffs quiet.
 */
export function condaJson(value: unknown): string {
  return JSON.stringify(sortKeysDeep(value), null, 2).replace(
    /[\u007f-\uffff]/g,
    (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Checks the shape of one parsed conda-meta record; throws naming the file. */
export function parsePrefixRecord(text: string, file: string): PrefixRecord {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new InstallError("CG_INSTALL_CORRUPT_PREFIX", `Corrupt conda-meta record ${file}: ${(err as Error).message}`, {
      file,
      cause: err,
    });
  }
  const bad = (what: string): InstallError =>
    new InstallError("CG_INSTALL_CORRUPT_PREFIX", `Corrupt conda-meta record ${file}: ${what}`, { file });
  if (!isObject(doc)) throw bad("not a JSON object");
  for (const key of ["name", "version", "build"]) {
    if (typeof doc[key] !== "string" || doc[key] === "") throw bad(`missing "${key}"`);
  }
  const files = doc.files ?? [];
  if (!Array.isArray(files) || files.some((f) => typeof f !== "string")) throw bad(`"files" is not a list of paths`);
  let paths: PathsDataEntry[] = [];
  let pathsVersion = 1;
  if (doc.paths_data !== undefined) {
    if (!isObject(doc.paths_data) || !Array.isArray(doc.paths_data.paths)) throw bad(`"paths_data.paths" is not a list`);
    for (const entry of doc.paths_data.paths) {
      if (!isObject(entry) || typeof entry._path !== "string" || typeof entry.path_type !== "string") {
        throw bad(`a "paths_data" entry lacks "_path" or "path_type"`);
      }
    }
    paths = doc.paths_data.paths as unknown as PathsDataEntry[];
    if (typeof doc.paths_data.paths_version === "number") pathsVersion = doc.paths_data.paths_version;
  } else {
    // Records from conda < 4.3 have only `files`; treat each as a hard link.
    paths = (files as string[]).map((f) => ({ _path: f, path_type: "hardlink" }));
  }
  return { ...(doc as unknown as PrefixRecord), files: files as string[], paths_data: { paths, paths_version: pathsVersion } };
}

/** Reads every `conda-meta/*.json` of a prefix (an absent conda-meta means no packages), sorted by name. */
export async function readPrefix(prefix: string): Promise<PrefixRecord[]> {
  const dir = join(prefix, "conda-meta");
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw new InstallError("CG_INSTALL_IO", `Cannot read ${dir}: ${(err as Error).message}`, { file: dir, cause: err });
  }
  const records: PrefixRecord[] = [];
  for (const name of names.sort()) {
    if (!name.endsWith(".json") || name.startsWith(".")) continue;
    const file = join(dir, name);
    records.push(parsePrefixRecord(await readFile(file, "utf8"), file));
  }
  const seen = new Map<string, string>();
  for (const r of records) {
    const other = seen.get(r.name);
    if (other !== undefined) {
      throw new InstallError(
        "CG_INSTALL_CORRUPT_PREFIX",
        `Two conda-meta records for package ${r.name} in ${dir}: ${other} and ${recordFileName(r)}`,
        { file: join(dir, recordFileName(r)) },
      );
    }
    seen.set(r.name, recordFileName(r));
  }
  return records.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Ensures `<prefix>/conda-meta` exists. */
export async function ensureCondaMeta(prefix: string): Promise<string> {
  const dir = join(prefix, "conda-meta");
  await mkdir(dir, { recursive: true });
  return dir;
}
