import { Version, compareVersions } from "../conda/index.js";
import type { LockedPackage } from "./model.js";

/** One package present on both sides with something changed. */
export interface PackageChange {
  platform: string;
  manager: LockedPackage["manager"];
  name: string;
  from: LockedPackage;
  to: LockedPackage;
}

/** A change of archive hash for the same name, version and build: the same file name now has other bytes. */
export interface HashChange extends PackageChange {
  /** Which hash differs (sha256 when both sides have one, else md5). */
  algorithm: "sha256" | "md5";
}

/** How package set `b` differs from package set `a`, per platform. */
export interface PackageSetDiff {
  added: LockedPackage[];
  removed: LockedPackage[];
  upgraded: PackageChange[];
  downgraded: PackageChange[];
  /** Same version, other build (e.g. a new build number or variant). */
  changedBuild: PackageChange[];
  /**
   * Same name, version and build but a different sha256 (or md5): possible
   * tampering or a re-uploaded artifact; never expected from a normal update.
   */
  hashChanged: HashChange[];
  /** Packages identical on both sides. */
  unchanged: number;
}

export interface DiffOptions {
  /** Compare only these platforms. */
  platforms?: readonly string[];
  /** Compare across platforms (a prefix's records against one platform of a lock): the platform is left out of the key. */
  ignorePlatform?: boolean;
}

function key(p: LockedPackage, ignorePlatform: boolean): string {
  return `${ignorePlatform ? "" : p.platform}\u0000${p.manager}\u0000${p.name.toLowerCase()}`;
}

/** conda-lock lists a package once per category; a diff looks at each package once. */
function index(packages: readonly LockedPackage[], options: DiffOptions): Map<string, LockedPackage> {
  const out = new Map<string, LockedPackage>();
  for (const p of packages) {
    if (options.platforms !== undefined && !options.platforms.includes(p.platform)) continue;
    const k = key(p, options.ignorePlatform ?? false);
    if (!out.has(k)) out.set(k, p);
  }
  return out;
}

/** conda version order where both parse, else plain text order (pip versions are mostly conda-parsable too). */
function versionOrder(a: string, b: string): number {
  if (Version.tryParse(a) !== undefined && Version.tryParse(b) !== undefined) return compareVersions(a, b);
  return a < b ? -1 : a > b ? 1 : 0;
}

function byPlatformName(a: { platform: string; name: string }, b: { platform: string; name: string }): number {
  return a.platform < b.platform ? -1 : a.platform > b.platform ? 1 : a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/**
 * Compares two package sets (from lockfiles, solved environment files or
 * installed prefixes, see `packagesFromPrefixRecords`): what was added,
 * removed, upgraded or downgraded (conda version order), rebuilt, and which
 * packages kept name, version and build but changed their archive hash.
 */
export function diffPackageSets(a: readonly LockedPackage[], b: readonly LockedPackage[], options: DiffOptions = {}): PackageSetDiff {
  const left = index(a, options);
  const right = index(b, options);
  const diff: PackageSetDiff = { added: [], removed: [], upgraded: [], downgraded: [], changedBuild: [], hashChanged: [], unchanged: 0 };
  for (const [k, from] of left) {
    const to = right.get(k);
    if (to === undefined) {
      diff.removed.push(from);
      continue;
    }
    const change = { platform: to.platform || from.platform, manager: from.manager, name: from.name, from, to };
    const order = versionOrder(from.version, to.version);
    if (order < 0) diff.upgraded.push(change);
    else if (order > 0) diff.downgraded.push(change);
    else if (from.version !== to.version || (from.build ?? "") !== (to.build ?? "")) diff.changedBuild.push(change);
    else if (from.sha256 !== undefined && to.sha256 !== undefined && from.sha256 !== to.sha256) diff.hashChanged.push({ ...change, algorithm: "sha256" });
    else if ((from.sha256 === undefined || to.sha256 === undefined) && from.md5 !== undefined && to.md5 !== undefined && from.md5 !== to.md5) {
      diff.hashChanged.push({ ...change, algorithm: "md5" });
    } else diff.unchanged += 1;
  }
  for (const [k, to] of right) if (!left.has(k)) diff.added.push(to);
  diff.added.sort(byPlatformName);
  diff.removed.sort(byPlatformName);
  for (const list of [diff.upgraded, diff.downgraded, diff.changedBuild, diff.hashChanged]) list.sort(byPlatformName);
  return diff;
}

/** True when the two sets hold the same packages with the same hashes. */
export function isEmptyDiff(diff: PackageSetDiff): boolean {
  return diff.added.length + diff.removed.length + diff.upgraded.length + diff.downgraded.length + diff.changedBuild.length + diff.hashChanged.length === 0;
}

function label(p: LockedPackage): string {
  return `${p.version}${p.build ? ` (${p.build})` : ""}`;
}

/** Human-readable lines, one per change, hash changes first (they are the ones to look at). */
export function formatPackageDiff(diff: PackageSetDiff): string[] {
  const at = (p: { platform: string }) => (p.platform ? `[${p.platform}] ` : "");
  return [
    ...diff.hashChanged.map((c) => `! ${at(c)}${c.name} ${label(c.to)}: ${c.algorithm} changed ${(c.algorithm === "sha256" ? c.from.sha256 : c.from.md5) ?? ""} -> ${(c.algorithm === "sha256" ? c.to.sha256 : c.to.md5) ?? ""} (same file name, other bytes: possible tampering)`),
    ...diff.added.map((p) => `+ ${at(p)}${p.name} ${label(p)}`),
    ...diff.removed.map((p) => `- ${at(p)}${p.name} ${label(p)}`),
    ...diff.upgraded.map((c) => `↑ ${at(c)}${c.name} ${label(c.from)} -> ${label(c.to)}`),
    ...diff.downgraded.map((c) => `↓ ${at(c)}${c.name} ${label(c.from)} -> ${label(c.to)}`),
    ...diff.changedBuild.map((c) => `~ ${at(c)}${c.name} ${label(c.from)} -> ${label(c.to)}`),
  ];
}
