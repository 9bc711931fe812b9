export { CondaguardError, isCondaguardError } from "./error.js";
export type { CondaguardErrorOptions, ErrorLocation } from "./error.js";
export { redactUrl, subdirUrl } from "./channel.js";
export type { Channel } from "./channel.js";
export { KNOWN_SUBDIRS, currentSubdir, isKnownSubdir, subdirArch, subdirOs } from "./platform.js";
export type { KnownSubdir } from "./platform.js";
export { normaliseTimestamp, parseFeatureList, recordFromRepodata } from "./package_record.js";
export type { PackageRecord } from "./package_record.js";
export { MatchSpecError, VersionError, VersionSpecError } from "./errors.js";
export { Version, compareVersions } from "./version.js";
export type { VersionComponent } from "./version.js";
export { VersionSpec } from "./version_spec.js";
export { BuildNumberSpec } from "./build_number_spec.js";
export { MatchSpec } from "./match_spec.js";
export type { MatchSpecInit } from "./match_spec.js";
export type { MatchSpecFields } from "./match_spec_parse.js";
export { channelMatches, splitChannel } from "./channel_match.js";
export {
  DEFAULT_LINUX_GLIBC,
  DEFAULT_OSX_VERSION,
  detectVirtualPackages,
  parseVirtualPackage,
  virtualPackageRecord,
} from "./virtual_packages.js";
export type { DetectVirtualPackagesOptions, VirtualPackage } from "./virtual_packages.js";
