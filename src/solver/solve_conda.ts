import { MatchSpec, MatchSpecError, Version, VersionSpecError, isCondaguardError } from "../conda/index.js";
import type { PackageRecord } from "../conda/index.js";
import { solve, explainConflict, SolveTimeoutError } from "./core/index.js";
import type { ExcludedSolvable, Problem, SolvableId, SolveResult, VersionSetId } from "./core/index.js";
import { CondaProvider, _isBadHash } from "./conda_provider.js";
import { SolverError } from "./errors.js";
import { notFoundMessage } from "./explain.js";
import { condaPlan, planFor, specName } from "./request.js";
import { eachRecord } from "./record_source.js";
import type { SolvePlan } from "./request.js";
import type { SolveOutcome, SolveTask } from "./task.js";
import { plainRecord } from "../repodata/index.js";

/** At most this many improving solves per requested spec (each finds a strictly better version). */
const IMPROVE_ROUNDS = 16;

/** The core problem of a plan, over one provider. */
interface _Built {
  provider: CondaProvider;
  problem: Problem;
  /** Requirement version sets, parallel to `plan.requirements`. */
  requirementSets: VersionSetId[];
  /** Hard root requirements (plan requirements and the system's virtual packages). */
  hard: VersionSetId[];
  /** Requirements kept only while they fit (`plan.soft`). */
  soft: VersionSetId[];
}

function invalidSpec(text: string, err: unknown): SolverError {
  const detail = err instanceof Error ? err.message : String(err);
  return new SolverError("CG_SOLVE_INVALID_SPEC", `The spec '${text}' is not valid: ${detail}`, {
    input: text,
    cause: err,
    hint: "Write specs as conda does, e.g. 'numpy >=1.26,<2' or 'conda-forge::python=3.11'.",
  });
}

function isSpecError(err: unknown): boolean {
  return err instanceof MatchSpecError || err instanceof VersionSpecError;
}

/** Parses every spec of the request once, so that a bad one is reported before any solving. */
function checkSpecs(task: SolveTask): void {
  const all = [
    ...task.specs,
    ...(task.historySpecs ?? []),
    ...(task.specsToRemove ?? []),
    ...(task.pinned ?? []),
    ...(task.constraints ?? []),
  ];
  for (const text of all) {
    try {
      MatchSpec.parse(text);
    } catch (err) {
      if (_isBadHash(err)) continue;
      if (isSpecError(err)) throw invalidSpec(text, err);
      throw err;
    }
  }
  // conda merges specs of one name; two different build patterns cannot be merged.
  const builds = new Map<string, string>();
  for (const text of task.specs) {
    if (_isBadHashSpec(text)) continue;
    const spec = MatchSpec.parse(text);
    if (spec.build === undefined) continue;
    const other = builds.get(spec.name);
    if (other !== undefined && incompatiblePrefixGlobs(other, spec.build)) {
      throw new SolverError(
        "CG_SOLVE_INVALID_SPEC",
        `The specs for ${spec.name} ask for two build patterns, '${other}' and '${spec.build}', which cannot be combined.`,
        { input: text, hint: `Give one spec for ${spec.name}.` },
      );
    }
    builds.set(spec.name, spec.build);
  }
}

function _isBadHashSpec(text: string): boolean {
  try {
    MatchSpec.parse(text);
    return false;
  } catch (err) {
    return _isBadHash(err);
  }
}

/** Two `prefix*` build globs that no build can match both (conda refuses to merge them). */
function incompatiblePrefixGlobs(a: string, b: string): boolean {
  const prefix = (g: string): string | undefined => (/^[^*]+\*$/.test(g) ? g.slice(0, -1) : undefined);
  const pa = prefix(a);
  const pb = prefix(b);
  return pa !== undefined && pb !== undefined && !pa.startsWith(pb) && !pb.startsWith(pa);
}

function build(task: SolveTask, plan: SolvePlan): _Built {
  const provider = new CondaProvider({
    records: task.records,
    packageNames: task.packageNames,
    channels: task.channels,
    subdir: task.subdir,
    virtualPackages: task.virtualPackages,
    priority: task.channelPriority ?? "flexible",
    extraRecords: plan.extraRecords,
    activeFeatures: plan.activeFeatures,
    legacyFeatures: (task.semantics ?? "conda") === "conda",
    dependenciesBeforeBuild: (task.semantics ?? "conda") === "conda",
    excludeNewer: task.excludeNewer,
    lowestNames: plan.lowestNames,
  });
  const requirementSets: VersionSetId[] = [];
  for (const req of plan.requirements) {
    if ("spec" in req) requirementSets.push(provider.versionSet(req.spec));
    else {
      const s = provider.solvableOf(req.record);
      requirementSets.push(s === undefined ? provider.versionSet(`${req.record.name}==${req.record.version}=${req.record.build}`) : provider.exactVersionSet(s));
    }
  }
  // Virtual packages of the system are installed (see `hard` below): constrains on them apply.
  const constraints = plan.constraints.map((c) => provider.versionSet(c));
  const toSolvables = (records: readonly PackageRecord[]): SolvableId[] => {
    const out: SolvableId[] = [];
    for (const r of records) {
      const s = provider.solvableOf(r);
      if (s !== undefined) out.push(s);
    }
    return out;
  };
  const excluded: ExcludedSolvable[] = [];
  for (const { spec, reason } of plan.excluded) {
    const parsed = MatchSpec.parse(spec);
    if (parsed.name.includes("*")) continue;
    for (const s of provider.sortedCandidates(parsed.name)) {
      if (parsed.match(provider.record(s))) excluded.push({ solvable: s, reason });
    }
  }
  const hard = [...requirementSets];
  for (const name of new Set((task.virtualPackages ?? []).map((vp) => vp.name))) hard.push(provider.systemVersionSet(name));
  const soft = plan.soft.map((t) => provider.versionSet(t));
  const problem: Problem = {
    requirements: [...hard, ...soft],
    constraints,
    favored: toSolvables(plan.favored),
    locked: toSolvables(plan.locked),
    excluded,
  };
  return { provider, problem, requirementSets, hard, soft };
}

/** Runs the core with what is left of the time budget. */
function runCore(provider: CondaProvider, problem: Problem, deadline: number | undefined, timeoutMs: number | undefined): SolveResult {
  if (deadline === undefined) return solve(provider, problem);
  const left = deadline - Date.now();
  if (left <= 0) throw new SolveTimeoutError(timeoutMs ?? 0);
  try {
    return solve(provider, { ...problem, timeoutMs: left });
  } catch (err) {
    if (err instanceof SolveTimeoutError) throw new SolveTimeoutError(timeoutMs ?? left);
    throw err;
  }
}

/**
 * Solves with the soft requirements when they fit; otherwise without them,
 * adding back, one by one, those that still fit (libmamba may uninstall an
 * installed package that stands in the way of a job).
 */
function solveWithSoft(built: _Built, extra: readonly VersionSetId[], task: SolveTask, deadline: number | undefined): SolveResult {
  const { provider, problem, hard, soft } = built;
  const all = runCore(provider, { ...problem, requirements: [...hard, ...extra, ...soft] }, deadline, task.timeoutMs);
  if (all.status === "sat" || soft.length === 0) return all;
  let best = runCore(provider, { ...problem, requirements: [...hard, ...extra] }, deadline, task.timeoutMs);
  if (best.status === "unsat") return all;
  const kept: VersionSetId[] = [];
  for (const vs of soft) {
    const attempt = runCore(provider, { ...problem, requirements: [...hard, ...extra, ...kept, vs] }, deadline, task.timeoutMs);
    if (attempt.status === "sat") {
      kept.push(vs);
      best = attempt;
    }
  }
  return best;
}

/**
 * conda maximises the channel and version of the requested specs before
 * anything else (after removals). The core is a preference-greedy search,
 * so a dependency decided early, or a candidate's track_features, can hold
 * a requested package back. This pass asks, spec by spec, whether a better
 * (channel, version) of the requested name still fits, and keeps the best
 * that does; builds inside that version stay the core's choice.
 */
function improveRequested(
  built: _Built,
  plan: SolvePlan,
  first: SolveResult,
  task: SolveTask,
  deadline: number | undefined,
): SolveResult {
  const { provider } = built;
  let result = first;
  if (result.status !== "sat" || plan.improve.length === 0) return result;
  const byChannel = (task.channelPriority ?? "flexible") !== "disabled";
  const fixed: VersionSetId[] = [];
  for (const text of plan.improve) {
    if (result.status !== "sat") break;
    const vs = provider.versionSet(text);
    const name = provider.versionSetName(vs);
    const chosen = result.solvables.find((s) => provider.solvableName(s) === name);
    if (chosen === undefined || provider.isPseudo(chosen)) continue;
    const test = provider.versionSetTest(vs);
    const keyTest = provider.versionSetKeyTest(vs);
    const nameText = provider.names[name];
    const chosenTracked = provider.trackedCount(chosen);
    // libmamba and rattler deprioritise track_features before versions; conda maximises requested versions first.
    const tracksFirst = (task.semantics ?? "conda") !== "conda";
    const inGroup = (g: { rank: number; text: string }, version: string, channel: string): boolean =>
      version === g.text && (!byChannel || provider.channelRank(channel) === g.rank);
    const groupSet = (g: { rank: number; text: string }): VersionSetId =>
      provider.customVersionSet(
        `group\u0000${nameText}\u0000${g.rank}\u0000${g.text}`,
        nameText,
        `${nameText} ${g.text}`,
        (r) => r.name === nameText && inGroup(g, r.version, r.channel) && test(r),
        keyTest === undefined ? undefined : (v, b, n, channel) => inGroup(g, v, channel) && keyTest(v, b, n, channel),
      );
    const chosenRecord = provider.record(chosen);
    const chosenRank = byChannel ? provider.channelRank(chosenRecord.channel) : 0;
    // The common case: no matching candidate has a better (or an equal but
    // differently written) (channel, version) than the chosen one, so the
    // chosen group would be the first of the list below and no solve would
    // run. Checking that costs a version comparison per candidate.
    if (test(chosenRecord) && !hasBetterGroup(provider, nameText, chosen, chosenRank, byChannel, tracksFirst ? chosenTracked : -1, test)) {
      fixed.push(groupSet({ rank: chosenRank, text: chosenRecord.version }));
      continue;
    }
    // Candidate groups of one (channel, version), best first; versions are compared as written.
    const groups: Array<{ rank: number; version: Version | undefined; text: string }> = [];
    const seen = new Set<string>();
    for (const s of provider.sortedCandidates(nameText)) {
      const r = provider.record(s);
      if (!test(r)) continue;
      if (tracksFirst && r.track_features.length > chosenTracked) continue;
      const rank = byChannel ? provider.channelRank(r.channel) : 0;
      const key = `${rank}\u0000${r.version}`;
      if (seen.has(key)) continue;
      seen.add(key);
      groups.push({ rank, version: provider.versionOf(s), text: r.version });
    }
    groups.sort((a, b) => a.rank - b.rank || compareMaybe(b.version, a.version, b.text, a.text));
    const at = groups.findIndex((g) => g.rank === chosenRank && g.text === chosenRecord.version);
    // One solve asks "can any better group be had?"; the core then takes the best it can,
    // and the question is asked again above that, until the answer is no.
    let best = at;
    for (let round = 0; best > 0 && round < IMPROVE_ROUNDS; round++) {
      const better = new Set(groups.slice(0, best).map((g) => `${g.rank}\u0000${g.text}`));
      const anyBetter = provider.customVersionSet(
        `better\u0000${nameText}\u0000${text}\u0000${best}`,
        nameText,
        `${nameText} newer than ${groups[best].text}`,
        (r) => r.name === nameText && test(r) && better.has(`${byChannel ? provider.channelRank(r.channel) : 0}\u0000${r.version}`),
        keyTest === undefined
          ? undefined
          : (v, b, n, channel) => better.has(`${byChannel ? provider.channelRank(channel) : 0}\u0000${v}`) && keyTest(v, b, n, channel),
      );
      const attempt = solveWithSoft(built, [...fixed, anyBetter], task, deadline);
      if (attempt.status !== "sat") break;
      result = attempt;
      const now = attempt.solvables.find((s) => provider.solvableName(s) === name);
      if (now === undefined) break;
      const r = provider.record(now);
      const rank = byChannel ? provider.channelRank(r.channel) : 0;
      const index = groups.findIndex((g) => g.rank === rank && g.text === r.version);
      if (index < 0 || index >= best) break;
      best = index;
    }
    if (best >= 0) fixed.push(groupSet(groups[best]));
  }
  return result;
}

/**
 * Whether a candidate of `name` that `test` matches (and, with
 * `maxTracked >= 0`, has at most that many track_features) would form a
 * (channel, version) group that sorts before or level with the chosen
 * candidate's group without being it.
 */
function hasBetterGroup(
  provider: CondaProvider,
  name: string,
  chosen: SolvableId,
  chosenRank: number,
  byChannel: boolean,
  maxTracked: number,
  test: (r: PackageRecord) => boolean,
): boolean {
  const chosenVersion = provider.versionText(chosen);
  for (const s of provider.sortedCandidates(name)) {
    // Fields first: at scale a name has a hundred thousand candidates, and most fail before their record is needed.
    const rank = byChannel ? provider.channelRank(provider.channelOf(s)) : 0;
    if (rank > chosenRank) continue;
    if (rank === chosenRank && (provider.versionText(s) === chosenVersion || provider.compareVersions(s, chosen) < 0)) continue;
    if (maxTracked >= 0 && provider.trackedCount(s) > maxTracked) continue;
    if (test(provider.record(s))) return true;
  }
  return false;
}

function compareMaybe(a: Version | undefined, b: Version | undefined, at: string, bt: string): number {
  if (a !== undefined && b !== undefined) return a.compare(b);
  return at < bt ? -1 : at > bt ? 1 : 0;
}

/** Whether a spec text matches no candidate at all (not even ignoring the rest of the request). */
function findMissing(built: _Built, plan: SolvePlan, task: SolveTask): string | undefined {
  const { provider } = built;
  const direct = new Set(task.specs);
  for (let i = 0; i < plan.requirements.length; i++) {
    const req = plan.requirements[i];
    if (!("spec" in req) || !direct.has(req.spec)) continue;
    const vs = built.requirementSets[i];
    const name = provider.versionSetName(vs);
    const candidates = provider.candidates(name);
    if (provider.filterCandidates(vs, candidates, false).length > 0) continue;
    // Records hidden by strict channel priority exist: that is a conflict, not a missing package.
    const test = provider.versionSetTest(vs);
    let hidden = false;
    for (const r of eachRecord(task.records, provider.names[name])) {
      if ((r.subdir === task.subdir || r.subdir === "noarch") && test(r)) {
        hidden = true;
        break;
      }
    }
    if (hidden) continue;
    return req.spec;
  }
  return undefined;
}

function resultRecords(provider: CondaProvider, solvables: readonly SolvableId[]): PackageRecord[] {
  const out: PackageRecord[] = [];
  for (const s of solvables) {
    if (provider.isPseudo(s)) continue;
    const r = provider.record(s);
    if (r.name.startsWith("__")) continue;
    out.push(r);
  }
  return out;
}

function deadlineOf(task: SolveTask): number | undefined {
  return task.timeoutMs === undefined ? undefined : Date.now() + task.timeoutMs;
}

function solvePlan(task: SolveTask, plan: SolvePlan, deadline: number | undefined): PackageRecord[] {
  let built: _Built;
  try {
    built = build(task, plan);
  } catch (err) {
    if (isSpecError(err)) throw invalidSpec(isCondaguardError(err) ? (err.input ?? "") : "", err);
    throw err;
  }
  const first = solveWithSoft(built, [], task, deadline);
  if (first.status === "unsat") {
    const missing = findMissing(built, plan, task);
    if (missing !== undefined) {
      throw new SolverError("CG_SOLVE_NOT_FOUND", notFoundMessage(missing, task, built.provider), {
        input: missing,
        hint: "Check the spelling, the channels (-c) and the platform (--platform).",
      });
    }
    const explanation = explainConflict(first.conflict, built.provider);
    const pinned = (task.pinned ?? []).length > 0 && task.ignorePinned !== true;
    throw new SolverError("CG_SOLVE_UNSAT", explanation, {
      hint: "Relax the versions of the specs named above, or add a channel that has compatible builds.",
      pinConflict: pinned && pinsConflict(task),
    });
  }
  const best = improveRequested(built, plan, first, task, deadline);
  if (best.status !== "sat") throw new Error("Improving a solution made it unsatisfiable.");
  const records = resultRecords(built.provider, best.solvables);
  if ((task.semantics ?? "conda") === "conda") {
    // A tracker the solve chose turns its feature on: featured builds are then preferred (conda's misfeature objective).
    // Only features some candidate is built with matter; others would re-solve for nothing.
    const tracked = new Set(
      records.flatMap((r) => r.track_features).filter((f) => !plan.activeFeatures.has(f) && built.provider.hasFeaturedCandidate(f)),
    );
    if (tracked.size > 0) {
      return solvePlan(task, { ...plan, activeFeatures: new Set([...plan.activeFeatures, ...tracked]) }, deadline);
    }
  }
  return plan.finish(records);
}

/** Whether the requested specs alone (without pins) are satisfiable: then the pins are the conflict. */
function pinsConflict(task: SolveTask): boolean {
  try {
    solvePlan({ ...task, pinned: [] }, planFor({ ...task, pinned: [] }), deadlineOf(task));
    return true;
  } catch {
    return false;
  }
}

/**
 * Solves one request for one platform: the final set of records (virtual
 * packages excluded). Throws `SolverError` (`CG_SOLVE_UNSAT` with the
 * explanation tree as message, `CG_SOLVE_NOT_FOUND`, `CG_SOLVE_INVALID_SPEC`)
 * or `SolveTimeoutError`.
 *
 * @example
 * const { records } = solveConda({ specs: ["python 3.11.*"], records, channels, subdir: "linux-64" });
 */
export function solveConda(task: SolveTask): SolveOutcome {
  checkSpecs(task);
  const deadline = deadlineOf(task);
  const semantics = task.semantics ?? "conda";
  if (semantics === "conda" && task.updateModifier === "specs_satisfied_skip_solve" && (task.installed ?? []).length > 0) {
    const installed = task.installed ?? [];
    const satisfied = task.specs.every((s) => installed.some((r) => MatchSpec.parse(s).match(r)));
    if (satisfied) return { records: [...installed] };
  }
  if (semantics === "conda" && task.updateModifier === "update_deps" && task.specs.length > 0) {
    return { records: solveUpdateDeps(task, deadline).map(plainRecord) };
  }
  const plan = planFor(task);
  // Candidates may be the gateway's light records; what leaves the solver is plain.
  return { records: solvePlan(task, plan, deadline).map(plainRecord) };
}

/**
 * conda's UPDATE_DEPS: solve as usual, then ask again with every dependency
 * of the requested packages added as a name-only spec, so they move to their
 * latest versions too (python stays within its minor version).
 */
function solveUpdateDeps(task: SolveTask, deadline: number | undefined): PackageRecord[] {
  const firstTask: SolveTask = { ...task, updateModifier: "update_specs" };
  const first = solvePlan(firstTask, condaPlan({ ...firstTask, depsModifier: undefined }), deadline);
  const byName = new Map(first.map((r) => [r.name, r]));
  const requested = new Set(task.specs.map(specName));
  const names = new Set<string>();
  const stack = first.filter((r) => requested.has(r.name));
  while (stack.length > 0) {
    const r = stack.pop() as PackageRecord;
    for (const d of r.depends) {
      let n: string;
      try {
        n = specName(d);
      } catch {
        continue;
      }
      const dep = byName.get(n);
      if (dep !== undefined && !names.has(n)) {
        names.add(n);
        stack.push(dep);
      }
    }
  }
  const pinnedNames = new Set((task.pinned ?? []).map(specName));
  const extra: string[] = [];
  for (const n of names) {
    if (requested.has(n) || pinnedNames.has(n)) continue;
    const installedPython = (task.installed ?? []).find((r) => r.name === "python");
    if (n === "python" && installedPython !== undefined) {
      extra.push(`python ${installedPython.version.split(".").slice(0, 2).join(".")}.*`);
    } else extra.push(n);
  }
  const specs = [...task.specs, ...extra];
  const secondTask: SolveTask = { ...task, specs, updateModifier: "update_specs", depsModifier: undefined };
  const plan = condaPlan(secondTask, specs);
  const records = solvePlan(secondTask, plan, deadline);
  if (task.depsModifier === "only_deps") {
    const installedNames = new Set((task.installed ?? []).map((r) => r.name));
    return records.filter((r) => !requested.has(r.name) || installedNames.has(r.name));
  }
  return records;
}
