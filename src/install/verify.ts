// Checks a prefix against its conda-meta records (and optionally a lock):
// every recorded file present with its size and sha256, nothing unrecorded,
// no packages that differ from the lock, no Python distributions that pip
// put there without the lock saying so.
import { lstatSync, readdirSync, readFileSync, readlinkSync, statSync, type Stats } from "node:fs";
import { join, posix, resolve } from "node:path";
import { defaultHashThreads, HashPool, type HashJob, type HashJobResult } from "./hash_pool.js";
import { readJournal, TXN_DIR_PREFIX } from "./journal.js";
import { distName, parsePrefixRecord } from "./prefix_records.js";
import type { PathsDataEntry, PrefixRecord } from "./types.js";

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
  /** Set when a transaction's journal is in the prefix: one is running, or was interrupted (run recoverPrefix). */
  uncommittedTransaction?: string;
}

export interface VerifyOptions {
  lock?: LockedPackageLike[];
  /** Worker threads for hashing, besides the calling thread (default: cores - 1). */
  concurrency?: number;
}

/** Path types conda-meta gives no file digest for (checked by type, or via their target). */
const NON_FILE_TYPES = new Set(["directory", "softlink", "pyc_file", "unix_python_entry_point", "windows_python_entry_point_script", "windows_python_entry_point_exe"]);

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
  // Started first, so the threads boot while the records are read.
  const pool = new HashPool(options.concurrency ?? defaultHashThreads());
  try {
    return await verifyWith(pool, prefix, options);
  } finally {
    await pool.close();
  }
}

type Job = HashJob & { expected: string; dist: string; rel: string };

/** Checks one recorded path that is not hashed as a plain file (links, folders, generated files). */
function checkOther(entry: PathsDataEntry, prefix: string, dist: string, byPath: Map<string, PathsDataEntry>, issues: VerifyIssue[], jobs: Job[]): void {
  const rel = entry._path;
  const full = join(prefix, rel);
  const st = lstatOrUndefined(full);
  if (st === undefined) {
    issues.push({ kind: "missing", path: rel, package: dist, detail: `${rel} of ${dist} is missing` });
    return;
  }
  if (entry.path_type === "directory") {
    if (!st.isDirectory()) issues.push({ kind: "modified", path: rel, package: dist, detail: `${rel} of ${dist} should be a folder` });
    return;
  }
  if (entry.path_type !== "softlink") {
    // Generated files (pyc, entry points) have no digest in conda-meta, nor do files
    // older records list only in `files`: a regular file is all we can check.
    if (!st.isFile()) issues.push({ kind: "modified", path: rel, package: dist, detail: `${rel} of ${dist} should be a regular file` });
    return;
  }
  if (!st.isSymbolicLink()) {
    issues.push({ kind: "modified", path: rel, package: dist, detail: `${rel} of ${dist} should be a symbolic link` });
    return;
  }
  const target = readlinkSync(full);
  const resolved = posix.normalize(posix.join(posix.dirname(rel), target));
  if (posix.isAbsolute(target) || resolved === ".." || resolved.startsWith("../")) {
    issues.push({ kind: "modified", path: rel, package: dist, actual: target, detail: `${rel} of ${dist} now points outside the prefix (${target})` });
    return;
  }
  // paths.json gives a softlink the digest of the file it points to.
  if (entry.sha256 === undefined) return;
  const targetEntry = byPath.get(resolved);
  if (targetEntry?.sha256 !== undefined && targetEntry.path_type === "hardlink") {
    // The target is checked as a file of its own; the link must point at the file with its digest.
    if (targetEntry.sha256 !== entry.sha256) {
      issues.push({ kind: "modified", path: rel, package: dist, actual: target, detail: `${rel} of ${dist} points to ${target}, which is not the file it was installed for` });
    }
    return;
  }
  let targetStat: Stats | undefined;
  try {
    targetStat = statSync(full);
  } catch {
    targetStat = undefined;
  }
  if (targetStat?.isFile() === true) jobs.push({ path: full, expected: entry.sha256, dist, rel });
}

async function verifyWith(pool: HashPool, prefix: string, options: VerifyOptions): Promise<VerifyReport> {
  const metaDir = join(prefix, "conda-meta");
  let names: string[] = [];
  try {
    names = readdirSync(metaDir).filter((n) => n.endsWith(".json") && !n.startsWith(".")).sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
  const records: PrefixRecord[] = [];
  const issues: VerifyIssue[] = [];
  const claimed = new Set<string>();
  const jobs: Job[] = [];
  const pending: Array<Promise<HashJobResult[]>> = [];
  const others: Array<{ entry: PathsDataEntry; dist: string }> = [];
  let checkedFiles = 0;

  // Record by record, each one's files go to the workers as soon as it is parsed.
  for (const name of names) {
    const file = join(metaDir, name);
    const record = parsePrefixRecord(readFileSync(file, "utf8"), file);
    records.push(record);
    const dist = distName(record);
    let entries: PathsDataEntry[] = record.paths_data.paths;
    if (record.files.length !== entries.length || record.files.some((f, i) => f !== entries[i]._path)) {
      // Records from conda's installer list some files only in `files`.
      const described = new Set(entries.map((e) => e._path));
      entries = [...entries, ...record.files.filter((f) => !described.has(f)).map((f): PathsDataEntry => ({ _path: f, path_type: "hardlink" }))];
    }
    const recordJobs: Job[] = [];
    for (const entry of entries) {
      claimed.add(entry._path);
      checkedFiles++;
      const expected = NON_FILE_TYPES.has(entry.path_type) ? undefined : (entry.sha256_in_prefix ?? entry.sha256);
      if (expected === undefined) {
        others.push({ entry, dist });
        continue;
      }
      // The worker does the lstat, type and size checks along with the hash.
      // size_in_bytes is the package's size; a replaced placeholder changes it.
      const expectSize = entry.sha256_in_prefix === undefined && entry.prefix_placeholder === undefined ? entry.size_in_bytes : undefined;
      recordJobs.push({ path: `${prefix}/${entry._path}`, expectSize, regularOnly: true, expected, dist, rel: entry._path });
    }
    jobs.push(...recordJobs);
    pending.push(pool.submit(recordJobs));
  }

  // Links, folders and generated files; a link's target may belong to another record.
  const byPath = new Map<string, PathsDataEntry>();
  for (const record of records) for (const p of record.paths_data.paths) byPath.set(p._path, p);
  const linkJobs: Job[] = [];
  for (const { entry, dist } of others) checkOther(entry, prefix, dist, byPath, issues, linkJobs);
  jobs.push(...linkJobs);
  pending.push(pool.submit(linkJobs));

  // The workers hash while this thread walks the prefix.
  const onDisk: string[] = [];
  walkFiles(prefix, "", onDisk);
  const dists = readDists(prefix);

  // Python distributions: claimed by a conda record, explained by the lock, or installed by pip.
  const claimedTop = new Set<string>();
  const spDirs = new Set(dists.map((d) => d.dir.slice(0, d.dir.lastIndexOf("/"))));
  for (const p of claimed) {
    for (const sp of spDirs) {
      if (!p.startsWith(`${sp}/`)) continue;
      const slash = p.indexOf("/", sp.length + 1);
      claimedTop.add(slash === -1 ? p : p.slice(0, slash));
    }
  }
  const pipLocked = new Map<string, LockedPackageLike>();
  for (const l of options.lock ?? []) if (l.manager === "pip") pipLocked.set(normaliseDistName(l.name), l);
  const pipOwned = new Set<string>();
  for (const dist of dists) {
    const recorded = claimedTop.has(dist.dir);
    if (recorded && (dist.installer === undefined || dist.installer === "conda")) continue;
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
  for (const rel of onDisk) {
    if (claimed.has(rel)) continue;
    if (pipOwned.has(rel) || [...ancestorsOf(rel)].some((a) => pipOwned.has(a))) continue;
    issues.push({ kind: "unexpected", path: rel, detail: `${rel} belongs to no installed package` });
  }

  pool.help();
  const digests = (await Promise.all(pending)).flat();
  let hashedBytes = 0;
  jobs.forEach((job, i) => {
    const d = digests[i];
    if (d.error !== undefined) {
      const what = d.error === "ENOENT" ? "is missing" : `cannot be read (${d.error})`;
      issues.push({ kind: "missing", path: job.rel, package: job.dist, detail: `${job.rel} of ${job.dist} ${what}` });
    } else if (d.notRegular === true) {
      issues.push({ kind: "modified", path: job.rel, package: job.dist, detail: `${job.rel} of ${job.dist} should be a regular file` });
    } else if (d.sha256 === undefined) {
      issues.push({ kind: "modified", path: job.rel, package: job.dist, expected: `${job.expectSize} bytes`, actual: `${d.size} bytes`, detail: `${job.rel} of ${job.dist} changed size` });
    } else {
      hashedBytes += d.size ?? 0;
      if (d.sha256 !== job.expected) {
        issues.push({ kind: "modified", path: job.rel, package: job.dist, expected: job.expected, actual: d.sha256, detail: `${job.rel} of ${job.dist} does not match its sha256` });
      }
    }
  });

  if (options.lock !== undefined) issues.push(...lockIssues(records, options.lock));

  const summary = Object.fromEntries(KINDS.map((k) => [k, 0])) as VerifyReport["summary"];
  for (const i of issues) summary[i.kind]++;
  summary.total = issues.length;
  const report: VerifyReport = { prefix, packages: records.length, checkedFiles, hashedBytes, issues, summary };
  const journal = readJournal(prefix);
  if (journal !== undefined) report.uncommittedTransaction = journal.id;
  return report;
}

/** Installed conda packages against the lock's conda entries. */
function lockIssues(records: PrefixRecord[], lock: LockedPackageLike[]): VerifyIssue[] {
  const issues: VerifyIssue[] = [];
  const installed = new Map(records.map((r) => [r.name, r] as const));
  const lockedConda = lock.filter((l) => (l.manager ?? "conda") === "conda");
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
  return issues;
}

function* ancestorsOf(rel: string): Generator<string> {
  for (let i = rel.lastIndexOf("/"); i > 0; i = rel.lastIndexOf("/", i - 1)) yield rel.slice(0, i);
}

