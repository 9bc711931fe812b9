import type { PackageRecord } from "../conda/index.js";
import { mapFromDepends, parseArchiveUrl, type LockedPackage } from "./model.js";

/**
 * The locked form of one solved repodata record for `platform`. md5 and
 * sha256 are copied as the channel lists them; a record without sha256 is
 * still locked (the installer refuses it unless told to allow unverified
 * packages), see `unverifiedPackages`.
 */
export function lockedFromRecord(record: PackageRecord, platform: string, category = "main"): LockedPackage {
  const pkg: LockedPackage = {
    manager: "conda",
    name: record.name,
    version: record.version,
    build: record.build,
    buildNumber: record.build_number,
    platform,
    url: record.url,
    dependencies: mapFromDepends(record.depends),
    category,
    optional: category !== "main",
    subdir: record.subdir,
    channel: record.channel,
    fn: record.fn,
    depends: [...record.depends],
  };
  if (record.md5 !== undefined) pkg.md5 = record.md5;
  if (record.sha256 !== undefined) pkg.sha256 = record.sha256;
  if (record.size !== undefined) pkg.size = record.size;
  if (record.timestamp !== undefined) pkg.timestamp = record.timestamp;
  if (record.constrains.length > 0) pkg.constrains = [...record.constrains];
  if (record.license !== undefined) pkg.license = record.license;
  if (record.noarch !== undefined) pkg.noarch = record.noarch;
  return pkg;
}

/**
 * The fields of an installed package's record (conda-meta/*.json) that a
 * diff needs. Plain objects: no dependency on the installer's types.
 */
export interface PrefixRecordLike {
  name: string;
  version: string;
  build?: string;
  build_string?: string;
  build_number?: number;
  url?: string;
  channel?: string;
  subdir?: string;
  platform?: string | null;
  fn?: string;
  md5?: string;
  sha256?: string;
  depends?: readonly string[];
  constrains?: readonly string[];
}

/**
 * Locked packages from the records of an installed prefix (or any plain
 * record objects), for diffing a prefix against a lock. `platform` is the
 * prefix's subdir; records without one use their own `subdir`.
 */
export function packagesFromPrefixRecords(records: readonly PrefixRecordLike[], platform?: string): LockedPackage[] {
  return records.map((r) => {
    const parts = r.url === undefined ? undefined : parseArchiveUrl(r.url);
    const subdir = r.subdir ?? parts?.subdir;
    const depends = [...(r.depends ?? [])];
    const pkg: LockedPackage = {
      manager: "conda",
      name: r.name,
      version: r.version,
      build: r.build ?? r.build_string ?? parts?.build ?? "",
      platform: platform ?? (subdir === undefined || subdir === "noarch" ? "" : subdir),
      url: r.url ?? "",
      dependencies: mapFromDepends(depends),
      category: "main",
      optional: false,
      depends,
    };
    if (r.build_number !== undefined) pkg.buildNumber = r.build_number;
    if (subdir !== undefined) pkg.subdir = subdir;
    const channel = r.channel ?? parts?.channel;
    if (channel !== undefined) pkg.channel = channel;
    const fn = r.fn ?? parts?.fn;
    if (fn !== undefined) pkg.fn = fn;
    if (r.md5 !== undefined) pkg.md5 = r.md5;
    if (r.sha256 !== undefined) pkg.sha256 = r.sha256;
    if (r.constrains !== undefined && r.constrains.length > 0) pkg.constrains = [...r.constrains];
    return pkg;
  });
}

/** Conda packages of a lock that carry no sha256: the installer refuses them unless unverified installs are allowed. */
export function unverifiedPackages(packages: readonly LockedPackage[]): LockedPackage[] {
  return packages.filter((p) => p.manager === "conda" && p.sha256 === undefined);
}
