import { Version } from "../conda/index.js";
import type { PackageRecord } from "../conda/index.js";
import type { ChannelPriority } from "./task.js";

/**
 * What decides the preference between two candidates of one name, computed
 * once per record so that sorting compares numbers and cached versions.
 */
export interface CandidateKey {
  record: PackageRecord;
  /** Number of `track_features`: fewer is better (conda minimises them, libmamba deprioritises them). */
  trackFeatures: number;
  /** Legacy `features` that are not active in this solve: such a record would pull in a tracker. */
  inactiveFeatures: number;
  /** Legacy `features` that are active: conda prefers the featured build when the feature is on. */
  activeFeatures: number;
  /** Position of the record's channel in the channel list (0 = highest priority). */
  channelRank: number;
  /**
   * Order-preserving string key of a plain numeric version (`1.26.4`), so
   * most comparisons are one string comparison; undefined otherwise.
   */
  versionKey: string | undefined;
  /** The parsed version: undefined until needed, null when it does not parse. */
  version: Version | null | undefined;
  versionText: string;
  buildNumber: number;
  /** 1 for `noarch` records: arch wins when everything before is equal. */
  noarch: number;
  timestamp: number;
  build: string;
  /** 0 for `.conda` archives, 1 otherwise: the newer format wins a tie. */
  archive: number;
}

/** How one solve orders candidates. */
export interface OrderOptions {
  priority: ChannelPriority;
  /** Prefer lower versions (rattler's `lowest_version` strategy). */
  lowest: boolean;
}

/**
 * Builds the sort key of a record; `channelRank` and the active legacy
 * features come from the solve. `versionKey` may be passed when the caller
 * already has `fastVersionKey(record.version)` (e.g. cached per version text).
 */
export function candidateKey(
  record: PackageRecord,
  channelRank: number,
  activeFeatures: ReadonlySet<string>,
  versionKey: string | undefined = fastVersionKey(record.version),
): CandidateKey {
  let active = 0;
  let inactive = 0;
  if (record.features !== undefined) {
    for (const f of record.features.split(/[\s,]+/)) {
      if (f === "") continue;
      if (activeFeatures.has(f)) active++;
      else inactive++;
    }
  }
  return {
    record,
    trackFeatures: record.track_features.length,
    inactiveFeatures: inactive,
    activeFeatures: active,
    channelRank,
    versionKey,
    version: undefined,
    versionText: record.version,
    buildNumber: record.build_number,
    noarch: record.subdir === "noarch" || record.noarch !== undefined ? 1 : 0,
    timestamp: record.timestamp ?? 0,
    build: record.build,
    archive: record.fn.endsWith(".conda") ? 0 : 1,
  };
}

const FAST_LIMIT = 2 ** 48;

/**
 * A string whose order is conda's version order, for versions made of
 * digits and dots only (three 16-bit code units per number, trailing zero
 * numbers dropped so that 1.0 == 1); undefined for anything else.
 */
export function fastVersionKey(text: string): string | undefined {
  const codes: number[] = [];
  let n = 0;
  let digits = 0;
  let zerosFrom = -1;
  for (let i = 0; i <= text.length; i++) {
    const c = i < text.length ? text.charCodeAt(i) : 46;
    if (c >= 48 && c <= 57) {
      n = n * 10 + (c - 48);
      digits++;
      continue;
    }
    if (c !== 46 || digits === 0 || digits > 14 || n >= FAST_LIMIT) return undefined;
    if (n === 0) {
      if (zerosFrom < 0) zerosFrom = codes.length;
    } else zerosFrom = -1;
    codes.push(Math.floor(n / 4294967296) & 0xffff, Math.floor(n / 65536) & 0xffff, n & 0xffff);
    n = 0;
    digits = 0;
  }
  if (zerosFrom >= 0) codes.length = Math.max(zerosFrom, 3);
  return String.fromCharCode(...codes);
}

const NUMERIC_BASE = 8192;

/**
 * A number whose order is conda's version order, for versions of at most
 * four numbers below 8192 made of digits and dots only (missing numbers
 * count as 0, as trailing zeros do in conda: 1.0 == 1); NaN for anything
 * else. Agrees with `fastVersionKey` wherever both are defined, and sorts
 * as a plain number.
 */
export function numericVersion(text: string): number {
  let value = 0;
  let parts = 0;
  let n = 0;
  let digits = 0;
  for (let i = 0; i <= text.length; i++) {
    const c = i < text.length ? text.charCodeAt(i) : 46;
    if (c >= 48 && c <= 57) {
      n = n * 10 + (c - 48);
      digits++;
      if (n >= NUMERIC_BASE) return NaN;
      continue;
    }
    if (c !== 46 || digits === 0 || digits > 14 || parts === 4) return NaN;
    value = value * NUMERIC_BASE + n;
    parts++;
    n = 0;
    digits = 0;
  }
  for (; parts < 4; parts++) value *= NUMERIC_BASE;
  return value;
}

/** The parsed version of a key (parsed on first use). */
export function keyVersion(key: CandidateKey): Version | undefined {
  if (key.version === undefined) key.version = Version.tryParse(key.versionText) ?? null;
  return key.version ?? undefined;
}

function compareVersionKeys(a: CandidateKey, b: CandidateKey): number {
  if (a.versionKey !== undefined && b.versionKey !== undefined) {
    return a.versionKey < b.versionKey ? -1 : a.versionKey > b.versionKey ? 1 : 0;
  }
  const va = keyVersion(a);
  const vb = keyVersion(b);
  if (va !== undefined && vb !== undefined) return va.compare(vb);
  if (va !== undefined) return 1;
  if (vb !== undefined) return -1;
  return a.versionText < b.versionText ? -1 : a.versionText > b.versionText ? 1 : 0;
}

/**
 * Negative when `a` is preferred. Order, as conda and libmamba rank
 * candidates: fewer track_features; no inactive legacy feature, more active
 * ones; then channel (unless priority is disabled); highest version (lowest
 * with `lowest`); channel when priority is disabled. The provider then
 * applies `compareBuildKeys` and its dependency comparison (in the order of
 * the request model) and `compareCandidateTail`.
 */
export function compareCandidateKeys(a: CandidateKey, b: CandidateKey, options: OrderOptions): number {
  if (a.trackFeatures !== b.trackFeatures) return a.trackFeatures - b.trackFeatures;
  if (a.inactiveFeatures !== b.inactiveFeatures) return a.inactiveFeatures - b.inactiveFeatures;
  if (a.activeFeatures !== b.activeFeatures) return b.activeFeatures - a.activeFeatures;
  const byChannel = a.channelRank - b.channelRank;
  if (options.priority !== "disabled" && byChannel !== 0) return byChannel;
  const byVersion = compareVersionKeys(a, b);
  if (byVersion !== 0) return options.lowest ? byVersion : -byVersion;
  return byChannel;
}

/** Highest build number, then arch over noarch. */
export function compareBuildKeys(a: CandidateKey, b: CandidateKey): number {
  if (a.buildNumber !== b.buildNumber) return b.buildNumber - a.buildNumber;
  return a.noarch - b.noarch;
}

/** The tie-breaks after `compareCandidateKeys` and the dependency comparison: timestamp, archive format, build string. */
export function compareCandidateTail(a: CandidateKey, b: CandidateKey): number {
  if (a.timestamp !== b.timestamp) return b.timestamp - a.timestamp;
  if (a.archive !== b.archive) return a.archive - b.archive;
  return a.build < b.build ? -1 : a.build > b.build ? 1 : 0;
}
