// Carries out a TransactionPlan. A new prefix is assembled beside its final
// path and renamed into place; an existing prefix is changed through a
// journal of renames (see journal.ts) so that a crash at any point leaves
// either the old or the new environment after recovery.
import { randomBytes } from "node:crypto";
import {
  copyFileSync,
  existsSync,
  linkSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { dirname, join, resolve } from "node:path";
import { condaguardVersion } from "./condaguard_version.js";
import { InstallError, ioError } from "./errors.js";
import { historyBlock } from "./history.js";
import {
  applyStep,
  deleteJournal,
  lexists,
  removeTxnDir,
  rollBack,
  TXN_DIR_PREFIX,
  writeJournal,
  type Journal,
  type JournalStep,
} from "./journal.js";
import { linkScriptPath, runLinkScript } from "./link_scripts.js";
import { majorMinor, pythonLayout, type PythonLayout } from "./noarch_python.js";
import { lockPrefix } from "./prefix_lock.js";
import { condaJson, distName, recordFileName } from "./prefix_records.js";
import { compilePyc, interpreterVersion } from "./pyc.js";
import { recoverLocked, removeStaleStaging, stagingPrefixFor } from "./recover.js";
import { preparePackage, stagePackage, type PreparedPackage, type StageContext } from "./stage.js";
import type {
  ClobberReport,
  InstallOptions,
  InstallRecord,
  LinkRequest,
  PathsDataEntry,
  PrefixRecord,
  TransactionPlan,
  TransactionResult,
} from "./types.js";

/** Test and progress hook: called at fixed points; `step` counts journal steps. */
export type TransactionHook = (point: { phase: "staged" | "step" | "placed" | "committed"; step?: number; total?: number }) => void;

const CLOBBER_MARK = "__clobber-from-";

/** The path a clobbered copy stands for: `a/b__clobber-from-pkg` -> `a/b`. */
function clobberOriginal(path: string, name: string): string {
  const mark = `${CLOBBER_MARK}${name}`;
  return path.endsWith(mark) ? path.slice(0, -mark.length) : path;
}


function isDir(path: string): boolean {
  try {
    return lstatSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** Every path a record claims: `files` and `paths_data` (conda's installer records list only some in paths_data). */
function recordPaths(record: PrefixRecord): string[] {
  const out = new Set<string>(record.files);
  for (const p of record.paths_data.paths) if (p.path_type !== "directory") out.add(p._path);
  return [...out];
}

function ancestors(path: string): string[] {
  const out: string[] = [];
  for (let d = dirname(path); d !== "." && d !== "/" && d !== ""; d = dirname(d)) out.push(d);
  return out;
}

interface PythonSetup {
  layout: PythonLayout | undefined;
  /** Interpreter to compile with, if any (resolved after staging for an in-environment python). */
  compileWith: (stageRoot: string) => string | undefined;
}

function pythonSetup(plan: TransactionPlan, prefix: string, targetPrefix: string, options: InstallOptions): PythonSetup {
  const pythonRecord: InstallRecord | undefined =
    plan.link.find((r) => r.record.name === "python")?.record ?? plan.unchanged.find((r) => r.name === "python");
  const windows = (pythonRecord?.subdir ?? "").startsWith("win-");
  let version = pythonRecord === undefined ? undefined : majorMinor(pythonRecord.version);
  const exe = options.python?.executable;
  version ??= options.python?.version === undefined ? undefined : majorMinor(options.python.version);
  if (version === undefined && exe !== undefined) version = interpreterVersion(exe);
  const sitePackagesPath = (pythonRecord as { python_site_packages_path?: unknown } | undefined)?.python_site_packages_path;
  const layout =
    version === undefined
      ? undefined
      : pythonLayout({
          version,
          windows,
          targetPrefix,
          interpreter: pythonRecord === undefined ? exe : undefined,
          sitePackagesPath: typeof sitePackagesPath === "string" ? sitePackagesPath : undefined,
        });
  const compileWith = (stageRoot: string): string | undefined => {
    if (exe !== undefined) return exe;
    if (pythonRecord === undefined || windows) return undefined;
    const linkedNow = plan.link.some((r) => r.record.name === "python");
    const candidate = join(linkedNow ? stageRoot : prefix, "bin", "python");
    return existsSync(candidate) ? candidate : undefined;
  };
  return { layout, compileWith };
}

function recordJson(request: LinkRequest, paths: PathsDataEntry[], linkType: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(request.record)) {
    if (value === undefined) continue;
    // conda-meta keeps these two as strings.
    out[key] = (key === "track_features" || key === "features") && Array.isArray(value) ? value.join(",") : value;
  }
  for (const key of ["files", "paths_data", "link", "extracted_package_dir", "package_tarball_full_path", "requested_spec"]) delete out[key];
  const r = request.record;
  const fn = r.fn ?? `${distName(r)}.conda`;
  out.files = paths.filter((p) => p.path_type !== "directory").map((p) => p._path);
  out.paths_data = { paths, paths_version: 1 };
  out.link = { source: request.extractedDir, type: linkType };
  out.extracted_package_dir = request.extractedDir;
  out.package_tarball_full_path = request.archivePath ?? `${request.extractedDir}${fn.endsWith(".tar.bz2") ? ".tar.bz2" : ".conda"}`;
  out.requested_spec = request.requestedSpec ?? `${r.name}==${r.version}=${r.build}`;
  return out;
}

interface Staged {
  /** Prefix-relative files/links written under the stage root, to place. */
  placed: string[];
  /** Directories the packages list (path_type directory). */
  dirs: string[];
  clobbered: ClobberReport[];
  /** Kept records rewritten because a file of theirs moved (clobber set aside or restored). */
  rewritten: Map<string, PrefixRecord>;
  /** Prefix paths moved aside or back (their old location is removed). */
  movedFrom: string[];
  warnings: string[];
  prepared: PreparedPackage[];
}

/**
 * Resolves clobbers, stages every package under `root`, compiles pyc files,
 * and writes the conda-meta records. `live` is the existing prefix (for
 * moving kept packages' files) or undefined for a new one.
 */
async function stageAll(
  root: string,
  live: string | undefined,
  plan: TransactionPlan,
  targetPrefix: string,
  options: InstallOptions,
): Promise<Staged> {
  const warnings: string[] = [];
  const python = pythonSetup(plan, live ?? root, targetPrefix, options);
  const names = new Set<string>();
  for (const r of plan.link) {
    if (names.has(r.record.name)) {
      throw new InstallError("CG_INSTALL_CONFLICT", `Package ${r.record.name} is listed twice in the transaction`, { packageName: distName(r.record) });
    }
    names.add(r.record.name);
  }
  const prepared = await Promise.all(plan.link.map((r) => preparePackage(r, python.layout)));

  // Who claims which path: kept records first, then new packages in link order; the last one wins.
  type Claim = { kind: "kept"; record: PrefixRecord; actual: string } | { kind: "new"; index: number };
  const claims = new Map<string, Claim[]>();
  const claim = (path: string, c: Claim): void => {
    const list = claims.get(path);
    if (list === undefined) claims.set(path, [c]);
    else list.push(c);
  };
  for (const record of plan.unchanged) {
    for (const actual of recordPaths(record)) claim(clobberOriginal(actual, record.name), { kind: "kept", record, actual });
  }
  prepared.forEach((pkg, index) => {
    for (const item of pkg.items) if (item.entry.pathType !== "directory") claim(item.dest, { kind: "new", index });
    if (python.layout !== undefined) for (const ep of pkg.entryPoints) claim(`${python.layout.scripts}/${ep.command}`, { kind: "new", index });
  });

  const overrides = prepared.map(() => new Map<string, string>());
  const moves = new Map<string, Map<string, string>>(); // record name -> old path -> new path
  const moveFiles: Array<{ from: string; to: string }> = [];
  const clobbered: ClobberReport[] = [];
  const addMove = (record: PrefixRecord, from: string, to: string): void => {
    let m = moves.get(record.name);
    if (m === undefined) moves.set(record.name, (m = new Map()));
    m.set(from, to);
    moveFiles.push({ from, to });
  };
  for (const [path, list] of claims) {
    if (list.length < 2) continue;
    const lastNew = list.map((c, i) => (c.kind === "new" ? i : -1)).filter((i) => i >= 0).pop();
    if (lastNew === undefined) continue; // only kept records: leave the prefix as it is
    const winner = list[lastNew] as { kind: "new"; index: number };
    const losers: string[] = [];
    list.forEach((c, i) => {
      if (i === lastNew) return;
      if (c.kind === "new") {
        if (c.index === winner.index) return;
        const pkg = prepared[c.index];
        overrides[c.index].set(path, `${path}${CLOBBER_MARK}${pkg.request.record.name}`);
        losers.push(pkg.dist);
      } else {
        losers.push(distName(c.record));
        if (c.actual === path && live !== undefined && lexists(join(live, path))) {
          addMove(c.record, path, `${path}${CLOBBER_MARK}${c.record.name}`);
        }
      }
    });
    if (losers.length > 0) clobbered.push({ path, winner: prepared[winner.index].dist, losers });
  }

  // Files of removed packages that a kept package had set aside come back.
  const newClaimed = new Set<string>();
  for (const [path, list] of claims) if (list.some((c) => c.kind === "new")) newClaimed.add(path);
  for (const record of plan.unlink) {
    for (const path of recordPaths(record)) {
      if (newClaimed.has(path)) continue;
      const kept = claims.get(path)?.filter((c): c is Extract<Claim, { kind: "kept" }> => c.kind === "kept") ?? [];
      if (kept.some((c) => c.actual === path)) continue;
      const aside = kept.pop();
      if (aside !== undefined && live !== undefined && lexists(join(live, aside.actual))) addMove(aside.record, aside.actual, path);
    }
  }
  for (const c of clobbered) {
    warnings.push(`${c.path} is in ${[...c.losers, c.winner].join(" and ")}; ${c.winner} was linked last and its file is used (the others are kept as ${c.path}${CLOBBER_MARK}<name>)`);
  }

  // Hard links need the package cache and the prefix on one filesystem; checked once
  // here (a failed link() per file would cost a syscall each), EXDEV still caught per file.
  const rootDev = statSync(root).dev;
  const crossDevice = prepared.length > 0 && prepared.every((p) => statSync(p.request.extractedDir).dev !== rootDev);
  const ctx: StageContext = { root, targetPrefix, hardlinks: options.hardlinks !== false, crossDevice, madeDirs: new Set() };
  const placed: string[] = [];
  const dirs: string[] = [];
  const records: Array<{ request: LinkRequest; json: Record<string, unknown> }> = [];
  const staged = prepared.map((pkg, i) => {
    options.onProgress?.({ phase: "link", package: pkg.dist, done: i, total: prepared.length });
    const s = stagePackage(ctx, pkg, python.layout, overrides[i]);
    warnings.push(...s.warnings);
    for (const p of [...s.paths, ...s.entryPoints]) (p.path_type === "directory" ? dirs : placed).push(p._path);
    return s;
  });
  options.onProgress?.({ phase: "link", done: prepared.length, total: prepared.length });

  // Compile the noarch: python sources, all packages in one interpreter run.
  const sources = staged.flatMap((s) => s.pythonSources);
  const pycByPackage = staged.map(() => [] as string[]);
  if (sources.length > 0 && python.layout !== undefined) {
    const interpreter = python.compileWith(root);
    if (interpreter === undefined) {
      warnings.push(`No Python interpreter to compile ${sources.length} .py files of noarch: python packages; pyc files are not written`);
    } else {
      options.onProgress?.({ phase: "compile", done: 0, total: sources.length });
      let compiled;
      try {
        compiled = compilePyc(interpreter, root, targetPrefix, sources);
      } catch (err) {
        // Like conda: a Python that cannot compile costs the pyc files, not the install.
        warnings.push(`pyc files not written: ${(err as Error).message}`);
        compiled = { tag: "", version: "", pyc: [] };
      }
      const written = new Set(compiled.pyc);
      staged.forEach((s, i) => {
        for (const src of s.pythonSources) {
          const slash = src.lastIndexOf("/");
          const pyc = `${src.slice(0, slash + 1)}__pycache__/${src.slice(slash + 1, -3)}.${compiled.tag}.pyc`;
          if (written.has(pyc)) pycByPackage[i].push(pyc);
        }
      });
      placed.push(...pycByPackage.flat());
      options.onProgress?.({ phase: "compile", done: sources.length, total: sources.length });
    }
  }

  // Moves of kept packages' files (clobber set aside / restored): a hard link in the stage.
  const movedFrom: string[] = [];
  if (live !== undefined) {
    for (const { from, to } of moveFiles) {
      const src = join(live, from);
      const dst = join(root, to);
      mkdirSync(dirname(dst), { recursive: true });
      rmSync(dst, { force: true });
      const st = lstatSync(src);
      if (st.isSymbolicLink()) symlinkSync(readlinkSync(src), dst);
      else {
        try {
          linkSync(src, dst);
        } catch {
          copyFileSync(src, dst);
        }
      }
      placed.push(to);
      movedFrom.push(from);
    }
  }

  // conda-meta records.
  mkdirSync(join(root, "conda-meta"), { recursive: true });
  prepared.forEach((pkg, i) => {
    const pyc: PathsDataEntry[] = pycByPackage[i].map((p) => ({ _path: p, path_type: "pyc_file" }));
    const json = recordJson(pkg.request, [...staged[i].paths, ...pyc, ...staged[i].entryPoints], staged[i].linkType);
    records.push({ request: pkg.request, json });
    const rel = `conda-meta/${recordFileName(pkg.request.record)}`;
    writeFileSync(join(root, rel), condaJson(json));
    placed.push(rel);
  });
  const rewritten = new Map<string, PrefixRecord>();
  for (const record of plan.unchanged) {
    const m = moves.get(record.name);
    if (m === undefined) continue;
    const updated: PrefixRecord = {
      ...record,
      files: record.files.map((f) => m.get(f) ?? f),
      paths_data: { ...record.paths_data, paths: record.paths_data.paths.map((p) => ({ ...p, _path: m.get(p._path) ?? p._path })) },
    };
    const rel = `conda-meta/${recordFileName(record)}`;
    writeFileSync(join(root, rel), condaJson(updated));
    placed.push(rel);
    rewritten.set(record.name, updated);
  }
  return { placed, dirs, clobbered, rewritten, movedFrom, warnings, prepared };
}

function scriptWarnings(plan: TransactionPlan, prepared: PreparedPackage[], allowed: boolean): string[] {
  if (allowed) return [];
  const out: string[] = [];
  for (const pkg of prepared) {
    for (const [kind, path] of [["pre-link", pkg.scripts.preLink], ["post-link", pkg.scripts.postLink]] as const) {
      if (path !== undefined) out.push(`Skipped the ${kind} script ${path} of ${pkg.dist} (link scripts are off; allow them to run it)`);
    }
  }
  for (const record of plan.unlink) {
    const path = linkScriptPath(record.name, "pre-unlink");
    if (record.files.includes(path)) out.push(`Skipped the pre-unlink script ${path} of ${distName(record)} (link scripts are off)`);
  }
  return out;
}

function historyText(previous: string, plan: TransactionPlan, options: InstallOptions): string {
  const block = historyBlock({
    date: new Date(),
    command: options.command ?? "condaguard install",
    version: condaguardVersion(),
    unlinked: plan.unlink,
    linked: plan.link.map((r) => r.record),
    updateSpecs: options.updateSpecs,
    removeSpecs: options.removeSpecs,
  });
  return previous + (previous === "" || previous.endsWith("\n") ? "" : "\n") + block;
}

function result(prefix: string, created: boolean, plan: TransactionPlan, staged: Staged, warnings: string[]): TransactionResult {
  return {
    prefix,
    created,
    linked: plan.link.map((r) => distName(r.record)),
    unlinked: plan.unlink.map((r) => distName(r)),
    unchanged: plan.unchanged.map((r) => distName(r)),
    clobbered: staged.clobbered,
    warnings,
  };
}

/** Runs pre-link scripts (from the package cache) when allowed. */
function runPreLink(prepared: PreparedPackage[], physical: string, allowed: boolean): void {
  if (!allowed) return;
  for (const pkg of prepared) {
    if (pkg.scripts.preLink === undefined) continue;
    runLinkScript({ script: join(pkg.request.extractedDir, pkg.scripts.preLink), kind: "pre-link", prefix: physical, record: pkg.request.record, dist: pkg.dist });
  }
}

function runPostLink(prepared: PreparedPackage[], physical: string, allowed: boolean): void {
  if (!allowed) return;
  for (const pkg of prepared) {
    if (pkg.scripts.postLink === undefined) continue;
    runLinkScript({ script: join(physical, pkg.scripts.postLink), kind: "post-link", prefix: physical, record: pkg.request.record, dist: pkg.dist });
  }
}

function isNewPrefix(prefix: string): boolean {
  if (!existsSync(prefix)) return true;
  if (!statSync(prefix).isDirectory()) {
    throw new InstallError("CG_INSTALL_CONFLICT", `The prefix ${prefix} exists and is not a directory`, { path: prefix });
  }
  return readdirSync(prefix).length === 0;
}

/** Assembles a new prefix beside its final path and renames it into place. */
async function createPrefix(prefix: string, plan: TransactionPlan, options: InstallOptions, hook: TransactionHook | undefined): Promise<TransactionResult> {
  if (plan.unlink.length > 0 || plan.unchanged.length > 0) {
    throw new InstallError("CG_INSTALL_CONFLICT", `The plan removes or keeps packages, but the prefix ${prefix} does not exist yet`, { path: prefix });
  }
  mkdirSync(dirname(prefix), { recursive: true });
  removeStaleStaging(prefix);
  const staging = `${stagingPrefixFor(prefix)}${process.pid}-${randomBytes(4).toString("hex")}`;
  const targetPrefix = options.targetPrefix ?? prefix;
  const allowScripts = options.allowLinkScripts === true;
  const existedEmpty = existsSync(prefix);
  try {
    mkdirSync(staging);
    const staged = await stageAll(staging, undefined, plan, targetPrefix, options);
    const warnings = [...staged.warnings, ...scriptWarnings(plan, staged.prepared, allowScripts)];
    writeFileSync(join(staging, "conda-meta", "history"), historyText("", plan, options));
    runPreLink(staged.prepared, staging, allowScripts);
    hook?.({ phase: "staged" });
    options.onProgress?.({ phase: "commit", done: 0, total: 1 });
    try {
      renameSync(staging, prefix);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === "ENOTEMPTY" || code === "EEXIST") {
        throw new InstallError("CG_INSTALL_CONFLICT", `The prefix ${prefix} was created by someone else while this one was assembled`, { path: prefix, cause: err });
      }
      throw err;
    }
    try {
      runPostLink(staged.prepared, prefix, allowScripts);
    } catch (err) {
      // Undo the creation: the prefix was absent (or an empty folder) before.
      renameSync(prefix, staging);
      if (existedEmpty) mkdirSync(prefix);
      throw err;
    }
    hook?.({ phase: "committed" });
    options.onProgress?.({ phase: "commit", done: 1, total: 1 });
    return result(prefix, true, plan, staged, warnings);
  } catch (err) {
    rmSync(staging, { recursive: true, force: true });
    throw ioError(err, "creating the prefix", { path: prefix });
  }
}

/** Builds the journal's steps: backups, emptied folders, new folders, then placements. */
function journalSteps(prefix: string, staged: Staged, removed: Set<string>): JournalStep[] {
  const placed = new Set(staged.placed);
  const toBackUp = new Set<string>();
  for (const p of [...removed, ...placed]) {
    const live = join(prefix, p);
    // A folder is never moved aside; one that must make way for a file is removed
    // below when it empties, and refused otherwise.
    if (!lexists(live) || isDir(live)) continue;
    toBackUp.add(p);
  }
  // Folders left empty by the removals, deepest first.
  const underPlaced = new Set<string>();
  for (const p of [...placed, ...staged.dirs]) for (const a of ancestors(p)) underPlaced.add(a);
  for (const d of staged.dirs) underPlaced.add(d);
  const candidates = new Set<string>();
  for (const p of toBackUp) for (const a of ancestors(p)) candidates.add(a);
  for (const p of placed) if (isDir(join(prefix, p))) candidates.add(p);
  const byDepth = [...candidates].filter((d) => d !== "conda-meta").sort((a, b) => b.split("/").length - a.split("/").length || (a < b ? -1 : 1));
  const emptied = new Set<string>();
  const rmdirs: JournalStep[] = [];
  for (const d of byDepth) {
    if (underPlaced.has(d) || !isDir(join(prefix, d))) continue;
    const entries = readdirSync(join(prefix, d));
    if (entries.every((e) => toBackUp.has(`${d}/${e}`) || emptied.has(`${d}/${e}`))) {
      emptied.add(d);
      rmdirs.push({ op: "rmdir", path: d, mode: statSync(join(prefix, d)).mode & 0o7777 });
    }
  }
  for (const p of placed) {
    if (isDir(join(prefix, p)) && !emptied.has(p)) {
      throw new InstallError("CG_INSTALL_CONFLICT", `Cannot place the file ${p}: a non-empty folder of that name is in the prefix`, { path: p });
    }
  }
  // New folders, shallowest first.
  const need = new Set<string>();
  for (const p of [...placed, ...staged.dirs]) {
    for (const a of [...ancestors(p), ...(staged.dirs.includes(p) ? [p] : [])]) {
      const live = join(prefix, a);
      if (emptied.has(a) || !isDir(live)) {
        if (lexists(live) && !isDir(live) && !toBackUp.has(a)) {
          throw new InstallError("CG_INSTALL_CONFLICT", `Cannot create the folder ${a}: a file of that name is in the prefix and stays`, { path: a });
        }
        need.add(a);
      }
    }
  }
  const mkdirs = [...need].sort((a, b) => a.split("/").length - b.split("/").length || (a < b ? -1 : 1));
  return [
    ...[...toBackUp].map((p): JournalStep => ({ op: "backup", path: p })),
    ...rmdirs,
    ...mkdirs.map((p): JournalStep => ({ op: "mkdir", path: p })),
    ...[...placed].map((p): JournalStep => ({ op: "place", path: p })),
  ];
}

/** Changes an existing prefix through the journal. Caller holds the lock and has recovered. */
async function updatePrefix(prefix: string, plan: TransactionPlan, options: InstallOptions, hook: TransactionHook | undefined): Promise<TransactionResult> {
  const targetPrefix = options.targetPrefix ?? prefix;
  const allowScripts = options.allowLinkScripts === true;
  const id = `${Date.now().toString(36)}-${randomBytes(4).toString("hex")}`;
  const txnDir = `${TXN_DIR_PREFIX}${id}`;
  const newRoot = join(prefix, txnDir, "new");
  let journal: Journal | undefined;
  try {
    mkdirSync(newRoot, { recursive: true });
    const staged = await stageAll(newRoot, prefix, plan, targetPrefix, options);
    const warnings = [...staged.warnings, ...scriptWarnings(plan, staged.prepared, allowScripts)];
    let previous = "";
    try {
      previous = readFileSync(join(prefix, "conda-meta", "history"), "utf8");
    } catch {
      // no history yet
    }
    writeFileSync(join(newRoot, "conda-meta", "history"), historyText(previous, plan, options));
    staged.placed.push("conda-meta/history");

    const keptPaths = new Set<string>();
    for (const r of plan.unchanged) for (const p of recordPaths(staged.rewritten.get(r.name) ?? r)) keptPaths.add(p);
    const removed = new Set<string>(staged.movedFrom.filter((p) => !keptPaths.has(p)));
    for (const r of plan.unlink) {
      removed.add(`conda-meta/${recordFileName(r)}`);
      for (const p of recordPaths(r)) if (!keptPaths.has(p)) removed.add(p);
    }
    const steps = journalSteps(prefix, staged, removed);
    journal = { version: 1, id, pid: process.pid, created: new Date().toISOString(), txnDir, steps };

    if (allowScripts) {
      for (const r of plan.unlink) {
        const script = linkScriptPath(r.name, "pre-unlink");
        if (r.files.includes(script)) runLinkScript({ script: join(prefix, script), kind: "pre-unlink", prefix, record: r, dist: distName(r) });
      }
    }
    runPreLink(staged.prepared, prefix, allowScripts);
    hook?.({ phase: "staged" });
    writeJournal(prefix, journal);
    options.onProgress?.({ phase: "commit", done: 0, total: steps.length });
    steps.forEach((step, i) => {
      hook?.({ phase: "step", step: i, total: steps.length });
      try {
        applyStep(prefix, txnDir, step);
      } catch (err) {
        throw ioError(err, step.op === "place" ? "placing" : step.op === "backup" ? "moving aside" : `${step.op} of`, { path: join(prefix, step.path) });
      }
    });
    hook?.({ phase: "placed" });
    runPostLink(staged.prepared, prefix, allowScripts);
    deleteJournal(prefix);
    hook?.({ phase: "committed" });
    removeTxnDir(prefix, txnDir);
    options.onProgress?.({ phase: "commit", done: steps.length, total: steps.length });
    return result(prefix, false, plan, staged, warnings);
  } catch (err) {
    if (journal !== undefined && existsSync(join(prefix, "conda-meta", ".condaguard-transaction.json"))) rollBack(prefix, journal);
    removeTxnDir(prefix, txnDir);
    throw ioError(err, "changing the prefix", { path: prefix });
  }
}

/**
 * Links `plan.link` and unlinks `plan.unlink` in `prefix`. A prefix that does
 * not exist (or is an empty folder) is created by one rename; an existing one
 * is locked, recovered if a previous transaction was interrupted, and
 * changed through a journal. On failure the prefix is left as it was.
 */
export async function executeTransaction(prefix: string, plan: TransactionPlan, options: InstallOptions = {}): Promise<TransactionResult> {
  return runTransaction(prefix, plan, options, undefined);
}

/** executeTransaction with a hook at fixed points (tests inject crashes there). */
export async function runTransaction(
  prefixPath: string,
  plan: TransactionPlan,
  options: InstallOptions,
  hook: TransactionHook | undefined,
): Promise<TransactionResult> {
  const prefix = resolve(prefixPath);
  if (isNewPrefix(prefix)) return createPrefix(prefix, plan, options, hook);
  const release = await lockPrefix(prefix);
  try {
    await recoverLocked(prefix);
    if (plan.link.length === 0 && plan.unlink.length === 0) {
      // Nothing to change: like conda, leave the prefix (and its history) alone.
      return { prefix, created: false, linked: [], unlinked: [], unchanged: plan.unchanged.map((r) => distName(r)), clobbered: [], warnings: [] };
    }
    return await updatePrefix(prefix, plan, options, hook);
  } finally {
    await release();
  }
}

