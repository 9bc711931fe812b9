// Turning extracted packages into a conda prefix, and checking a prefix.
export { InstallError, type InstallErrorCode } from "./errors.js";
export type {
  ClobberReport,
  InstallOptions,
  InstallProgress,
  InstallRecord,
  LinkRequest,
  PathsDataEntry,
  PrefixPathType,
  PrefixRecord,
  RecoveryResult,
  TransactionPlan,
  TransactionResult,
} from "./types.js";
export { condaJson, distName, parsePrefixRecord, readPrefix, recordFileName } from "./prefix_records.js";
export { planTransaction } from "./plan.js";
export { executeTransaction } from "./transaction.js";
export { recoverPrefix } from "./recover.js";
export { replaceBinary, replaceText } from "./placeholder.js";
export { verifyPrefix } from "./verify.js";
export type { LockedPackageLike, VerifyIssue, VerifyIssueKind, VerifyOptions, VerifyReport } from "./verify.js";
export { changeFor, installLockedPackages, installRecordsIntoPrefix } from "./lock_install.js";
export type { LockInstallOptions, LockInstallOutcome, PlannedChange, RecordInstallOptions } from "./lock_install.js";
export { installedAsPackageRecord, solveEnvironmentChange } from "./environment_change.js";
export type { EnvironmentChangeRequest, EnvironmentChangeSolution } from "./environment_change.js";
export { readRequestedSpecs, requestedSpecsFromHistory } from "./history_specs.js";
export { condaguardVersion } from "./condaguard_version.js";
