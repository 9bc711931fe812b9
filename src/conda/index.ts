export { CondaguardError, isCondaguardError } from "./error.js";
export type { CondaguardErrorOptions, ErrorLocation } from "./error.js";
export { redactUrl, subdirUrl } from "./channel.js";
export type { Channel } from "./channel.js";
export { KNOWN_SUBDIRS, currentSubdir, isKnownSubdir, subdirArch, subdirOs } from "./platform.js";
export type { KnownSubdir } from "./platform.js";
export { normaliseTimestamp, parseFeatureList, recordFromRepodata } from "./package_record.js";
export type { PackageRecord } from "./package_record.js";
