// Conda packages: reading their metadata (info/), safe streaming extraction of
// .conda and .tar.bz2, verified downloads, conda's package cache, and writing
// .conda archives. Errors are PackageError with a stable CG_PACKAGE_* code.
export { PACKAGE_ERROR_HINTS, PackageError, isPackageError } from "./errors.js";
export type { PackageErrorCode, PackageErrorOptions } from "./errors.js";
export { hashFile } from "./hash.js";
export type { FileDigest } from "./hash.js";
export { LEGACY_PREFIX_PLACEHOLDER, parseHasPrefixLine, readPackagePaths } from "./package_paths.js";
export type { PackagePathEntry } from "./package_paths.js";
export { readIndexJson } from "./index_json.js";
export type { IndexJson } from "./index_json.js";
export { parseEntryPoint, readLinkJson } from "./link_json.js";
export type { EntryPoint, LinkJson } from "./link_json.js";
export { readRepodataRecord } from "./repodata_record.js";
export { DEFAULT_EXTRACT_LIMITS } from "./limits.js";
export type { ExtractLimits } from "./limits.js";
export { distName, extractPackage, packageFormat } from "./extract.js";
export type { ExtractOptions, ExtractSummary } from "./extract.js";
export { buildPackageFolder, buildTar, buildTarZst, condaFileName, writeCondaArchive, writeCondaPackage, zstdCompress } from "./write.js";
export type { PackageFileSpec, PackageIndexSpec, TarEntrySpec } from "./write.js";
export { checkDigest, downloadFile } from "./download.js";
export type { DownloadOptions, DownloadResult } from "./download.js";
export { PackageCache } from "./cache.js";
export type { CachePackageRequest, CacheProgress, CachedPackage, EnsureOptions, PackageCacheOptions } from "./cache.js";
