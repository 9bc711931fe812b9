import type { NameId, SolvableId, VersionSetId } from "./ids.js";

/**
 * One clause of the proof that a problem has no solution, in package terms.
 * Together, the causes of a `Conflict` are unsatisfiable: every solution would
 * have to violate at least one of them.
 */
export type ConflictCause =
  /** The request needs one of `candidates` (empty: nothing matches). */
  | { kind: "root-requires"; versionSet: VersionSetId; candidates: SolvableId[] }
  /** Installing `solvable` needs one of `candidates` (empty: nothing matches). */
  | { kind: "requires"; solvable: SolvableId; versionSet: VersionSetId; candidates: SolvableId[] }
  /** The request constrains the name of `solvable` to `versionSet`, which it does not match. */
  | { kind: "root-constrains"; versionSet: VersionSetId; solvable: SolvableId }
  /** `solvable` constrains the name of `conflicting` to `versionSet`, which it does not match. */
  | { kind: "constrains"; solvable: SolvableId; versionSet: VersionSetId; conflicting: SolvableId }
  /** At most one of the candidates of `name` can be installed; `solvables` are the ones the proof uses. */
  | { kind: "forbid-multiple"; name: NameId; solvables: SolvableId[] }
  /** `solvable` is ruled out because its name is locked to `locked`. */
  | { kind: "locked"; locked: SolvableId; solvable: SolvableId }
  /** `solvable` was excluded by the problem. */
  | { kind: "excluded"; solvable: SolvableId; reason: string }
  /** The dependencies of `solvable` are unknown, so it cannot be installed. */
  | { kind: "unknown-dependencies"; solvable: SolvableId; reason: string };

/** Why a problem has no solution: the causes the proof of unsatisfiability used, in a stable order. */
export interface Conflict {
  causes: ConflictCause[];
}
