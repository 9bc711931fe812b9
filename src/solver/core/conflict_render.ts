import type { VersionSetId } from "./ids.js";
import type { DependencyProvider } from "./provider.js";
import type { Conflict } from "./conflict.js";
import type { ConflictEdge, ConflictGraph } from "./conflict_graph.js";
import { buildConflictGraph, simplifyConflictGraph } from "./conflict_graph.js";

interface _Tree {
  text: string;
  children: _Tree[];
}

interface _Evaluated {
  ok: boolean;
  tree: _Tree;
}

/**
 * Renders a conflict graph as a tree, walking requirements from the root.
 * The walk decides, in order, which candidates could be installed: a
 * candidate fails when it is ruled out on its own, when it clashes with a
 * candidate already accepted above (or one of its own ancestors), or when one
 * of its requirements has no candidate left. So the first branch usually reads
 * as possible and a later one explains why it is not.
 */
export function renderConflictGraph(graph: ConflictGraph, provider: DependencyProvider): string {
  const out = new Map<number, ConflictEdge[]>();
  const into = new Map<number, ConflictEdge[]>();
  const append = (map: Map<number, ConflictEdge[]>, key: number, e: ConflictEdge): void => {
    const list = map.get(key);
    if (list === undefined) map.set(key, [e]);
    else list.push(e);
  };
  for (const e of graph.edges) {
    append(out, e.from, e);
    append(into, e.to, e);
  }
  const status = new Map<number, "active" | "ok" | "failed">();
  const describe = (n: number): string => {
    const node = graph.nodes[n];
    if (node.kind !== "solvable") return "the request";
    if (node.solvables.length === 1) return provider.displaySolvable(node.solvables[0]);
    if (provider.displayMergedSolvables !== undefined) return provider.displayMergedSolvables(node.solvables);
    return node.solvables.map((s) => provider.displaySolvable(s)).join(" | ");
  };
  const nameOf = (n: number): string => {
    const node = graph.nodes[n];
    return node.kind === "solvable" ? provider.displayName(node.name) : "";
  };
  // Candidates taken so far on the path being explained. Alternatives of one
  // requirement are not taken together: each is judged against what was taken
  // before the requirement, and the first that works stays taken.
  let taken = new Set<number>();
  /** The candidates being explained on the current path (ancestors). */
  const active = new Set<number>();
  const committed = (n: number): boolean => n === 0 || taken.has(n) || active.has(n);

  /** Why a node cannot be installed given what is accepted so far, or undefined. */
  const clash = (n: number): string | undefined => {
    const d = describe(n);
    for (const e of out.get(n) ?? []) {
      const target = graph.nodes[e.to];
      if (e.kind === "excluded" && target.kind === "excluded") return `${d} cannot be installed: ${target.reason}.`;
      if (e.kind === "locked") return `${d} cannot be installed, because ${nameOf(n)} is locked to ${describe(e.to)}.`;
    }
    for (const e of into.get(n) ?? []) {
      if (e.kind === "constrains" && e.from === 0) {
        return `${d} cannot be installed, because the request constrains ${provider.displayVersionSet(e.versionSet)}.`;
      }
      if (e.kind === "constrains" && committed(e.from)) {
        return `${d} cannot be installed, because ${describe(e.from)} constrains ${provider.displayVersionSet(e.versionSet)}.`;
      }
    }
    for (const e of out.get(n) ?? []) {
      if (e.kind === "constrains" && committed(e.to)) {
        return `${d} cannot be installed, because it constrains ${provider.displayVersionSet(e.versionSet)}, which rules out ${describe(e.to)}.`;
      }
    }
    const node = graph.nodes[n];
    if (node.kind === "solvable") {
      for (const m of [...taken, ...active]) {
        const other = graph.nodes[m];
        if (m !== n && other.kind === "solvable" && other.name === node.name) {
          return `${d} cannot be installed alongside ${describe(m)}: only one ${nameOf(n)} can be installed.`;
        }
      }
    }
    return undefined;
  };

  const requirementGroups = (n: number): Map<VersionSetId, number[]> => {
    const groups = new Map<VersionSetId, number[]>();
    for (const e of out.get(n) ?? []) {
      if (e.kind !== "requires") continue;
      const list = groups.get(e.versionSet);
      if (list === undefined) groups.set(e.versionSet, [e.to]);
      else list.push(e.to);
    }
    return groups;
  };

  const evaluateGroup = (vs: VersionSetId, targets: number[]): _Evaluated => {
    const label = provider.displayVersionSet(vs);
    if (targets.every((t) => graph.nodes[t].kind === "missing")) {
      return { ok: false, tree: { text: `${label} cannot be satisfied, because no candidate matches it.`, children: [] } };
    }
    const before = taken;
    let after: Set<number> | undefined;
    const children: _Evaluated[] = [];
    for (const t of targets) {
      if (graph.nodes[t].kind !== "solvable") continue;
      taken = new Set(before);
      const child = evaluateCandidate(t);
      children.push(child);
      if (child.ok && after === undefined) after = taken;
    }
    taken = after ?? before;
    const ok = children.some((c) => c.ok);
    const text = ok ? `${label}, which can be satisfied by:` : `${label} cannot be satisfied, because no candidate can be installed:`;
    return { ok, tree: { text, children: children.map((c) => c.tree) } };
  };

  const evaluateCandidate = (n: number): _Evaluated => {
    const d = describe(n);
    const seen = status.get(n);
    if (seen === "active" || seen === "ok") {
      taken.add(n);
      return { ok: true, tree: { text: d, children: [] } };
    }
    if (seen === "failed") return { ok: false, tree: { text: `${d} cannot be installed (see above).`, children: [] } };
    const reason = clash(n);
    if (reason !== undefined) {
      status.set(n, "failed");
      return { ok: false, tree: { text: reason, children: [] } };
    }
    status.set(n, "active");
    active.add(n);
    const groups = [...requirementGroups(n)].map(([vs, targets]) => evaluateGroup(vs, targets));
    active.delete(n);
    const ok = groups.every((g) => g.ok);
    status.set(n, ok ? "ok" : "failed");
    if (ok) taken.add(n);
    if (groups.length === 0) return { ok, tree: { text: d, children: [] } };
    const text = ok ? `${d}, which requires:` : `${d} cannot be installed, because it requires:`;
    return { ok, tree: { text, children: groups.map((g) => g.tree) } };
  };

  const roots = [...requirementGroups(0)].map(([vs, targets]) => evaluateGroup(vs, targets).tree);
  // Candidates the request rules out directly but that no requirement reached.
  for (const e of out.get(0) ?? []) {
    if (e.kind === "constrains" && !status.has(e.to)) {
      roots.push({ text: clash(e.to) ?? describe(e.to), children: [] });
      status.set(e.to, "failed");
    }
  }
  const lines = ["These requirements cannot be met together:"];
  _print(roots, "", lines);
  return lines.join("\n");
}

function _print(trees: _Tree[], prefix: string, lines: string[]): void {
  trees.forEach((tree, i) => {
    const last = i === trees.length - 1;
    lines.push(`${prefix}${last ? "└─ " : "├─ "}${tree.text}`);
    _print(tree.children, `${prefix}${last ? "   " : "│  "}`, lines);
  });
}

/** The readable explanation of an unsatisfiable problem: build, simplify, render. */
export function explainConflict(conflict: Conflict, provider: DependencyProvider): string {
  return renderConflictGraph(simplifyConflictGraph(buildConflictGraph(conflict, provider)), provider);
}
