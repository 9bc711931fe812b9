/**
 * The solver conformance case format (one JSON object per case: channels,
 * installed environment, specs, settings, expectation): loading a case into
 * a `SolveTask`, running it, and comparing an output with the expectation.
 */
import { readFileSync } from "node:fs";
import { isAbsolute, join } from "node:path";
import { isCondaguardError, recordFromRepodata } from "../conda/index.js";
import type { PackageRecord, VirtualPackage } from "../conda/index.js";
import { SolveTimeoutError } from "./core/index.js";
import { SolverError } from "./errors.js";
import { solveConda } from "./solve_conda.js";
import type { ChannelPriority, SolveSemantics, SolveTask, UpdateModifier } from "./task.js";

/** What a runner prints for one case: the solved records, or an error kind. */
export type ConformanceOutput =
  | Array<string | Record<string, unknown>>
  | { error: string; reason?: string };

/** The verdict on one case. */
export interface ConformanceVerdict {
  status: "pass" | "fail" | "skip";
  reason?: string;
}

type Json = Record<string, unknown>;

const KNOWN_SETTINGS = new Set([
  "update_modifier",
  "deps_modifier",
  "prune",
  "force_remove",
  "ignore_pinned",
  "force_reinstall",
  "aggressive_update_packages",
  "auto_update_conda",
  "target_is_conda_prefix",
  "clean_dependencies",
  "keep",
  "allow_downgrade",
  "specs_are_updates",
  "exclude_newer",
  "strategy",
]);

/** A case the runner cannot run: reported as `{error: "unsupported", reason}`. */
class _Unsupported extends Error {}

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
}

/** The raw JSON each record was built from, for object output. */
const rawOf = new WeakMap<PackageRecord, Json>();

function readJson(dataDir: string, file: string): unknown {
  const path = isAbsolute(file) ? file : join(dataDir, file);
  return JSON.parse(readFileSync(path, "utf8")) as unknown;
}

function makeRecord(raw: Json, fnHint: string | undefined, channel: string, subdir: string): PackageRecord {
  const fn = fnHint ?? (typeof raw.fn === "string" ? raw.fn : `${String(raw.name)}-${String(raw.version)}-${String(raw.build)}.tar.bz2`);
  const withSubdir = { ...raw, subdir };
  const record = recordFromRepodata(fn, withSubdir, { channel, subdir, downloadBaseUrl: `${channel}/${subdir}` });
  rawOf.set(record, raw);
  return record;
}

interface _ChannelOptions {
  name: string;
  addPip: boolean;
  keys: string[] | undefined;
}

function prepareRaw(raw: Json, options: _ChannelOptions): Json {
  let out: Json = raw;
  if (options.keys !== undefined) {
    out = {};
    for (const k of options.keys) if (k in raw) out[k] = raw[k];
    if (raw.fn !== undefined) out.fn = raw.fn;
  }
  if (options.addPip && out.name === "python" && typeof out.version === "string" && /^[23]\./.test(out.version)) {
    out = { ...out, depends: [...strings(out.depends), "pip"] };
  }
  return out;
}

/** The subdir a test-index or inline record belongs to: noarch records go to `noarch`, the rest to the case subdir. */
function indexSubdir(raw: Json, caseSubdir: string): string {
  return raw.subdir === "noarch" || (raw.noarch !== undefined && raw.noarch !== null && raw.noarch !== false && raw.noarch !== "")
    ? "noarch"
    : caseSubdir;
}

function inlineSubdir(raw: Json, caseSubdir: string): string {
  if (raw.subdir === "noarch" || (raw.noarch !== undefined && raw.noarch !== null && raw.noarch !== false && raw.noarch !== "")) return "noarch";
  return typeof raw.subdir === "string" ? raw.subdir : caseSubdir;
}

function loadRepodataFile(doc: unknown, channel: string, subdir: string, options: _ChannelOptions, condaOrElseTarBz2: boolean): PackageRecord[] {
  if (!isObject(doc)) throw new _Unsupported("repodata file is not an object");
  const out: PackageRecord[] = [];
  const condaStems = new Set<string>();
  const conda = isObject(doc["packages.conda"]) ? doc["packages.conda"] : {};
  for (const fn of Object.keys(conda)) condaStems.add(fn.replace(/\.conda$/, ""));
  for (const [section, skipTwins] of [["packages", condaOrElseTarBz2], ["packages.conda", false]] as const) {
    const entries = doc[section];
    if (!isObject(entries)) continue;
    for (const [fn, raw] of Object.entries(entries)) {
      if (!isObject(raw)) continue;
      if (skipTwins && condaStems.has(fn.replace(/\.tar\.bz2$/, ""))) continue;
      out.push(makeRecord(prepareRaw(raw, options), fn, channel, typeof raw.subdir === "string" && raw.subdir === "noarch" ? "noarch" : subdir));
    }
  }
  return out;
}

function loadChannel(entry: Json, caseSubdir: string, dataDir: string): PackageRecord[] {
  const name = String(entry.name);
  const options: _ChannelOptions = {
    name,
    addPip: entry.add_pip_as_python_dependency === true,
    keys: Array.isArray(entry.record_keys) ? strings(entry.record_keys) : undefined,
  };
  const out: PackageRecord[] = [];
  if (typeof entry.repodata_file === "string") {
    const doc = readJson(dataDir, entry.repodata_file);
    if (entry.format === "conda-test-index") {
      if (!isObject(doc)) throw new _Unsupported("test index is not an object");
      for (const [fn, raw] of Object.entries(doc)) {
        if (!isObject(raw)) continue;
        out.push(makeRecord(prepareRaw(raw, options), fn, name, indexSubdir(raw, caseSubdir)));
      }
    } else if (entry.format === "repodata") {
      const subdir = typeof entry.subdir === "string" ? entry.subdir : caseSubdir;
      out.push(...loadRepodataFile(doc, name, subdir, options, false));
    } else {
      throw new _Unsupported(`channel format '${String(entry.format)}'`);
    }
  }
  for (const raw of Array.isArray(entry.packages) ? entry.packages : []) {
    if (!isObject(raw)) continue;
    out.push(makeRecord(prepareRaw(raw, options), undefined, name, inlineSubdir(raw, caseSubdir)));
  }
  return out;
}

function parseRecordString(text: string): { channel: string; name: string; version: string; build: string } {
  const at = text.indexOf("::");
  let channel = text.slice(0, at);
  const slash = channel.indexOf("/");
  if (slash >= 0 && !/^[a-z]+:/.test(channel)) channel = channel.slice(0, slash);
  const rest = text.slice(at + 2);
  const b = rest.lastIndexOf("-");
  const v = rest.lastIndexOf("-", b - 1);
  return { channel, name: rest.slice(0, v), version: rest.slice(v + 1, b), build: rest.slice(b + 1) };
}

function loadRecordList(value: unknown, all: readonly PackageRecord[], caseSubdir: string, dataDir: string): PackageRecord[] {
  if (isObject(value) && typeof value.repodata_file === "string") {
    const channel = typeof value.channel === "string" ? value.channel : "installed";
    const subdir = typeof value.subdir === "string" ? value.subdir : caseSubdir;
    return loadRepodataFile(readJson(dataDir, value.repodata_file), channel, subdir, { name: channel, addPip: false, keys: undefined }, true);
  }
  if (!Array.isArray(value)) return [];
  const out: PackageRecord[] = [];
  for (const item of value) {
    if (typeof item === "string") {
      const want = parseRecordString(item);
      const found = all.find((r) => r.channel === want.channel && r.name === want.name && r.version === want.version && r.build === want.build);
      if (found === undefined) throw new _Unsupported(`installed record ${item} is in no channel of the case`);
      out.push(found);
    } else if (isObject(item) && isObject(item.record)) {
      const channel = typeof item.channel === "string" ? item.channel : "";
      out.push(makeRecord(item.record, undefined, channel, inlineSubdir(item.record, caseSubdir)));
    }
  }
  return out;
}

function semanticsOf(c: Json): SolveSemantics {
  const s = c.semantics;
  return s === "libmamba" || s === "rattler" ? s : "conda";
}

/** Turns a case into a solve task (with every record of its channels in memory). */
export function conformanceTask(caseJson: unknown, dataDir: string): SolveTask {
  if (!isObject(caseJson)) throw new _Unsupported("the case is not a JSON object");
  const c = caseJson;
  const dir = typeof c._data_dir === "string" ? c._data_dir : dataDir;
  const subdir = typeof c.subdir === "string" ? c.subdir : "linux-64";
  const settings = isObject(c.settings) ? c.settings : {};
  for (const key of Object.keys(settings)) if (!KNOWN_SETTINGS.has(key)) throw new _Unsupported(`setting '${key}'`);
  const channels = Array.isArray(c.channels) ? c.channels.filter(isObject) : [];
  const all: PackageRecord[] = [];
  for (const entry of channels) all.push(...loadChannel(entry, subdir, dir));
  const byName = new Map<string, PackageRecord[]>();
  for (const r of all) {
    const list = byName.get(r.name);
    if (list === undefined) byName.set(r.name, [r]);
    else list.push(r);
  }
  const semantics = semanticsOf(c);
  const priority = c.channel_priority;
  const channelPriority: ChannelPriority =
    priority === "strict" || priority === "flexible" || priority === "disabled" ? priority : semantics === "rattler" ? "strict" : "flexible";
  const virtualPackages: VirtualPackage[] = [];
  for (const vp of Array.isArray(c.virtual_packages) ? c.virtual_packages : []) {
    if (!isObject(vp)) continue;
    virtualPackages.push({ name: String(vp.name), version: String(vp.version ?? "0"), build: String(vp.build ?? "0") });
  }
  const installed = loadRecordList(c.installed, all, subdir, dir);
  const pinnedRecords = loadRecordList(c.pinned_records, all, subdir, dir);
  const empty: readonly PackageRecord[] = [];
  const task: SolveTask = {
    specs: strings(c.specs),
    records: (name) => byName.get(name) ?? empty,
    packageNames: () => byName.keys(),
    channels: channels.map((e) => String(e.name)),
    subdir,
    virtualPackages,
    channelPriority,
    semantics,
    timeoutMs: 60_000,
  };
  if (installed.length > 0) {
    if (semantics === "rattler") task.locked = installed;
    else task.installed = installed;
  }
  if (pinnedRecords.length > 0) task.pinnedRecords = pinnedRecords;
  if (Array.isArray(c.history_specs)) task.historySpecs = strings(c.history_specs);
  if (Array.isArray(c.specs_to_remove)) task.specsToRemove = strings(c.specs_to_remove);
  if (Array.isArray(c.pinned)) task.pinned = strings(c.pinned);
  if (Array.isArray(c.constraints)) task.constraints = strings(c.constraints);
  const modifier = settings.update_modifier;
  if (typeof modifier === "string") task.updateModifier = modifier as UpdateModifier;
  if (settings.deps_modifier === "no_deps" || settings.deps_modifier === "only_deps") task.depsModifier = settings.deps_modifier;
  if (settings.prune === true) task.prune = true;
  if (settings.force_remove === true) task.forceRemove = true;
  if (settings.ignore_pinned === true) task.ignorePinned = true;
  if (settings.force_reinstall === true) task.forceReinstall = true;
  if (Array.isArray(settings.aggressive_update_packages)) task.aggressiveUpdatePackages = strings(settings.aggressive_update_packages);
  if (typeof settings.auto_update_conda === "boolean") task.autoUpdateConda = settings.auto_update_conda;
  if (typeof settings.target_is_conda_prefix === "boolean") task.targetIsCondaPrefix = settings.target_is_conda_prefix;
  if (typeof settings.clean_dependencies === "boolean") task.cleanDependencies = settings.clean_dependencies;
  if (Array.isArray(settings.keep)) task.keep = strings(settings.keep);
  if (typeof settings.allow_downgrade === "boolean") task.allowDowngrade = settings.allow_downgrade;
  if (settings.specs_are_updates === true) task.specsAreUpdates = true;
  if (settings.exclude_newer !== undefined) {
    const ms = typeof settings.exclude_newer === "number" ? settings.exclude_newer : Date.parse(String(settings.exclude_newer));
    if (!Number.isFinite(ms)) throw new _Unsupported(`exclude_newer '${String(settings.exclude_newer)}'`);
    task.excludeNewer = ms;
  }
  if (settings.strategy === "lowest_version") task.strategy = "lowest";
  else if (settings.strategy === "lowest_version_direct") task.strategy = "lowest_direct";
  else if (settings.strategy !== undefined && settings.strategy !== "highest") throw new _Unsupported(`strategy '${String(settings.strategy)}'`);
  return task;
}

function outputRecord(r: PackageRecord): Record<string, unknown> {
  const raw = rawOf.get(r) ?? {};
  return { ...raw, fn: r.fn, channel: r.channel, subdir: r.subdir, name: r.name, version: r.version, build: r.build, build_number: r.build_number };
}

/** The error kind of a failed solve, as the case format names it. */
function errorKind(err: unknown, semantics: SolveSemantics): ConformanceOutput {
  if (err instanceof SolverError) {
    if (err.code === "CG_SOLVE_NOT_FOUND") return { error: "not_found" };
    if (err.code === "CG_SOLVE_INVALID_SPEC") return { error: "invalid_spec" };
    return { error: err.pinConflict && semantics === "conda" ? "pin_conflict" : "unsatisfiable" };
  }
  if (err instanceof SolveTimeoutError) return { error: "unsupported", reason: "the solve timed out" };
  throw err;
}

/**
 * Runs one conformance case and returns what the case runner prints: the
 * solved records as objects (channel, subdir, name, version, build and every
 * field of the input record), or `{error: KIND}`; `{error: "unsupported",
 * reason}` for a case this solver cannot run.
 */
export function runConformanceCase(caseJson: unknown, dataDir: string): ConformanceOutput {
  let task: SolveTask;
  try {
    task = conformanceTask(caseJson, dataDir);
  } catch (err) {
    if (err instanceof _Unsupported) return { error: "unsupported", reason: err.message };
    if (isCondaguardError(err)) return { error: "unsupported", reason: err.message };
    throw err;
  }
  try {
    return solveConda(task).records.map(outputRecord);
  } catch (err) {
    return errorKind(err, task.semantics ?? "conda");
  }
}

// ---- comparison ---------------------------------------------------------

interface _Rec {
  channel?: unknown;
  subdir?: unknown;
  name?: unknown;
  version?: unknown;
  build?: unknown;
  [key: string]: unknown;
}

function parseExpected(text: string): _Rec {
  const at = text.indexOf("::");
  let channel = text.slice(0, at);
  let subdir: string | undefined;
  const slash = channel.indexOf("/");
  if (slash >= 0 && !/^(https?|file):/.test(channel)) {
    subdir = channel.slice(slash + 1);
    channel = channel.slice(0, slash);
  }
  const rest = text.slice(at + 2);
  const b = rest.lastIndexOf("-");
  const v = rest.lastIndexOf("-", b - 1);
  return { channel, subdir, name: rest.slice(0, v), version: rest.slice(v + 1, b), build: rest.slice(b + 1) };
}

function toRec(item: unknown): _Rec {
  if (typeof item === "string") return parseExpected(item);
  if (isObject(item)) {
    const r: _Rec = { ...item };
    if (r.build === undefined && r.build_string !== undefined) r.build = r.build_string;
    return r;
  }
  return {};
}

function keyOf(r: _Rec, withSubdir: boolean): string {
  const head = withSubdir ? `${String(r.channel)}/${String(r.subdir)}` : String(r.channel);
  return `${head}::${String(r.name)}-${String(r.version)}-${String(r.build)}`;
}

function recMatches(r: _Rec, pred: Json): boolean {
  for (const [k, v] of Object.entries(pred)) {
    const have = r[k];
    if (have === undefined || have === null) return false;
    if (String(have) !== String(v)) return false;
  }
  return true;
}

function checkExpect(expect: Json, output: ConformanceOutput, c: Json, results: ReadonlyMap<string, ConformanceOutput>): string | undefined {
  const withSubdir = c.compare_subdir === true;
  if (!Array.isArray(output)) {
    const got = output.error;
    if (expect.error !== undefined) {
      const want = Array.isArray(expect.error) ? strings(expect.error) : [String(expect.error)];
      return want.includes(got) ? undefined : `error '${got}', expected one of ${want.join(", ")}`;
    }
    return `error '${got}', expected a solution`;
  }
  if (expect.error !== undefined) return `a solution of ${output.length} records, expected error ${JSON.stringify(expect.error)}`;
  const recs = output.map(toRec);
  const keys = new Set(recs.map((r) => keyOf(r, withSubdir)));
  const norm = (s: string): string => keyOf(parseExpected(s), withSubdir);
  if (Array.isArray(expect.packages)) {
    const want = new Set(strings(expect.packages).map(norm));
    const missing = [...want].filter((k) => !keys.has(k)).sort();
    const extra = [...keys].filter((k) => !want.has(k)).sort();
    if (missing.length > 0 || extra.length > 0) return `missing [${missing.join(", ")}] extra [${extra.join(", ")}]`;
  }
  if (typeof expect.same_as === "string") {
    const other = results.get(expect.same_as);
    if (other === undefined) return `same_as target ${expect.same_as} was not run`;
    if (!Array.isArray(other)) return `same_as target ${expect.same_as} produced no solution`;
    const otherKeys = new Set(other.map((x) => keyOf(toRec(x), withSubdir)));
    const here = [...keys].filter((k) => !otherKeys.has(k));
    const there = [...otherKeys].filter((k) => !keys.has(k));
    if (here.length > 0 || there.length > 0) return `differs from ${expect.same_as}: only here [${here.join(", ")}], only there [${there.join(", ")}]`;
  }
  for (const s of strings(expect.contains)) if (!keys.has(norm(s))) return `missing ${s}`;
  for (const s of strings(expect.excludes)) if (keys.has(norm(s))) return `must not contain ${s}`;
  if (Array.isArray(expect.subset_of)) {
    const allowed = new Set(strings(expect.subset_of).map(norm));
    const extra = [...keys].filter((k) => !allowed.has(k));
    if (extra.length > 0) return `not a subset of the allowed set: extra [${extra.sort().join(", ")}]`;
  }
  if (typeof expect.count === "number" && keys.size !== expect.count) return `expected ${expect.count} records, got ${keys.size}`;
  for (const pred of Array.isArray(expect.contains_records) ? expect.contains_records.filter(isObject) : []) {
    if (!recs.some((r) => recMatches(r, pred))) return `no record matching ${JSON.stringify(pred)}`;
  }
  for (const pred of Array.isArray(expect.excludes_records) ? expect.excludes_records.filter(isObject) : []) {
    if (recs.some((r) => recMatches(r, pred))) return `a record matches excluded ${JSON.stringify(pred)}`;
  }
  return undefined;
}

/**
 * Compares a runner's output with a case's expectation, as the reference
 * checker does (alternatives for other solvers are accepted and said so).
 * `{error: "unsupported"}` gives "skip" with its reason. For `same_as`,
 * `allCases` gives the other case's result: either the outputs by case id,
 * or the case objects themselves (the other case is then run here, with
 * this case's `_data_dir`).
 */
export function checkConformanceCase(
  caseJson: unknown,
  output: ConformanceOutput,
  allCases: ReadonlyMap<string, ConformanceOutput> | readonly unknown[] = new Map(),
): ConformanceVerdict {
  if (!isObject(caseJson) || !isObject(caseJson.expect)) return { status: "fail", reason: "the case has no expectation" };
  let results: ReadonlyMap<string, ConformanceOutput>;
  if (Array.isArray(allCases)) {
    const map = new Map<string, ConformanceOutput>();
    const target = caseJson.expect.same_as;
    const other = allCases.find((c) => isObject(c) && c.id === target);
    if (isObject(other)) {
      const dataDir = typeof caseJson._data_dir === "string" ? caseJson._data_dir : typeof other._data_dir === "string" ? other._data_dir : "";
      map.set(String(target), runConformanceCase({ ...other, _data_dir: dataDir }, dataDir));
    }
    results = map;
  } else {
    results = allCases as ReadonlyMap<string, ConformanceOutput>;
  }
  if (!Array.isArray(output) && output.error === "unsupported") {
    return { status: "skip", reason: output.reason ?? "unsupported" };
  }
  const failure = checkExpect(caseJson.expect, output, caseJson, results);
  if (failure === undefined) return { status: "pass" };
  for (const alt of Array.isArray(caseJson.alternatives) ? caseJson.alternatives.filter(isObject) : []) {
    if (checkExpect(alt, output, caseJson, results) === undefined) {
      return { status: "pass", reason: `matched the alternative accepted for ${strings(alt.solvers).join(", ")}` };
    }
  }
  return { status: "fail", reason: failure };
}
