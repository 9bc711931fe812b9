import type { PackageRecord, VirtualPackage } from "../conda/index.js";
import type { KeyedRecords } from "../repodata/index.js";

/** How channel order restricts candidates, as conda's `channel_priority`. */
export type ChannelPriority = "strict" | "flexible" | "disabled";

/** Which peer's request model a solve follows where conda, libmamba and rattler differ. */
export type SolveSemantics = "conda" | "libmamba" | "rattler";

/** What to do with the installed packages and their dependencies (conda's `update_modifier`). */
export type UpdateModifier =
  | "update_specs"
  | "freeze_installed"
  | "update_deps"
  | "update_all"
  | "specs_satisfied_skip_solve";

/**
 * One solve for one platform. Records are supplied by name (the gateway
 * fetches them beforehand, following dependency names), so the solver only
 * looks at the names a request reaches.
 */
/**
 * Every record of a name; with `keyed`, the same records as slots of a
 * cache's keys (see KeyedRecords), which the solver then reads without
 * making an object per candidate. `RepodataGateway.lookup` gives both.
 */
export type RecordSource = ((name: string) => readonly PackageRecord[]) & { readonly keyed?: (name: string) => readonly KeyedRecords[] };

export interface SolveTask {
  /** Requested MatchSpecs, conda syntax. */
  specs: readonly string[];
  /**
   * Every candidate record of a package name, in any order; `[]` when the name is unknown.
   * Records of other subdirs may be included: they are never candidates, but
   * let a "not found" error say which platforms do have the package.
   */
  records: RecordSource;
  /** Channel base URLs (a record's `channel`) in priority order, highest first. */
  channels: readonly string[];
  /** Native subdir of the solve (`noarch` records are always candidates). */
  subdir: string;
  /** System virtual packages (`__glibc`, `__cuda`...): fixed candidates, never in the result. */
  virtualPackages?: readonly VirtualPackage[];
  channelPriority?: ChannelPriority;
  /** The environment before the solve (conda: kept unless it must change; rattler: a preference). */
  installed?: readonly PackageRecord[];
  /** Specs the user asked for in earlier transactions (conda-meta/history); they keep constraining. */
  historySpecs?: readonly string[];
  /** Specs to remove from the environment. */
  specsToRemove?: readonly string[];
  /** Pinned specs: constrain without pulling packages in. */
  pinned?: readonly string[];
  /** Root-level `constrains`: restrict a package only if it ends up installed. */
  constraints?: readonly string[];
  /** Records preferred when they fit (rattler `locked`). */
  locked?: readonly PackageRecord[];
  updateModifier?: UpdateModifier;
  /** Install only the requested packages (`no_deps`) or only their dependencies (`only_deps`). */
  depsModifier?: "no_deps" | "only_deps";
  /** Drop installed packages no longer needed by the specs. */
  prune?: boolean;
  /** Version order of the candidates: highest (default), lowest, or lowest for direct specs only. */
  strategy?: "highest" | "lowest" | "lowest_direct";
  /** Ignore records with a later timestamp (ms since epoch). */
  excludeNewer?: number;
  semantics?: SolveSemantics;
  /** Stop with `SolveTimeoutError` after this many milliseconds. */
  timeoutMs?: number;
  /**
   * Every package name `records` knows, when cheap to list: used for specs whose
   * name is a pattern (`*[track_features=mkl]`) and for "did you mean" hints.
   */
  packageNames?: () => Iterable<string>;
  /** Records that must be kept exactly (rattler `pinned_packages`). */
  pinnedRecords?: readonly PackageRecord[];
  /** Installed packages that are always updated (conda default: ca-certificates, certifi, openssl). */
  aggressiveUpdatePackages?: readonly string[];
  /** conda: update conda itself when solving for conda's own prefix. */
  autoUpdateConda?: boolean;
  /** conda: the target prefix is conda's own (conda is never downgraded there implicitly). */
  targetIsCondaPrefix?: boolean;
  /** Remove only the named packages, even if that breaks the environment. */
  forceRemove?: boolean;
  /** Do not apply `pinned`. */
  ignorePinned?: boolean;
  /** Reinstall requested packages even if already installed (no effect on the final set). */
  forceReinstall?: boolean;
  /** libmamba: the specs are update jobs (get the best version) rather than install jobs. */
  specsAreUpdates?: boolean;
  /** libmamba: also remove dependencies that are no longer needed after a remove or update. */
  cleanDependencies?: boolean;
  /** libmamba: installed package names that must stay as they are. */
  keep?: readonly string[];
  /** libmamba: whether installed packages may be downgraded by an update. */
  allowDowngrade?: boolean;
}

/** A successful solve: the records of the final environment (virtual packages excluded). */
export interface SolveOutcome {
  records: PackageRecord[];
}
