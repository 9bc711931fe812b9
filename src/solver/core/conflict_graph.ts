import type { NameId, SolvableId, VersionSetId } from "./ids.js";
import type { DependencyProvider } from "./provider.js";
import type { Conflict } from "./conflict.js";

/** A node of the conflict graph. Node 0 is always the root (the request). */
export type ConflictNode =
  | { kind: "root" }
  /** One or more candidates of one name (several after `simplifyConflictGraph` merged them). */
  | { kind: "solvable"; name: NameId; solvables: SolvableId[] }
  /** A version set that no candidate matches. */
  | { kind: "missing"; versionSet: VersionSetId }
  /** Why a solvable was ruled out on its own: excluded by the problem, or unknown dependencies. */
  | { kind: "excluded"; reason: string };

export type ConflictEdge =
  /** `from` (root or solvable) needs one of the `to` candidates of `versionSet`. */
  | { kind: "requires"; from: number; to: number; versionSet: VersionSetId }
  /** `from` (root or solvable) constrains `to`'s name to `versionSet`, which `to` does not match. */
  | { kind: "constrains"; from: number; to: number; versionSet: VersionSetId }
  /** `from` and `to` are candidates of one name the proof uses; no two such can both be installed. */
  | { kind: "same-name"; from: number; to: number }
  /** `from` cannot be installed because its name is locked to `to`. */
  | { kind: "locked"; from: number; to: number }
  /** `from` cannot be installed for the reason held by the `to` node. */
  | { kind: "excluded"; from: number; to: number };

/** The proof of a conflict as a graph, ready to simplify and render. */
export interface ConflictGraph {
  nodes: ConflictNode[];
  edges: ConflictEdge[];
}

/** Builds the graph of a conflict: one node per solvable the proof mentions, edges in proof order. */
export function buildConflictGraph(conflict: Conflict, provider: DependencyProvider): ConflictGraph {
  const nodes: ConflictNode[] = [{ kind: "root" }];
  const edges: ConflictEdge[] = [];
  const seenEdges = new Set<string>();

  // One node per distinct key of each kind, created on first mention.
  const memoNode = <K>(make: (key: K) => ConflictNode): ((key: K) => number) => {
    const index = new Map<K, number>();
    return (key) => {
      let n = index.get(key);
      if (n === undefined) {
        n = nodes.length;
        nodes.push(make(key));
        index.set(key, n);
      }
      return n;
    };
  };
  const nodeOf = memoNode<SolvableId>((s) => ({ kind: "solvable", name: provider.solvableName(s), solvables: [s] }));
  const missing = memoNode<VersionSetId>((vs) => ({ kind: "missing", versionSet: vs }));
  const reason = memoNode<string>((text) => ({ kind: "excluded", reason: text }));
  const edge = (e: ConflictEdge): void => {
    const key = _edgeKey(e);
    if (seenEdges.has(key)) return;
    seenEdges.add(key);
    edges.push(e);
  };
  const requires = (from: number, versionSet: VersionSetId, candidates: SolvableId[]): void => {
    if (candidates.length === 0) edge({ kind: "requires", from, to: missing(versionSet), versionSet });
    for (const s of candidates) edge({ kind: "requires", from, to: nodeOf(s), versionSet });
  };

  for (const cause of conflict.causes) {
    switch (cause.kind) {
      case "root-requires":
        requires(0, cause.versionSet, cause.candidates);
        break;
      case "requires":
        requires(nodeOf(cause.solvable), cause.versionSet, cause.candidates);
        break;
      case "root-constrains":
        edge({ kind: "constrains", from: 0, to: nodeOf(cause.solvable), versionSet: cause.versionSet });
        break;
      case "constrains":
        edge({ kind: "constrains", from: nodeOf(cause.solvable), to: nodeOf(cause.conflicting), versionSet: cause.versionSet });
        break;
      case "forbid-multiple":
        // A chain, not every pair: a name can have thousands of candidates,
        // and any two candidates of one name exclude each other anyway.
        for (let i = 1; i < cause.solvables.length; i++) {
          edge({ kind: "same-name", from: nodeOf(cause.solvables[i - 1]), to: nodeOf(cause.solvables[i]) });
        }
        break;
      case "locked":
        edge({ kind: "locked", from: nodeOf(cause.solvable), to: nodeOf(cause.locked) });
        break;
      case "excluded":
        edge({ kind: "excluded", from: nodeOf(cause.solvable), to: reason(cause.reason) });
        break;
      case "unknown-dependencies":
        edge({ kind: "excluded", from: nodeOf(cause.solvable), to: reason(`its dependencies are unknown (${cause.reason})`) });
        break;
    }
  }
  return { nodes, edges };
}

function _edgeKey(e: ConflictEdge): string {
  const vs = e.kind === "requires" || e.kind === "constrains" ? e.versionSet : -1;
  return `${e.kind}:${e.from}:${e.to}:${vs}`;
}

/**
 * Merges candidates of one name that play the same part in the conflict
 * (same incoming and outgoing edges), so "numpy 1.26.0", "numpy 1.26.1", …
 * that all fail for one reason become a single node. Repeats until nothing
 * merges, since merging children can make their parents identical.
 */
export function simplifyConflictGraph(graph: ConflictGraph): ConflictGraph {
  let current = graph;
  for (;;) {
    const next = _mergeOnce(current);
    if (next === current) return current;
    current = next;
  }
}

function _mergeOnce(graph: ConflictGraph): ConflictGraph {
  const incoming = graph.nodes.map(() => [] as string[]);
  const outgoing = graph.nodes.map(() => [] as string[]);
  for (const e of graph.edges) {
    // "Only one of a name" edges are left out of the comparison: the candidates
    // of a name all exclude each other, and that alone should not keep them apart.
    if (e.kind === "same-name") continue;
    const vs = e.kind === "requires" || e.kind === "constrains" ? e.versionSet : -1;
    outgoing[e.from].push(`${e.kind}:${vs}:${e.to}`);
    incoming[e.to].push(`${e.kind}:${vs}:${e.from}`);
  }
  const groups = new Map<string, number>();
  const target = graph.nodes.map((_, i) => i);
  let merged = false;
  graph.nodes.forEach((node, i) => {
    if (node.kind !== "solvable") return;
    const key = `${node.name}|${incoming[i].sort().join(",")}|${outgoing[i].sort().join(",")}`;
    const first = groups.get(key);
    if (first === undefined) groups.set(key, i);
    else {
      target[i] = first;
      merged = true;
    }
  });
  if (!merged) return graph;
  const renumber = new Map<number, number>();
  const nodes: ConflictNode[] = [];
  graph.nodes.forEach((node, i) => {
    if (target[i] !== i) return;
    renumber.set(i, nodes.length);
    nodes.push(node.kind === "solvable" ? { ...node, solvables: [...node.solvables] } : node);
  });
  graph.nodes.forEach((node, i) => {
    if (target[i] === i || node.kind !== "solvable") return;
    const into = nodes[renumber.get(target[i]) as number];
    if (into.kind === "solvable") into.solvables.push(...node.solvables);
  });
  const edges: ConflictEdge[] = [];
  const seen = new Set<string>();
  for (const e of graph.edges) {
    const moved = { ...e, from: renumber.get(target[e.from]) as number, to: renumber.get(target[e.to]) as number };
    if (moved.from === moved.to) continue;
    const key = _edgeKey(moved);
    if (seen.has(key)) continue;
    seen.add(key);
    edges.push(moved);
  }
  return { nodes, edges };
}
