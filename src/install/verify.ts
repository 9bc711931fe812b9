// Checks a prefix against its conda-meta records (and optionally a lock):
// every recorded file present with its size and sha256, nothing unrecorded,
// no packages that differ from the lock, no Python distributions that pip
// put there without the lock saying so.
import { lstatSync, readdirSync, readFileSync, readlinkSync, statSync, type Stats } from "node:fs";
import { join, posix, resolve } from "node:path";
import { hashFiles } from "./hash_pool.js";
import { TXN_DIR_PREFIX } from "./journal.js";
import { distName, readPrefix } from "./prefix_records.js";
import type { PathsDataEntry } from "./types.js";

/** A locked package as lockfiles describe it (conda-lock v1 `package` entries fit). */
export interface LockedPackageLike {
  name: string;
  version: string;
  build?: string;
  sha256?: string;
  url?: string;
  /** `conda` (default) or `pip`. */
  manager?: string;
}

export type VerifyIssueKind =
  | "missing"
  | "modified"
  | "unexpected"
  | "lock-missing"
  | "lock-extra"
  | "lock-mismatch"
  | "pip-installed";

export interface VerifyIssue {
  kind: VerifyIssueKind;
  /** Prefix-relative path, for file issues. */
  path?: string;
  /** name-version-build (or the Python distribution's name-version for pip). */
  package?: string;
  expected?: string;
  actual?: string;
  detail: string;
}

export interface VerifyReport {
  prefix: string;
  packages: number;
  checkedFiles: number;
  hashedBytes: number;
  issues: VerifyIssue[];
  summary: Record<VerifyIssueKind, number> & { total: number };
}

export interface VerifyOptions {
  lock?: LockedPackageLike[];
  /** Hashing threads (default: the machine's cores). */
  concurrency?: number;
}

const KINDS: VerifyIssueKind[] = ["missing", "modified", "unexpected", "lock-missing", "lock-extra", "lock-mismatch", "pip-installed"];

function lstatOrUndefined(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch {
    return undefined;
  }
}

/** PEP 503 name normalisation, to match pip distribution names with lock entries. */
function normaliseDistName(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, "-");
}

/** Skipped by the unexpected-files walk: conda's own metadata and our transaction folders. */
function ignoredTop(rel: string): boolean {
  return rel === "conda-meta" || rel.startsWith(TXN_DIR_PREFIX);
}

function walkFiles(root: string, rel: string, out: string[]): void {
  let entries;
  try {
    entries = readdirSync(join(root, rel), { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) {
    const r = rel === "" ? e.name : `${rel}/${e.name}`;
    if (rel === "" && ignoredTop(r)) continue;
    if (e.isDirectory()) walkFiles(root, r, out);
    else out.push(r);
  }
}

interface PipDist {
  dir: string;
  name: string;
  version: string;
  installer: string | undefined;
  /** Prefix paths its RECORD lists. */
  files: string[];
}

function sitePackagesDirs(prefix: string): string[] {
  const out: string[] = [];
  for (const lib of ["lib", "Lib"]) {
    const st = lstatOrUndefined(join(prefix, lib));
    if (st === undefined || !st.isDirectory()) continue;
    if (lib === "Lib") out.push("Lib/site-packages");
    for (const name of readdirSync(join(prefix, lib))) if (/^python\d/.test(name)) out.push(`${lib}/${name}/site-packages`);
  }
  return out.filter((d) => lstatOrUndefined(join(prefix, d))?.isDirectory() === true);
}

function readDists(prefix: string): PipDist[] {
  const out: PipDist[] = [];
  for (const sp of sitePackagesDirs(prefix)) {
    for (const name of readdirSync(join(prefix, sp))) {
      const m = /^(.+?)-([^-]+?)(?:-py[\d.]+(?:-[^-]+)?)?\.(dist-info|egg-info)$/.exec(name);
      if (m === null) continue;
      const dir = `${sp}/${name}`;
      let installer: string | undefined;
      try {
        installer = readFileSync(join(prefix, dir, "INSTALLER"), "utf8").trim();
      } catch {
        installer = undefined;
      }
      const files: string[] = [];
      try {
        for (const line of readFileSync(join(prefix, dir, m[3] === "dist-info" ? "RECORD" : "installed-files.txt"), "utf8").split(/\r?\n/)) {
          const path = (m[3] === "dist-info" ? line.split(",")[0] : line).trim().replace(/^"|"$/g, "");
          if (path === "") continue;
          const base = m[3] === "dist-info" ? sp : dir;
          files.push(posix.normalize(posix.join(base, path)));
        }
      } catch {
        // no RECORD: only the metadata folder itself is attributed
      }
      out.push({ dir, name: m[1], version: m[2], installer, files });
    }
  }
  return out;
}

/** Verifies every file of every conda-meta record of `prefix`; the report is plain JSON. */
export async function verifyPrefix(prefixPath: string, options: VerifyOptions = {}): Promise<VerifyReport> {
  const prefix = resolve(prefixPath);
  const records = await readPrefix(prefix);
  const issues: VerifyIssue[] = [];
  const claimed = new Set<string>();
  const hashJobs: Array<{ path: string; expected: string; size: number; dist: string; rel: string }> = [];
  let checkedFiles = 0;

  const byPath = new Map<string, PathsDataEntry>();
  for (const record of records) for (const p of record.paths_data.paths) byPath.set(p._path, p);
  for (const record of records) {
    const dist = distName(record);
    const entries = new Map<string, PathsDataEntry>();
    for (const p of record.paths_data.paths) entries.set(p._path, p);
    for (const f of record.files) if (!entries.has(f)) entries.set(f, { _path: f, path_type: "hardlink" });
    for (const entry of entries.values()) {
      const rel = entry._path;
      claimed.add(rel);
      checkedFiles++;
      const full = join(prefix, rel);
      const st = lstatOrUndefined(full);
      if (st === undefined) {
        issues.push({ kind: "missing", path: rel, package: dist, detail: `${rel} of ${dist} is missing` });
        continue;
      }
      switch (entry.path_type) {
        case "directory":
          if (!st.isDirectory()) issues.push({ kind: "modified", path: rel, package: dist, detail: `${rel} of ${dist} should be a folder` });
          continue;
        case "softlink": {
          if (!st.isSymbolicLink()) {
            issues.push({ kind: "modified", path: rel, package: dist, detail: `${rel} of ${dist} should be a symbolic link` });
            continue;
          }
          const target = readlinkSync(full);
          const resolved = posix.normalize(posix.join(posix.dirname(rel), target));
          if (posix.isAbsolute(target) || resolved.startsWith("../")) {
            issues.push({ kind: "modified", path: rel, package: dist, actual: target, detail: `${rel} of ${dist} now points outside the prefix (${target})` });
            continue;
          }
          // paths.json gives a softlink the digest of the file it points to.
          let targetStat: Stats | undefined;
          try {
            targetStat = statSync(full);
          } catch {
            targetStat = undefined;
          }
          if (entry.sha256 !== undefined && targetStat?.isFile() === true) {
            // When the target had its placeholder replaced, what is on disk is its sha256_in_prefix.
            const targetEntry = byPath.get(posix.normalize(posix.join(posix.dirname(rel), target)));
            const expected = targetEntry?.sha256 === entry.sha256 ? (targetEntry.sha256_in_prefix ?? entry.sha256) : entry.sha256;
            hashJobs.push({ path: full, expected, size: targetStat.size, dist, rel });
          }
          continue;
        }
        case "pyc_file":
        case "unix_python_entry_point":
        case "windows_python_entry_point_script":
        case "windows_python_entry_point_exe":
          // conda records no digest for generated files; present as a regular file is all we can check.
          if (!st.isFile()) issues.push({ kind: "modified", path: rel, package: dist, detail: `${rel} of ${dist} should be a regular file` });
          continue;
        default: {
          if (!st.isFile()) {
            issues.push({ kind: "modified", path: rel, package: dist, detail: `${rel} of ${dist} should be a regular file` });
            continue;
          }
          const expected = entry.sha256_in_prefix ?? entry.sha256;
          // size_in_bytes is the package's size; a replaced placeholder changes it.
          const expectSize = entry.sha256_in_prefix === undefined && entry.prefix_placeholder === undefined ? entry.size_in_bytes : undefined;
          if (expectSize !== undefined && expectSize !== st.size) {
            issues.push({ kind: "modified", path: rel, package: dist, expected: `${expectSize} bytes`, actual: `${st.size} bytes`, detail: `${rel} of ${dist} changed size` });
            continue;
          }
          if (expected !== undefined) hashJobs.push({ path: full, expected, size: st.size, dist, rel });
        }
      }
    }
  }

  const digests = await hashFiles(
    hashJobs.map((j) => j.path),
    { concurrency: options.concurrency, sizes: hashJobs.map((j) => j.size) },
  );
  let hashedBytes = 0;
  hashJobs.forEach((job, i) => {
    const d = digests[i];
    hashedBytes += d.size ?? 0;
    if (d.error !== undefined) {
      issues.push({ kind: "missing", path: job.rel, package: job.dist, detail: `${job.rel} of ${job.dist} cannot be read (${d.error})` });
    } else if (d.sha256 !== job.expected) {
      issues.push({ kind: "modified", path: job.rel, package: job.dist, expected: job.expected, actual: d.sha256, detail: `${job.rel} of ${job.dist} does not match its sha256` });
    }
  });

  // Python distributions: claimed by a conda record, explained by the lock, or installed by pip.
  const pipLocked = new Map<string, LockedPackageLike>();
  for (const l of options.lock ?? []) if (l.manager === "pip") pipLocked.set(normaliseDistName(l.name), l);
  const pipOwned = new Set<string>();
  for (const dist of readDists(prefix)) {
    const recorded = [...claimed].some((p) => p === dist.dir || p.startsWith(`${dist.dir}/`));
    const byConda = recorded && (dist.installer === undefined || dist.installer === "conda");
    if (byConda) continue;
    for (const f of dist.files) pipOwned.add(f);
    pipOwned.add(dist.dir);
    const locked = pipLocked.get(normaliseDistName(dist.name));
    if (locked !== undefined && (locked.version === dist.version || locked.version === "")) continue;
    issues.push({
      kind: "pip-installed",
      path: dist.dir,
      package: `${dist.name}-${dist.version}`,
      actual: dist.installer,
      detail: `${dist.name} ${dist.version} in ${dist.dir} was installed by ${dist.installer ?? "an unknown installer"}${recorded ? " over a conda package" : ""} and no lock entry explains it`,
    });
  }

  const onDisk: string[] = [];
  walkFiles(prefix, "", onDisk);
  for (const rel of onDisk) {
    if (claimed.has(rel)) continue;
    if (pipOwned.has(rel) || [...ancestorsOf(rel)].some((a) => pipOwned.has(a))) continue;
    issues.push({ kind: "unexpected", path: rel, detail: `${rel} belongs to no installed package` });
  }

  if (options.lock !== undefined) {
    const installed = new Map(records.map((r) => [r.name, r] as const));
    const lockedConda = options.lock.filter((l) => (l.manager ?? "conda") === "conda");
    const lockedNames = new Set(lockedConda.map((l) => l.name));
    for (const l of lockedConda) {
      const r = installed.get(l.name);
      const want = `${l.name}-${l.version}${l.build === undefined ? "" : `-${l.build}`}`;
      if (r === undefined) {
        issues.push({ kind: "lock-missing", package: want, detail: `${want} is in the lock but not installed` });
        continue;
      }
      const diffs: string[] = [];
      if (r.version !== l.version) diffs.push(`version ${r.version} (lock: ${l.version})`);
      if (l.build !== undefined && r.build !== l.build) diffs.push(`build ${r.build} (lock: ${l.build})`);
      if (l.sha256 !== undefined && r.sha256 !== undefined && r.sha256 !== l.sha256) diffs.push(`sha256 ${r.sha256} (lock: ${l.sha256})`);
      if (l.sha256 !== undefined && r.sha256 === undefined) diffs.push("no sha256 recorded");
      if (diffs.length > 0) {
        issues.push({ kind: "lock-mismatch", package: distName(r), expected: want, actual: distName(r), detail: `${r.name} differs from the lock: ${diffs.join(", ")}` });
      }
    }
    for (const r of records) {
      if (!lockedNames.has(r.name)) issues.push({ kind: "lock-extra", package: distName(r), detail: `${distName(r)} is installed but not in the lock` });
    }
  }

  const summary = Object.fromEntries(KINDS.map((k) => [k, 0])) as VerifyReport["summary"];
  for (const i of issues) summary[i.kind]++;
  summary.total = issues.length;
  return { prefix, packages: records.length, checkedFiles, hashedBytes, issues, summary };
}

function* ancestorsOf(rel: string): Generator<string> {
  for (let i = rel.lastIndexOf("/"); i > 0; i = rel.lastIndexOf("/", i - 1)) yield rel.slice(0, i);
}

