/**
 * The package solver: conda semantics (channel priority, virtual packages,
 * track_features, installed environments, pins) on the SAT core in `core/`,
 * explanations for conflicts and missing packages, and the conformance case
 * format shared with other solvers.
 */
export type { ChannelPriority, SolveOutcome, SolveSemantics, SolveTask, UpdateModifier } from "./task.js";
export { solveConda } from "./solve_conda.js";
export { SolverError } from "./errors.js";
export type { SolverErrorCode } from "./errors.js";
export { SolveTimeoutError, SolveAbortedError } from "./core/index.js";
export { loadSolveRecords } from "./load_records.js";
export { verifySolution } from "./verify.js";
export type { SolutionCheck } from "./verify.js";
export { CondaProvider } from "./conda_provider.js";
export type { CondaProviderOptions } from "./conda_provider.js";
export { candidateKey, compareBuildKeys, compareCandidateKeys, compareCandidateTail } from "./candidate_order.js";
export type { CandidateKey, OrderOptions } from "./candidate_order.js";
export { closeNames, editDistance } from "./explain.js";
export { checkConformanceCase, conformanceTask, runConformanceCase } from "./conformance_case.js";
export type { ConformanceOutput, ConformanceVerdict } from "./conformance_case.js";
