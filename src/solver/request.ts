import { MatchSpec, Version } from "../conda/index.js";
import type { PackageRecord } from "../conda/index.js";
import { SolverError } from "./errors.js";
import type { SolveTask } from "./task.js";
import { eachRecord } from "./record_source.js";

/** A root requirement: a spec text, or exactly one record. */
export type Requirement = { spec: string } | { record: PackageRecord };

/**
 * What one solve asks of the core, after the request model (conda, libmamba,
 * rattler) was applied to the task: requirements, preferences and the
 * post-processing of the answer.
 */
export interface SolvePlan {
  requirements: Requirement[];
  /** Requirements kept when they fit, dropped (one by one) when they stand in the way of the others. */
  soft: string[];
  /** Root constraints (restrict a name only if it is installed). */
  constraints: string[];
  /** Preferred records (the installed environment, locked records). */
  favored: PackageRecord[];
  /** If the name is installed, it must be this record. */
  locked: PackageRecord[];
  /** Specs whose matching candidates must not be installed, with the reason. */
  excluded: Array<{ spec: string; reason: string }>;
  /** Requested specs whose versions are maximised first, in order (conda's "requested packages" objective). */
  improve: string[];
  /** Records that are candidates even if no channel has them (installed records). */
  extraRecords: PackageRecord[];
  activeFeatures: Set<string>;
  lowestNames?: Set<string> | "all";
  /** Turns the core's answer into the final environment (e.g. keep unrelated installed packages). */
  finish: (records: PackageRecord[]) => PackageRecord[];
}

/** conda's business rule: these installed packages are kept even without history (conda `_add_specs`). */
const ALWAYS_KEPT = ["anaconda", "conda", "conda-build", "python.app", "console_shortcut", "powershell_shortcut"];
const DEFAULT_AGGRESSIVE = ["ca-certificates", "certifi", "openssl"];

/** The package name of a spec text (lower-cased, as MatchSpec stores it). */
export function specName(text: string): string {
  const spec = parseOrUndefined(text);
  if (spec !== undefined) return spec.name;
  const bare = text.includes("::") ? text.slice(text.lastIndexOf("::") + 2) : text;
  return bare.trim().split(/[\s=<>!~\[]/)[0].toLowerCase();
}

/** The parsed spec, or undefined when it does not parse (the solver reports such specs itself). */
function parseOrUndefined(text: string): MatchSpec | undefined {
  try {
    return MatchSpec.parse(text);
  } catch {
    return undefined;
  }
}

function exactText(record: PackageRecord): string {
  return `${record.name}==${record.version}=${record.build}`;
}

/** Installed records reachable from `roots` through `depends` (including the roots). */
export function dependencyClosure(roots: readonly PackageRecord[], all: readonly PackageRecord[]): Set<PackageRecord> {
  const byName = new Map<string, PackageRecord>();
  for (const r of all) byName.set(r.name, r);
  const seen = new Set<PackageRecord>();
  const stack = [...roots];
  while (stack.length > 0) {
    const r = stack.pop() as PackageRecord;
    if (seen.has(r)) continue;
    seen.add(r);
    for (const d of r.depends) {
      const dep = byName.get(safeName(d));
      if (dep !== undefined && !seen.has(dep)) stack.push(dep);
    }
  }
  return seen;
}

function safeName(text: string): string {
  try {
    return specName(text);
  } catch {
    return text.split(/[\s=<>!~\[]/)[0];
  }
}

/** Records that depend, directly or not, on one of `removed` (conda removes them with it). */
function dependents(removed: ReadonlySet<string>, installed: readonly PackageRecord[]): Set<string> {
  const gone = new Set(removed);
  for (let changed = true; changed; ) {
    changed = false;
    for (const r of installed) {
      if (gone.has(r.name)) continue;
      if (r.depends.some((d) => gone.has(safeName(d)))) {
        gone.add(r.name);
        changed = true;
      }
    }
  }
  return gone;
}

function majorMinor(version: string): string {
  return version.split(".").slice(0, 2).join(".");
}

/**
 * Legacy features turned on by the request: a required spec whose every
 * candidate tracks a feature (e.g. `*[track_features=mkl]`, `nomkl`).
 */
function activeFeaturesOf(specs: readonly string[], task: SolveTask): Set<string> {
  const active = new Set<string>();
  for (const text of specs) {
    const spec = parseOrUndefined(text);
    if (spec === undefined) continue;
    if (spec.trackFeatures !== undefined) {
      for (const f of spec.trackFeatures) active.add(f);
      continue;
    }
    if (spec.name.includes("*")) continue;
    // The features every matching record tracks; stops at the first matching record that tracks none.
    let common: string[] | undefined;
    for (const r of eachRecord(task.records, spec.name)) {
      if (!spec.match(r)) continue;
      common = common === undefined ? [...r.track_features] : common.filter((f) => r.track_features.includes(f));
      if (common.length === 0) break;
    }
    for (const f of common ?? []) active.add(f);
  }
  return active;
}

function identity(records: PackageRecord[]): PackageRecord[] {
  return records;
}

/** The conda request model: `Solver.solve_final_state()` (the whole final environment). */
export function condaPlan(task: SolveTask, specsToAdd: readonly string[] = task.specs): SolvePlan {
  const installed = task.installed ?? [];
  const installedByName = new Map(installed.map((r) => [r.name, r]));
  const history = task.historySpecs ?? [];
  const aggressive = task.aggressiveUpdatePackages ?? DEFAULT_AGGRESSIVE;
  const modifier = task.updateModifier ?? "update_specs";
  const requested = new Map<string, string>();
  for (const s of specsToAdd) requested.set(specName(s), s);

  const toRemove = task.specsToRemove ?? [];
  const removeSpecs = toRemove.map((t) => MatchSpec.parse(t));
  if (toRemove.length > 0 && task.forceRemove === true) {
    const kept = installed.filter((r) => !removeSpecs.some((s) => s.match(r)));
    return {
      ...emptyPlan(),
      finish: () => kept,
    };
  }
  // Removing `*[track_features=mkl]` also removes every package built with the mkl feature.
  const removedFeatures = new Set(removeSpecs.flatMap((s) => [...(s.trackFeatures ?? [])]));
  const hasRemovedFeature = (r: PackageRecord): boolean =>
    (r.features ?? "").split(/[\s,]+/).some((f) => removedFeatures.has(f));
  const removedDirect = new Set(installed.filter((r) => removeSpecs.some((s) => s.match(r))).map((r) => r.name));
  for (const spec of removeSpecs) {
    if (spec.trackFeatures !== undefined || installed.some((r) => spec.match(r))) continue;
    throw new SolverError("CG_SOLVE_NOT_FOUND", `Cannot remove '${spec.source ?? spec.toString()}': no installed package matches it.`, {
      input: spec.source,
      hint: "List the environment to see what is installed.",
    });
  }
  const removed = dependents(removedDirect, installed);
  // Packages built with a removed feature are replaced by a build without it where something still needs them.
  const defeatured = new Set(installed.filter((r) => hasRemovedFeature(r) && !removed.has(r.name)).map((r) => r.name));

  const specsMap = new Map<string, string>();
  const targets = new Set<string>();
  if (task.prune === true) {
    // Pruning keeps only what the requested specs need: earlier requests no longer hold anything.
  } else if (history.length === 0) {
    for (const r of installed) specsMap.set(r.name, r.name);
  } else {
    for (const h of history) {
      // A history spec that turned on a feature being removed goes with it.
      const spec = parseOrUndefined(h);
      if (spec?.trackFeatures !== undefined && spec.trackFeatures.every((f) => removedFeatures.has(f))) continue;
      specsMap.set(specName(h), h);
    }
    for (const name of [...ALWAYS_KEPT, ...aggressive]) if (installedByName.has(name)) specsMap.set(name, name);
  }
  for (const name of removed) specsMap.delete(name);
  if (modifier === "update_all") {
    for (const name of [...specsMap.keys()]) specsMap.set(name, name);
  } else {
    for (const name of specsMap.keys()) if (installedByName.has(name)) targets.add(name);
  }
  if (modifier === "freeze_installed") {
    for (const r of installed) {
      if (requested.has(r.name) || removed.has(r.name)) continue;
      const spec = specsMap.get(r.name);
      if (spec !== undefined && MatchSpec.parse(spec).match(r)) specsMap.set(r.name, exactText(r));
    }
  }
  // conda never moves python to another minor version unless asked to.
  const python = installedByName.get("python");
  if (python !== undefined && !requested.has("python") && !removed.has("python") && toRemove.length === 0) {
    const current = specsMap.get("python") ?? "python";
    if (MatchSpec.parse(current).version === undefined) specsMap.set("python", `python ${majorMinor(python.version)}.*`);
  }
  for (const name of aggressive) {
    if (specsMap.has(name) && !specsMap.get(name)?.includes("==")) {
      specsMap.set(name, name);
      targets.delete(name);
    }
  }
  for (const [name, s] of requested) {
    specsMap.set(name, s);
    targets.delete(name);
  }
  // conda never downgrades itself in its own prefix, and may update itself there.
  const conda = installedByName.get("conda");
  const extra: string[] = [];
  if (task.targetIsCondaPrefix === true && conda !== undefined && specsMap.has("conda")) {
    const explicit = requested.get("conda");
    const floor = `conda >=${conda.version}`;
    if (explicit === undefined) {
      specsMap.set("conda", floor);
      if (task.autoUpdateConda ?? true) targets.delete("conda");
    } else if (MatchSpec.parse(explicit).version === undefined) {
      extra.push(floor);
    }
  }
  const constraints: string[] = [];
  const requirements: Requirement[] = extra.map((spec) => ({ spec }));
  if (task.ignorePinned !== true) {
    for (const pin of task.pinned ?? []) {
      const name = specName(pin);
      constraints.push(pin);
      const explicit = requested.get(name);
      if (explicit !== undefined) {
        // conda: an explicit spec that no pinned record can satisfy overrides the pin (with a warning upstream).
        const want = MatchSpec.parse(explicit);
        const pinSpec = MatchSpec.parse(pin);
        let overlap = false;
        for (const r of eachRecord(task.records, name)) {
          if ((r.subdir === task.subdir || r.subdir === "noarch") && want.match(r) && pinSpec.match(r)) {
            overlap = true;
            break;
          }
        }
        if (overlap) requirements.push({ spec: pin });
        else constraints.pop();
      } else if (specsMap.has(name)) {
        specsMap.set(name, pin);
      }
    }
  }
  for (const [name, s] of specsMap) if (!requested.has(name)) requirements.push({ spec: s });
  // Every requested spec is required, also several of one name (conda merges them).
  for (const s of specsToAdd) requirements.push({ spec: s });

  const required = [...specsMap.values()];
  const activeFeatures = activeFeaturesOf(required, task);
  const favored: PackageRecord[] = [];
  for (const r of installed) {
    if (removed.has(r.name) || requested.has(r.name) || defeatured.has(r.name)) continue;
    if (aggressive.includes(r.name)) continue;
    if (modifier === "update_all") continue;
    if (!targets.has(r.name) && specsMap.has(r.name)) continue;
    if (r.track_features.some((f) => !activeFeatures.has(f))) continue;
    if ((r.features ?? "").split(/[\s,]+/).some((f) => f !== "" && !activeFeatures.has(f))) continue;
    favored.push(r);
  }
  const excluded = [...removedDirect].map((name) => ({ spec: name, reason: "it is being removed" }));

  let finish = depsModifierFinish(task, installed, requested, removed);
  if (task.prune === true) {
    const inner = finish;
    finish = (records) => {
      const roots = records.filter((r) => required.some((s) => MatchSpec.parse(s).match(r)));
      const keep = dependencyClosure(roots, records);
      return inner(records.filter((r) => keep.has(r)));
    };
  }
  return {
    requirements,
    soft: [],
    constraints,
    favored,
    locked: [],
    excluded,
    improve: [...requested.values()],
    extraRecords: [...installed],
    activeFeatures,
    finish,
  };
}

function emptyPlan(): SolvePlan {
  return {
    requirements: [],
    soft: [],
    constraints: [],
    favored: [],
    locked: [],
    excluded: [],
    improve: [],
    extraRecords: [],
    activeFeatures: new Set(),
    finish: identity,
  };
}

/** The libmamba request model: install/update/remove jobs over an installed repository. */
export function libmambaPlan(task: SolveTask): SolvePlan {
  const installed = task.installed ?? [];
  const installedByName = new Map(installed.map((r) => [r.name, r]));
  const requested = new Map<string, string>();
  for (const s of task.specs) requested.set(specName(s), s);
  const removeSpecs = (task.specsToRemove ?? []).map((t) => MatchSpec.parse(t));
  const removedDirect = new Set(installed.filter((r) => removeSpecs.some((s) => s.match(r))).map((r) => r.name));
  const removed = dependents(removedDirect, installed);
  const updates = task.specsAreUpdates === true;

  let dropped = new Set<string>();
  if (task.cleanDependencies === true && (removedDirect.size > 0 || updates)) {
    // Dependencies of what goes (or is updated) that nothing else needs any more.
    const leaving = installed.filter((r) => removed.has(r.name) || (updates && requested.has(r.name)));
    const candidates = dependencyClosure(leaving, installed);
    const keepRoots = installed.filter(
      (r) => !candidates.has(r) || (task.keep ?? []).includes(r.name),
    );
    const needed = dependencyClosure(keepRoots, installed);
    dropped = new Set(installed.filter((r) => candidates.has(r) && !needed.has(r) && !requested.has(r.name)).map((r) => r.name));
  }

  const requirements: Requirement[] = [];
  const soft: string[] = [];
  const favored: PackageRecord[] = [];
  const constraints: string[] = [...(task.pinned ?? [])];
  for (const r of installed) {
    if (removed.has(r.name) || dropped.has(r.name)) continue;
    const spec = requested.get(r.name);
    if (spec === undefined) {
      soft.push(r.name);
      favored.push(r);
      if (task.allowDowngrade !== true && updates && Version.tryParse(r.version) !== undefined && r.version !== "") {
        constraints.push(`${r.name} >=${r.version}`);
      }
    } else if (!updates && parseOrUndefined(spec)?.match(r) === true) {
      favored.push(r);
    }
  }
  for (const s of requested.values()) requirements.push({ spec: s });
  for (const pin of task.pinned ?? []) if (requested.has(specName(pin))) requirements.push({ spec: pin });
  return {
    requirements,
    soft,
    constraints,
    favored,
    locked: installed.filter((r) => (task.keep ?? []).includes(r.name)),
    excluded: [...removedDirect].map((name) => ({ spec: name, reason: "it is being removed" })),
    improve: updates ? [...requested.values()] : [...requested.values()].filter((s) => !installedByName.has(specName(s))),
    extraRecords: [...installed],
    activeFeatures: activeFeaturesOf([...requested.values()], task),
    finish: depsModifierFinish(task, installed, requested, removed),
  };
}

/** `no_deps`: only the requested packages change; `only_deps`: the requested packages themselves are left out. */
function depsModifierFinish(
  task: SolveTask,
  installed: readonly PackageRecord[],
  requested: ReadonlyMap<string, string>,
  removed: ReadonlySet<string>,
): (records: PackageRecord[]) => PackageRecord[] {
  const installedNames = new Set(installed.map((r) => r.name));
  if (task.depsModifier === "no_deps") {
    return (records) => {
      const added = records.filter((r) => requested.has(r.name));
      const addedNames = new Set(added.map((r) => r.name));
      return [...installed.filter((r) => !addedNames.has(r.name) && !removed.has(r.name)), ...added];
    };
  }
  if (task.depsModifier === "only_deps") {
    return (records) => records.filter((r) => !requested.has(r.name) || installedNames.has(r.name));
  }
  return identity;
}

/** The rattler request model: only what the specs need; installed records are a preference. */
export function rattlerPlan(task: SolveTask): SolvePlan {
  const locked = [...(task.pinnedRecords ?? [])];
  const direct = new Set(task.specs.map(specName));
  let lowestNames: Set<string> | "all" | undefined;
  if (task.strategy === "lowest") lowestNames = "all";
  else if (task.strategy === "lowest_direct") lowestNames = direct;
  return {
    requirements: task.specs.map((spec) => ({ spec })),
    soft: [],
    constraints: [...(task.constraints ?? []), ...(task.pinned ?? [])],
    favored: [...(task.locked ?? []), ...(task.installed ?? [])],
    locked,
    excluded: [],
    improve: [],
    extraRecords: [...locked, ...(task.locked ?? []), ...(task.installed ?? [])],
    activeFeatures: activeFeaturesOf(task.specs, task),
    lowestNames,
    finish: identity,
  };
}

/** The plan of a task under its semantics (conda unless said otherwise). */
export function planFor(task: SolveTask): SolvePlan {
  switch (task.semantics ?? "conda") {
    case "rattler":
      return rattlerPlan(task);
    case "libmamba":
      return libmambaPlan(task);
    default:
      return condaPlan(task);
  }
}

/** Sorts versions for messages. */
export function newestVersionFirst(a: string, b: string): number {
  const va = Version.tryParse(a);
  const vb = Version.tryParse(b);
  if (va !== undefined && vb !== undefined) return vb.compare(va);
  return a < b ? 1 : -1;
}
