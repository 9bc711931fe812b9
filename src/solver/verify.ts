import { MatchSpec, virtualPackageRecord } from "../conda/index.js";
import type { PackageRecord } from "../conda/index.js";
import type { SolveTask } from "./task.js";

/** What `verifySolution` found: `problems` is empty when the set is consistent. */
export interface SolutionCheck {
  ok: boolean;
  problems: string[];
}

function display(r: PackageRecord): string {
  return `${r.name}-${r.version}-${r.build}`;
}

/**
 * Checks a solved set of records independently of the solver: one record per
 * name, every `depends` satisfied by a record of the set (or a virtual
 * package of the task), no `constrains` violated, every requested spec
 * (and, unless `depsModifier` says otherwise, only records of the task's
 * subdir or noarch) present.
 */
export function verifySolution(records: readonly PackageRecord[], task: SolveTask): SolutionCheck {
  const problems: string[] = [];
  const byName = new Map<string, PackageRecord>();
  for (const r of records) {
    const other = byName.get(r.name);
    if (other !== undefined) problems.push(`two records of ${r.name}: ${display(other)} and ${display(r)}`);
    byName.set(r.name, r);
    if (r.subdir !== task.subdir && r.subdir !== "noarch") problems.push(`${display(r)} is for ${r.subdir}, not ${task.subdir}`);
  }
  for (const vp of task.virtualPackages ?? []) {
    if (!byName.has(vp.name)) byName.set(vp.name, virtualPackageRecord(vp, task.subdir));
  }
  const parse = (text: string, owner: string): MatchSpec | undefined => {
    try {
      return MatchSpec.parse(text);
    } catch {
      problems.push(`${owner} has an unparsable spec '${text}'`);
      return undefined;
    }
  };
  const skipDeps = task.depsModifier === "no_deps";
  for (const r of records) {
    if (!skipDeps) {
      for (const dep of r.depends) {
        const spec = parse(dep, display(r));
        if (spec === undefined) continue;
        const have = byName.get(spec.name);
        if (have === undefined) problems.push(`${display(r)} depends on '${dep}', which is not installed`);
        else if (!spec.match(have)) problems.push(`${display(r)} depends on '${dep}', but ${display(have)} is installed`);
      }
    }
    for (const c of r.constrains) {
      const spec = parse(c, display(r));
      if (spec === undefined) continue;
      const have = byName.get(spec.name);
      if (have !== undefined && !spec.match(have)) problems.push(`${display(r)} constrains '${c}', but ${display(have)} is installed`);
    }
  }
  if (task.depsModifier !== "only_deps") {
    for (const text of task.specs) {
      const spec = parse(text, "the request");
      if (spec === undefined) continue;
      if (!records.some((r) => spec.match(r))) problems.push(`the requested spec '${text}' is not satisfied`);
    }
  }
  for (const text of [...(task.constraints ?? []), ...(task.ignorePinned === true ? [] : (task.pinned ?? []))]) {
    const spec = parse(text, "the request");
    if (spec === undefined) continue;
    const have = byName.get(spec.name);
    if (have !== undefined && !spec.match(have)) problems.push(`the constraint '${text}' is violated by ${display(have)}`);
  }
  return { ok: problems.length === 0, problems };
}
