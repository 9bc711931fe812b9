import type { NameId, SolvableId, VersionSetId } from "./ids.js";

/**
 * What a solvable needs once it is installed.
 *
 * - `requires`: for each version set, at least one matching candidate must be installed.
 * - `constrains`: if any candidate of that version set's name is installed, it must match.
 */
export interface KnownDependencies {
  requires: readonly VersionSetId[];
  constrains: readonly VersionSetId[];
}

/** The dependencies could not be determined (e.g. metadata failed to load); the solvable is never installed. */
export interface UnknownDependencies {
  unknown: string;
}

export type Dependencies = KnownDependencies | UnknownDependencies;

/**
 * Everything the solver knows about packages comes from here. The solver calls
 * these lazily, only for names and solvables reachable from the problem, so a
 * provider backed by a huge index only pays for what a solve touches.
 *
 * All methods are called synchronously and must be deterministic: the same
 * inputs must give the same answers, or the solve is not reproducible.
 */
export interface DependencyProvider {
  /** Every candidate of a name, in any order. Called at most once per name per solve. */
  candidates(name: NameId): readonly SolvableId[];
  /** Sorts candidates of one name in place, most preferred first (e.g. highest version, best channel). */
  sortCandidates(solvables: SolvableId[]): void;
  /**
   * The candidates that match `versionSet` (or, with `inverse`, those that do not).
   * `candidates` all belong to the version set's name. Order of the answer does not matter.
   */
  filterCandidates(versionSet: VersionSetId, candidates: readonly SolvableId[], inverse: boolean): readonly SolvableId[];
  /** The name a version set constrains. */
  versionSetName(versionSet: VersionSetId): NameId;
  /** The name a solvable belongs to. */
  solvableName(solvable: SolvableId): NameId;
  /**
   * Dependencies of one solvable. Called at most once per solvable, and only
   * for solvables the search installs or is about to try, never for the rest
   * of a huge index.
   */
  dependencies(solvable: SolvableId): Dependencies;
  /** For explanations, e.g. "numpy 2.1.0". */
  displaySolvable(solvable: SolvableId): string;
  /** For explanations, e.g. "numpy >=2". */
  displayVersionSet(versionSet: VersionSetId): string;
  /** For explanations, e.g. "numpy". */
  displayName(name: NameId): string;
  /**
   * For explanations: several candidates of one name that failed for the same
   * reason, e.g. "numpy 1.26.0 | 1.26.1". Defaults to joining displaySolvable with " | ".
   */
  displayMergedSolvables?(solvables: readonly SolvableId[]): string;
}
