import { VersionError } from "./errors.js";

/**
 * One piece of a version segment. Digits become numbers (bigint past 2^53 so
 * that huge date-like numbers still order correctly), `post` becomes
 * Infinity, `dev` becomes `"DEV"`: upper case sorts before every other
 * (lower-case) string, which is how conda puts dev releases first.
 */
export type VersionComponent = number | bigint | string;
type Segment = readonly VersionComponent[];

const EMPTY: Segment = [];
const CACHE_LIMIT = 50_000;
const cache = new Map<string, Version>();

/**
 * A conda version, parsed once and compared on its pre-split components.
 *
 * @example Version.parse("1.0.1a").compare(Version.parse("1.0.1")) // -1
 */
export class Version {
  /** The text as given, untrimmed. */
  readonly source: string;
  /** Lower-cased, trimmed, `-` turned into `_` (conda's `str(VersionOrder)`). */
  readonly normalized: string;
  readonly epoch: number;
  /** Epoch first, then one segment per `.`/`_` separated part; for a plain numeric version, split on first use. */
  private parts: readonly Segment[] | undefined;
  /** The part after `+`, split the same way; empty when absent. */
  private readonly local: readonly Segment[];
  /**
   * For purely numeric versions (`1.2.3`, `2!1.0`): an order-preserving
   * string, so the common case compares with one string comparison and no
   * pointer chasing through nested arrays. Undefined otherwise.
   */
  private readonly key: string | undefined;

  private constructor(source: string, normalized: string, segments: Segment[] | undefined, local: Segment[], key: string | undefined) {
    this.source = source;
    this.normalized = normalized;
    this.parts = segments;
    this.local = local;
    this.epoch = segments === undefined ? 0 : Number(segments[0][0]);
    this.key = key;
  }

  private get segments(): readonly Segment[] {
    return (this.parts ??= parseParts(this.source).segments);
  }

  /** Parses a version; throws `VersionError` (with the column of the bad character) when conda would refuse it. */
  static parse(text: string): Version {
    const hit = cache.get(text);
    if (hit !== undefined) return hit;
    // Most versions are digits and dots: their key is all most uses need, and the segments are split
    // only if something asks (at scale a solve parses tens of thousands of versions).
    const plain = plainNumericKey(text);
    let version: Version;
    if (plain !== undefined) version = new Version(text, text, undefined, NO_LOCAL, plain);
    else {
      const parts = parseParts(text);
      version = new Version(text, parts.normalized, parts.segments, parts.local, parts.local.length === 0 ? numericKey(parts.segments) : undefined);
    }
    // A full reset is cheaper than LRU bookkeeping and repodata reuses a few thousand strings.
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(text, version);
    return version;
  }

  /** Like `parse` but returns undefined for invalid text. */
  static tryParse(text: string): Version | undefined {
    try {
      return Version.parse(text);
    } catch {
      return undefined;
    }
  }

  /** -1, 0 or 1 in conda's order (trailing zeros do not matter: 1.0 == 1.0.0). */
  compare(other: Version): -1 | 0 | 1 {
    if (this === other) return 0;
    const a = this.key;
    const b = other.key;
    if (a !== undefined && b !== undefined) return a === b ? 0 : a < b ? -1 : 1;
    return compareLists(this.segments, other.segments) || compareLists(this.local, other.local);
  }

  equals(other: Version): boolean {
    return this.compare(other) === 0;
  }

  /**
   * conda's prefix test behind `=1.2` and `1.2.*`: all segments of `prefix`
   * but the last are equal, and the last one is a prefix (for strings) or
   * equal (for numbers). `1.2.3` starts with `1.2`; `1.20` does not.
   */
  startsWith(prefix: Version): boolean {
    let t1 = this.segments;
    let t2 = prefix.segments;
    if (prefix.local.length > 0) {
      if (!listsEqual(this.segments, this.segments.length, prefix.segments, prefix.segments.length)) return false;
      t1 = this.local;
      t2 = prefix.local;
    }
    const last = t2.length - 1;
    if (!listsEqual(t1, Math.min(last, t1.length), t2, last)) return false;
    const v1 = t1.length <= last ? EMPTY : t1[last];
    const v2 = t2[last];
    const lastComponent = v2.length - 1;
    if (!segmentsEqual(v1, Math.min(lastComponent, v1.length), v2, lastComponent)) return false;
    const c1: VersionComponent = v1.length <= lastComponent ? 0 : v1[lastComponent];
    const c2 = v2[lastComponent];
    if (typeof c2 === "string") return typeof c1 === "string" && c1.startsWith(c2);
    return c1 === c2;
  }

  /** conda's normalized text (lower case, `-` as `_`). */
  toString(): string {
    return this.normalized;
  }

  /**
   * conda's `VersionOrder.version`: epoch segment first, then the segments;
   * `post` is `Infinity`, `dev` is `"DEV"`. The local part is left out, as in conda.
   */
  parsedForm(): (number | string)[][] {
    return this.segments.map((s) => s.map((c) => (typeof c === "bigint" ? Number(c) : c)));
  }

  /** The local version part (after `+`) in the same shape as `parsedForm`. */
  localForm(): (number | string)[][] {
    return this.local.map((s) => s.map((c) => (typeof c === "bigint" ? Number(c) : c)));
  }

  /** `parsedForm` as Python prints it (`[[0], [1], [0, inf, 1]]`), for comparing with conda's own output. */
  parsedFormRepr(): string {
    return `[${this.segments.map((s) => `[${s.map(reprComponent).join(", ")}]`).join(", ")}]`;
  }
}

/** Compares two version strings in conda's order; throws `VersionError` for invalid input. */
export function compareVersions(a: string, b: string): number {
  return Version.parse(a).compare(Version.parse(b));
}

const KEY_LIMIT = 2 ** 48;
const NO_LOCAL: Segment[] = [];

/**
 * For text made of digits and dots only (`1.26.4`), the key `numericKey`
 * gives its parsed segments, without parsing them; undefined for anything
 * else (which is then parsed in full, and may still have a key).
 */
function plainNumericKey(text: string): string | undefined {
  // The epoch segment (0) comes first, as in the parsed segments.
  const codes: number[] = [0, 0, 0];
  let n = 0;
  let digits = 0;
  for (let i = 0; i <= text.length; i++) {
    const c = i < text.length ? text.charCodeAt(i) : DOT;
    if (c >= 48 && c <= 57) {
      n = n * 10 + (c - 48);
      if (++digits > 15) return undefined;
      continue;
    }
    if (c !== DOT || digits === 0 || n >= KEY_LIMIT) return undefined;
    codes.push(Math.floor(n / 4294967296) & 0xffff, Math.floor(n / 65536) & 0xffff, n & 0xffff);
    n = 0;
    digits = 0;
  }
  // Trailing zero segments are dropped, the epoch segment kept.
  let end = codes.length;
  while (end > 3 && codes[end - 1] === 0 && codes[end - 2] === 0 && codes[end - 3] === 0) end -= 3;
  codes.length = end;
  return String.fromCharCode(...codes);
}

// Three 16-bit code units per segment, big-endian, trailing zero segments
// dropped (1.0 == 1): string order is then conda's order.
function numericKey(segments: readonly Segment[]): string | undefined {
  let end = segments.length;
  while (end > 1 && segments[end - 1].length === 1 && segments[end - 1][0] === 0) end--;
  const codes: number[] = [];
  for (let i = 0; i < end; i++) {
    const seg = segments[i];
    const n = seg[0];
    if (seg.length !== 1 || typeof n !== "number" || n >= KEY_LIMIT) return undefined;
    codes.push(Math.floor(n / 4294967296) & 0xffff, Math.floor(n / 65536) & 0xffff, n & 0xffff);
  }
  // One fromCharCode call yields a flat string (a `+=` chain would leave a rope to walk on every compare).
  return String.fromCharCode(...codes);
}

function reprComponent(c: VersionComponent): string {
  if (typeof c === "string") return `'${c}'`;
  if (c === Infinity) return "inf";
  return String(c);
}

// Missing segments count as empty and missing components as 0, so 1.1 == 1.1.0.
function compareLists(a: readonly Segment[], b: readonly Segment[]): -1 | 0 | 1 {
  const n = a.length > b.length ? a.length : b.length;
  for (let i = 0; i < n; i++) {
    const sa = i < a.length ? a[i] : EMPTY;
    const sb = i < b.length ? b[i] : EMPTY;
    const m = sa.length > sb.length ? sa.length : sb.length;
    for (let j = 0; j < m; j++) {
      const c1 = j < sa.length ? sa[j] : 0;
      const c2 = j < sb.length ? sb[j] : 0;
      if (c1 === c2) continue;
      if (typeof c1 === "string") {
        // Strings sort below numbers (so 1.0a < 1.0), and among themselves by code point.
        if (typeof c2 !== "string") return -1;
        return c1 < c2 ? -1 : 1;
      }
      if (typeof c2 === "string") return 1;
      return c1 < c2 ? -1 : 1;
    }
  }
  return 0;
}

function segmentsEqual(a: Segment, aLen: number, b: Segment, bLen: number): boolean {
  const m = aLen > bLen ? aLen : bLen;
  for (let j = 0; j < m; j++) {
    const c1 = j < aLen ? a[j] : 0;
    const c2 = j < bLen ? b[j] : 0;
    if (c1 !== c2) return false;
  }
  return true;
}

function listsEqual(a: readonly Segment[], aLen: number, b: readonly Segment[], bLen: number): boolean {
  const n = aLen > bLen ? aLen : bLen;
  for (let i = 0; i < n; i++) {
    const sa = i < aLen ? a[i] : EMPTY;
    const sb = i < bLen ? b[i] : EMPTY;
    if (!segmentsEqual(sa, sa.length, sb, sb.length)) return false;
  }
  return true;
}

interface ParsedParts {
  normalized: string;
  segments: Segment[];
  local: Segment[];
}

function parseParts(source: string): ParsedParts {
  const trimmed = source.trim();
  const lead = trimmed.length === source.length ? 0 : source.length - source.trimStart().length;
  if (trimmed === "") fail(source, lead, "expected a version, found nothing", 0);
  let text = trimmed.toLowerCase();
  const bad = firstInvalid(text);
  if (bad >= 0) {
    // conda accepts '-' in place of '_' only when the two are not mixed.
    if (text.includes("-") && !text.includes("_")) text = text.replace(/-/g, "_");
    const stillBad = firstInvalid(text);
    if (stillBad >= 0) {
      fail(source, lead, `expected letters, digits, '.', '_', '*', '!' or '+', found '${trimmed[stillBad]}'`, stillBad);
    }
  }

  const bang = text.indexOf("!");
  let mainStart = 0;
  let epoch: Segment = ZERO_EPOCH;
  if (bang >= 0) {
    const second = text.indexOf("!", bang + 1);
    if (second >= 0) fail(source, lead, "expected at most one epoch separator '!'", second);
    if (bang === 0 || !isDigits(text, 0, bang)) fail(source, lead, "expected an integer epoch before '!'", 0);
    epoch = [toNumber(text.slice(0, bang))];
    mainStart = bang + 1;
  }

  const plus = text.indexOf("+", mainStart);
  let mainEnd = text.length;
  if (plus >= 0) {
    const second = text.indexOf("+", plus + 1);
    if (second >= 0) fail(source, lead, "expected at most one local version separator '+'", second);
    mainEnd = plus;
  }
  if (mainEnd === mainStart) {
    fail(source, lead, plus >= 0 ? "expected a version before the local version separator '+'" : "expected a version after the epoch", mainStart);
  }

  const segments: Segment[] = [epoch];
  // A trailing '_' stays attached to the last segment: conda's openssl-style
  // marker that makes 1.0.1_ sort before 1.0.1a.
  const trailingUnderscore = text.charCodeAt(mainEnd - 1) === UNDERSCORE;
  const bodyEnd = trailingUnderscore ? mainEnd - 1 : mainEnd;
  let segStart = mainStart;
  for (let i = mainStart; i <= bodyEnd; i++) {
    const code = i < bodyEnd ? text.charCodeAt(i) : -1;
    if (code !== DOT && code !== UNDERSCORE && code !== -1) continue;
    if (code === -1 && trailingUnderscore) {
      segments.push(scanSegment(`${text.slice(segStart, bodyEnd)}_`, 0, bodyEnd - segStart + 1));
    } else {
      if (i === segStart) fail(source, lead, "expected a number or letters between separators, found an empty component", i);
      segments.push(scanSegment(text, segStart, i));
    }
    segStart = i + 1;
  }

  const local: Segment[] = [];
  if (plus >= 0) {
    segStart = plus + 1;
    for (let i = plus + 1; i <= text.length; i++) {
      const code = i < text.length ? text.charCodeAt(i) : -1;
      if (code !== DOT && code !== UNDERSCORE && code !== -1) continue;
      if (i === segStart) fail(source, lead, "expected a number or letters in the local version, found an empty component", i);
      local.push(scanSegment(text, segStart, i));
      segStart = i + 1;
    }
  }
  return { normalized: text, segments, local };
}

const DOT = 46;
const UNDERSCORE = 95;
const STAR = 42;
const ZERO_EPOCH: Segment = [0];
/** 1 for characters conda allows in a (lower-cased) version. */
const VALID = new Uint8Array(128);
for (const ch of "*.+!_0123456789abcdefghijklmnopqrstuvwxyz") VALID[ch.charCodeAt(0)] = 1;

function fail(source: string, lead: number, reason: string, index: number): never {
  throw new VersionError(source, reason, lead + index + 1);
}

function firstInvalid(text: string): number {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code >= 128 || VALID[code] === 0) return i;
  }
  return -1;
}

const isDigit = (code: number): boolean => code >= 48 && code <= 57;

function isDigits(text: string, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (!isDigit(text.charCodeAt(i))) return false;
  return true;
}

/**
 * Splits text[start, end) into runs of digits, of '*' and of other
 * characters; a segment that starts with a letter gets a leading 0 so that
 * numbers and strings stay in phase (1.1.a1 == 1.1.0a1).
 */
function scanSegment(text: string, start: number, end: number): Segment {
  const out: VersionComponent[] = [];
  if (!isDigit(text.charCodeAt(start))) out.push(0);
  let i = start;
  while (i < end) {
    const code = text.charCodeAt(i);
    let j = i + 1;
    if (isDigit(code)) {
      let value = code - 48;
      while (j < end && isDigit(text.charCodeAt(j))) value = value * 10 + (text.charCodeAt(j++) - 48);
      out.push(j - i < 16 ? value : toNumber(text.slice(i, j)));
    } else if (code === STAR) {
      while (j < end && text.charCodeAt(j) === STAR) j++;
      out.push(text.slice(i, j));
    } else {
      while (j < end && !isDigit(text.charCodeAt(j)) && text.charCodeAt(j) !== STAR) j++;
      const run = text.slice(i, j);
      out.push(run === "post" ? Infinity : run === "dev" ? "DEV" : run);
    }
    i = j;
  }
  return out;
}

function toNumber(digits: string): number | bigint {
  if (digits.length < 16) return Number(digits);
  const big = BigInt(digits);
  return big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big;
}
