/**
 * Locks: the model, conda-lock v1 reading and writing (with conda-lock's
 * content hash), pixi and mambajs lock reading, `@EXPLICIT` files, locking
 * an environment for several platforms, staleness checks and diffs.
 */
export { LockError, LOCK_ERROR_CODES } from "./errors.js";
export type { LockErrorCode } from "./errors.js";
export {
  compareLockedPackages,
  dependsFromMap,
  mapFromDepends,
  packagesForPlatform,
  parseArchiveUrl,
  toInstallRecord,
} from "./model.js";
export type { ArchiveUrlParts, InstallRecord, LockChannel, LockedPackage, Lockfile, LockFormat, LockManager } from "./model.js";
export { CONDA_LOCK_DEFAULT_VIRTUAL_PACKAGES, computeContentHashes, contentHashInput } from "./content_hash.js";
export type { CondaLockVirtualPackages, ContentHashOptions } from "./content_hash.js";
export { PIP_REQUIREMENTS_KEY, writeCondaLock } from "./conda_lock_write.js";
export type { WriteCondaLockOptions } from "./conda_lock_write.js";
export { parseLockfile, readLockfile } from "./read_lockfile.js";
export type { ParseLockfileOptions } from "./read_lockfile.js";
export { exportExplicit, readExplicit } from "./explicit.js";
export type { ExportExplicitOptions } from "./explicit.js";
export { lockedFromRecord, packagesFromPrefixRecords, unverifiedPackages } from "./from_records.js";
export type { PrefixRecordLike } from "./from_records.js";
export { lockEnvironment } from "./lock_environment.js";
export { lockChannel } from "./lock_channels.js";
export type { LockEnvironmentOptions, LockOutcome, LockProgressEvent } from "./lock_environment.js";
export { checkLock, staleLockError } from "./check_lock.js";
export type { LockCheck } from "./check_lock.js";
export { diffPackageSets, formatPackageDiff, isEmptyDiff } from "./diff.js";
export type { DiffOptions, HashChange, PackageChange, PackageSetDiff } from "./diff.js";
