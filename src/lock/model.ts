/**
 * The lock model every reader produces and every writer consumes. It is a
 * normalised superset of conda-lock v1 (one entry per package, platform and
 * category) with the repodata fields pixi locks carry, so that one lock can
 * be written as conda-lock YAML or `@EXPLICIT` text, diffed, and installed.
 */

/** Which installer a locked package belongs to. */
export type LockManager = "conda" | "pip";

/** One channel the lock was solved against, as conda-lock stores it. */
export interface LockChannel {
  /** Channel name or URL as written in the environment file (`conda-forge`), `$VARS` kept unexpanded. */
  url: string;
  /** Environment variables the URL uses for credentials (conda-lock's `used_env_vars`). */
  used_env_vars: string[];
}

/** One locked package for one platform. */
export interface LockedPackage {
  manager: LockManager;
  name: string;
  version: string;
  /** Build string; derived from the file name when the lock format does not store it. */
  build?: string;
  buildNumber?: number;
  /** The platform (subdir) this entry is locked for; a noarch package appears once per platform. */
  platform: string;
  /** Download URL of the archive (or wheel). May carry credentials; print through `redactUrl`. */
  url: string;
  sha256?: string;
  md5?: string;
  /** conda-lock's `dependencies`: name -> version spec (`""` for any). */
  dependencies: Record<string, string>;
  /** conda-lock category (`main`, `dev`, ...). */
  category: string;
  /** conda-lock's `optional`: true for every category but `main`. */
  optional: boolean;
  /** The subdir the archive was built for (`noarch` for noarch packages). */
  subdir?: string;
  /** Channel base URL (no subdir), derived from the URL when not stored. */
  channel?: string;
  /** Archive file name. */
  fn?: string;
  size?: number;
  /** Milliseconds since the epoch. */
  timestamp?: number;
  /** Raw MatchSpec strings of the dependencies (conda packages); rebuilt from `dependencies` when the format has no list. */
  depends: string[];
  constrains?: string[];
  license?: string;
  noarch?: "python" | "generic";
  /**
   * Set when the package is built from a source location (pixi path and
   * `conda_source` entries) rather than downloaded: the location as the lock
   * names it. Such a package has no archive hash and cannot be installed from `url`.
   */
  source?: string;
  /** pip packages: the index the wheel came from, when the lock names it. */
  index?: string;
}

/** The lock formats this folder reads; `conda-lock-v1` is the one it writes. */
export type LockFormat = "conda-lock-v0" | "conda-lock-v1" | "pixi-v3" | "pixi-v4" | "pixi-v5" | "pixi-v6" | "pixi-v7" | "mambajs" | "explicit";

/** A whole lock: every platform's packages plus what they were solved from. */
export interface Lockfile {
  /** The schema version of the source (1 for conda-lock v1, 4..7 for pixi). Writers always emit conda-lock v1. */
  version: number;
  format: LockFormat;
  platforms: string[];
  channels: LockChannel[];
  /** Content hash of the inputs, per platform (see content_hash.ts). */
  contentHash: Record<string, string>;
  /** The environment files the lock was made from, relative to the lock's folder. */
  sources: string[];
  packages: LockedPackage[];
  /**
   * pip requirement lines of the sources that are not resolved into
   * `packages` yet (no PyPI resolution here), per platform. Written to
   * conda-lock's `custom_metadata` so a later `--check` and install see them.
   */
  pipRequirements?: Record<string, string[]>;
  /** Extra string metadata (conda-lock `custom_metadata`). */
  customMetadata?: Record<string, string>;
}

/**
 * The record shape the installer needs for one conda package: the fields of
 * a repodata record / conda-meta entry that a lock can supply.
 */
export interface InstallRecord {
  name: string;
  version: string;
  build: string;
  build_number: number;
  url: string;
  fn: string;
  channel: string;
  subdir: string;
  depends: string[];
  constrains: string[];
  md5?: string;
  sha256?: string;
  size?: number;
  timestamp?: number;
  license?: string;
  noarch?: "python" | "generic";
}

/** Parts of a package URL `…/<channel>/<subdir>/<name>-<version>-<build>.<ext>`. */
export interface ArchiveUrlParts {
  channel: string;
  subdir: string;
  fn: string;
  name: string;
  version: string;
  build: string;
}

const ARCHIVE_EXT = /(\.tar\.bz2|\.conda)$/;

/**
 * Splits a conda archive URL into channel, subdir and file name parts, or
 * undefined when the last path segment is not `name-version-build.conda|.tar.bz2`.
 * Names may contain `-`, version and build may not, so the split is from the right.
 */
export function parseArchiveUrl(url: string): ArchiveUrlParts | undefined {
  const clean = url.split("#")[0] ?? url;
  const slash = clean.lastIndexOf("/");
  const fn = decodeURIComponent(clean.slice(slash + 1));
  const ext = ARCHIVE_EXT.exec(fn);
  if (ext === null) return undefined;
  const stem = fn.slice(0, fn.length - ext[0].length);
  const b = stem.lastIndexOf("-");
  const v = stem.lastIndexOf("-", b - 1);
  if (b <= 0 || v <= 0) return undefined;
  const dir = slash >= 0 ? clean.slice(0, slash) : "";
  const subdirSlash = dir.lastIndexOf("/");
  return {
    channel: subdirSlash >= 0 ? dir.slice(0, subdirSlash) : "",
    subdir: dir.slice(subdirSlash + 1),
    fn,
    name: stem.slice(0, v),
    version: stem.slice(v + 1, b),
    build: stem.slice(b + 1),
  };
}

/** `name spec` strings from a conda-lock `dependencies` map, the form conda records use. */
export function dependsFromMap(dependencies: Record<string, string>): string[] {
  return Object.entries(dependencies).map(([name, spec]) => `${name} ${spec}`.trim());
}

/** conda-lock's `dependencies` map from MatchSpec strings: the name, then the rest of the spec. */
export function mapFromDepends(depends: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const dep of depends) {
    const text = dep.trim();
    const m = /^([^\s=<>!~[]+)\s*(.*)$/.exec(text);
    if (m === null) continue;
    out[m[1] as string] = (m[2] as string).trim();
  }
  return out;
}

function byText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** conda-lock's output order: manager (conda first), then name, then platform, then category. */
export function compareLockedPackages(a: LockedPackage, b: LockedPackage): number {
  return byText(a.manager, b.manager) || byText(a.name, b.name) || byText(a.platform, b.platform) || byText(a.category, b.category);
}

/**
 * The packages locked for one platform (every category unless some are
 * given), in lock order, each once: conda-lock v1 repeats a package for
 * every category that needs it, an installer wants it once.
 */
export function packagesForPlatform(lock: Lockfile, platform: string, categories?: readonly string[]): LockedPackage[] {
  const seen = new Set<string>();
  return lock.packages.filter((p) => {
    if (p.platform !== platform || (categories !== undefined && !categories.includes(p.category))) return false;
    const key = `${p.manager}\u0000${p.name}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * The record the installer needs for one conda package of a lock. Fields the
 * lock format does not store are derived from the URL (file name, subdir,
 * channel) or left at their repodata defaults (build number 0, no constrains).
 */
export function toInstallRecord(pkg: LockedPackage): InstallRecord {
  const parts = parseArchiveUrl(pkg.url);
  const record: InstallRecord = {
    name: pkg.name,
    version: pkg.version,
    build: pkg.build ?? parts?.build ?? "",
    build_number: pkg.buildNumber ?? 0,
    url: pkg.url,
    fn: pkg.fn ?? parts?.fn ?? pkg.url.slice(pkg.url.lastIndexOf("/") + 1),
    channel: pkg.channel ?? parts?.channel ?? "",
    subdir: pkg.subdir ?? parts?.subdir ?? pkg.platform,
    depends: pkg.depends.length > 0 ? [...pkg.depends] : dependsFromMap(pkg.dependencies),
    constrains: [...(pkg.constrains ?? [])],
  };
  if (pkg.md5 !== undefined) record.md5 = pkg.md5;
  if (pkg.sha256 !== undefined) record.sha256 = pkg.sha256;
  if (pkg.size !== undefined) record.size = pkg.size;
  if (pkg.timestamp !== undefined) record.timestamp = pkg.timestamp;
  if (pkg.license !== undefined) record.license = pkg.license;
  if (pkg.noarch !== undefined) record.noarch = pkg.noarch;
  return record;
}

/** Fills `build`, `fn`, `subdir` and `channel` from the URL where the format left them out. */
export function _withUrlParts(pkg: LockedPackage): LockedPackage {
  if (pkg.manager !== "conda") return pkg;
  const parts = parseArchiveUrl(pkg.url);
  if (parts === undefined) return pkg;
  const out = { ...pkg };
  if (out.build === undefined) out.build = parts.build;
  if (out.fn === undefined) out.fn = parts.fn;
  if (out.subdir === undefined && parts.subdir !== "") out.subdir = parts.subdir;
  if (out.channel === undefined && parts.channel !== "") out.channel = parts.channel;
  return out;
}
