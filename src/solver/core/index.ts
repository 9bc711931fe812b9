/**
 * The package solver's SAT core: a CDCL solver with lazy clause generation
 * over opaque ids. It knows nothing about conda; a `DependencyProvider`
 * supplies candidates, their preference order and their dependencies.
 */
export type { NameId, SolvableId, VersionSetId } from "./ids.js";
export type { Dependencies, DependencyProvider, KnownDependencies, UnknownDependencies } from "./provider.js";
export type { ExcludedSolvable, Problem } from "./problem.js";
export type { Conflict, ConflictCause } from "./conflict.js";
export type { SolveResult, SolveStats } from "./solve.js";
export { solve } from "./solve.js";
export { SolveAbortedError, SolveTimeoutError } from "./errors.js";
export type { ConflictEdge, ConflictGraph, ConflictNode } from "./conflict_graph.js";
export { buildConflictGraph, simplifyConflictGraph } from "./conflict_graph.js";
export { explainConflict, renderConflictGraph } from "./conflict_render.js";
export type { CnfOptions, CnfResult } from "./cnf.js";
export { solveCnf } from "./cnf.js";
