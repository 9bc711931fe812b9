/**
 * A one-pass byte scanner over repodata.json that finds, for every record of
 * `packages` / `packages.conda`, its package name and the byte ranges of its
 * file name and its JSON object, without decoding the whole file to a string
 * or building an object per record. A solve needs the records of a few dozen
 * names out of thousands (hundreds of thousands at scale), so the records of
 * one name are parsed with `JSON.parse` on their slices only when asked for.
 *
 * The scanner checks the skeleton strictly (top-level object, section
 * objects, `"fn": {...}` entries, string and bracket nesting) and gives up
 * (returns undefined) on anything it does not expect; the caller then falls
 * back to a full `JSON.parse`, which either handles the unusual but valid
 * document or reports the error with line and column. What it does not check
 * is the inside of a record (numbers, literals): a record broken there is
 * reported when its name is first read, as rattler's sparse reader does.
 */

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const COMMA = 0x2c;
const LBRACE = 0x7b;
const RBRACE = 0x7d;
const LBRACKET = 0x5b;
const RBRACKET = 0x5d;

/** Offsets are kept in Uint32Arrays; a larger document takes the JSON.parse path. */
export const SCAN_MAX_BYTES = 0xffff_fff0;

/**
 * Where each record is, grouped by name. Record `r` (an index into the
 * per-record arrays) has its file name between `keyStart[r]` and
 * `keyEnd[r]` (inside the quotes, still JSON-escaped when bit 1 of `section[r]` is set) and
 * its object between `valStart[r]` and `valEnd[r]`. `order` lists record
 * indices by name (`groupStart[id]` to `groupStart[id + 1]`), `packages`
 * before `packages.conda`, file order within each, as grouping the parsed
 * document did.
 */
export interface RepodataScan {
  readonly byteLength: number;
  readonly names: string[];
  readonly recordCount: number;
  readonly keyStart: Uint32Array;
  readonly keyEnd: Uint32Array;
  readonly valStart: Uint32Array;
  readonly valEnd: Uint32Array;
  /** Bit 0: 1 for `packages.conda`, 0 for `packages`; bit 1: the file name is JSON-escaped. */
  readonly section: Uint8Array;
  readonly order: Uint32Array;
  readonly groupStart: Uint32Array;
  /** Byte range of the top-level `info` value, when present. */
  readonly info?: readonly [number, number];
}

/** The scanner met something it does not handle; the caller parses the whole document instead. */
class GiveUp extends Error {}
const GIVE_UP = new GiveUp();

function isWs(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

/** Grows a Uint32Array to at least `need` entries. */
function grow32(a: Uint32Array, need: number): Uint32Array {
  if (need <= a.length) return a;
  const b = new Uint32Array(Math.max(need, a.length * 2));
  b.set(a);
  return b;
}

function grow8(a: Uint8Array, need: number): Uint8Array {
  if (need <= a.length) return a;
  const b = new Uint8Array(Math.max(need, a.length * 2));
  b.set(a);
  return b;
}

/**
 * Decodes the JSON string whose contents lie between `start` and `end`
 * (exclusive, quotes not included). ASCII without escapes, the common case
 * for names and file names, takes the cheap latin1 path.
 */
export function decodeJsonString(buf: Buffer, start: number, end: number): string {
  let plain = true;
  for (let i = start; i < end; i++) {
    const c = buf[i];
    if (c === BACKSLASH || c >= 0x80) {
      plain = false;
      break;
    }
  }
  if (plain) return buf.toString("latin1", start, end);
  return JSON.parse(buf.toString("utf8", start - 1, end + 1)) as string;
}

/** What scanRecord found; one object reused for every record. */
interface RecordScan {
  /** Just past the closing brace. */
  end: number;
  /** Contents of the last top-level string "name" value; -1 when the record has none (or a non-string one). */
  nameStart: number;
  nameEnd: number;
  nameEscaped: boolean;
}

/**
 * Scans one record object from its opening brace at `start`: finds its end
 * (skipping strings, counting brackets) and its top-level "name". The hot
 * loop of the scanner, so it is one flat function over local variables: a
 * helper call per string or closure-captured state made it 2-3x slower.
 * False when the document ends inside the record.
 */
function scanRecord(buf: Uint8Array, start: number, n: number, out: RecordScan): boolean {
  let depth = 0;
  let nameS = -1;
  let nameE = -1;
  let nameEscaped = false;
  let i = start;
  while (i < n) {
    const c = buf[i++];
    if (c === QUOTE) {
      const open = i - 1;
      let escaped = false;
      for (;;) {
        if (i >= n) return false;
        const d = buf[i++];
        if (d === QUOTE) break;
        if (d === BACKSLASH) {
          escaped = true;
          i++;
        }
      }
      // i is just past the closing quote. At depth 1, a string followed by a colon is a key; only "name" matters.
      if (depth !== 1) continue;
      let j = i;
      while (j < n && isWs(buf[j])) j++;
      if (buf[j] !== COLON) continue;
      const len = i - open;
      const isName =
        (len === 6 && buf[open + 1] === 0x6e && buf[open + 2] === 0x61 && buf[open + 3] === 0x6d && buf[open + 4] === 0x65) ||
        (escaped && decodeJsonString(Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength), open + 1, i - 1) === "name");
      i = j + 1;
      if (!isName) continue;
      while (i < n && isWs(buf[i])) i++;
      // The last "name" wins, as in JSON.parse; a non-string one means no name.
      if (buf[i] !== QUOTE) {
        nameS = -1;
        continue;
      }
      const vOpen = i;
      let vEscaped = false;
      i++;
      for (;;) {
        if (i >= n) return false;
        const d = buf[i++];
        if (d === QUOTE) break;
        if (d === BACKSLASH) {
          vEscaped = true;
          i++;
        }
      }
      nameS = vOpen + 1;
      nameE = i - 1;
      nameEscaped = vEscaped;
      continue;
    }
    if (c === LBRACE || c === LBRACKET) depth++;
    else if (c === RBRACE || c === RBRACKET) {
      depth--;
      if (depth === 0) {
        out.end = i;
        out.nameStart = nameS;
        out.nameEnd = nameE;
        out.nameEscaped = nameEscaped;
        return true;
      }
    }
  }
  return false;
}

/** Scans one repodata document; undefined when it is not the plain shape (see the file comment). */
export function scanRepodata(bytes: Uint8Array): RepodataScan | undefined {
  if (bytes.length > SCAN_MAX_BYTES) return undefined;
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  try {
    return scan(buf);
  } catch (err) {
    if (err instanceof GiveUp) return undefined;
    throw err;
  }
}

function scan(buf: Buffer): RepodataScan {
  const n = buf.length;
  let cap = Math.max(64, Math.ceil(n / 400));
  let keyStart: Uint32Array = new Uint32Array(cap);
  let keyEnd: Uint32Array = new Uint32Array(cap);
  let valStart: Uint32Array = new Uint32Array(cap);
  let valEnd: Uint32Array = new Uint32Array(cap);
  let nameIds: Uint32Array = new Uint32Array(cap);
  let section: Uint8Array = new Uint8Array(cap);
  let count = 0;
  const nameIndex = new Map<string, number>();
  const names: string[] = [];
  // The previous record's name bytes: consecutive records mostly share a name, so most lookups are a short byte compare.
  let lastNameStart = -1;
  let lastNameEnd = -1;
  let lastNameId = -1;
  let info: [number, number] | undefined;
  const seenTop = new Set<string>();
  const rec: RecordScan = { end: 0, nameStart: -1, nameEnd: -1, nameEscaped: false };

  let i = 0;
  const skipWs = (): void => {
    while (i < n && isWs(buf[i])) i++;
  };
  /** At an opening quote: returns the index of the closing quote; sets `escaped` when a backslash was seen. */
  let escaped = false;
  const endOfString = (from: number): number => {
    let j = from + 1;
    escaped = false;
    for (;;) {
      if (j >= n) throw GIVE_UP;
      const c = buf[j];
      if (c === QUOTE) return j;
      if (c === BACKSLASH) {
        escaped = true;
        j += 2;
      } else if (c < 0x20) throw GIVE_UP; // raw control characters are invalid JSON
      else j++;
    }
  };
  /** Skips any JSON value starting at `i` (after whitespace); leaves `i` just past it. */
  const skipValue = (): void => {
    const c = buf[i];
    if (c === QUOTE) {
      i = endOfString(i) + 1;
      return;
    }
    if (c === LBRACE || c === LBRACKET) {
      let depth = 0;
      while (i < n) {
        const d = buf[i];
        if (d === QUOTE) {
          i = endOfString(i) + 1;
          continue;
        }
        if (d === LBRACE || d === LBRACKET) depth++;
        else if (d === RBRACE || d === RBRACKET) {
          depth--;
          if (depth === 0) {
            i++;
            return;
          }
        }
        i++;
      }
      throw GIVE_UP;
    }
    // number, true, false, null: up to the next delimiter
    const from = i;
    while (i < n) {
      const d = buf[i];
      if (d === COMMA || d === RBRACE || d === RBRACKET || isWs(d)) break;
      i++;
    }
    if (i === from) throw GIVE_UP;
  };

  const nameIdOf = (s: number, e: number, hasEscape: boolean): number => {
    const len = e - s;
    if (!hasEscape && lastNameId >= 0 && lastNameEnd - lastNameStart === len) {
      let same = true;
      for (let k = 0; k < len; k++) {
        if (buf[s + k] !== buf[lastNameStart + k]) {
          same = false;
          break;
        }
      }
      if (same) return lastNameId;
    }
    const name = decodeJsonString(buf, s, e);
    let id = nameIndex.get(name);
    if (id === undefined) {
      id = names.length;
      names.push(name);
      nameIndex.set(name, id);
    }
    if (!hasEscape) {
      lastNameStart = s;
      lastNameEnd = e;
      lastNameId = id;
    }
    return id;
  };

  // After an object member: true when another follows (the comma is consumed),
  // false at the object's closing brace (consumed too).
  const nextMember = (): boolean => {
    skipWs();
    const ch = buf[i];
    if (ch === COMMA) {
      i++;
      skipWs();
      return true;
    }
    if (ch === RBRACE) {
      i++;
      return false;
    }
    throw GIVE_UP;
  };

  const scanSection = (sec: 0 | 1): void => {
    // at "{"
    i++;
    skipWs();
    if (buf[i] === RBRACE) {
      i++;
      return;
    }
    for (;;) {
      if (buf[i] !== QUOTE) throw GIVE_UP;
      const kClose = endOfString(i);
      const kEscaped = escaped;
      const kS = i + 1;
      i = kClose + 1;
      skipWs();
      if (buf[i] !== COLON) throw GIVE_UP;
      i++;
      skipWs();
      if (buf[i] === LBRACE) {
        const vS = i;
        if (!scanRecord(buf, i, n, rec)) throw GIVE_UP;
        i = rec.end;
        const id = rec.nameStart >= 0 ? nameIdOf(rec.nameStart, rec.nameEnd, rec.nameEscaped) : -1;
        if (id >= 0) {
          if (count === cap) {
            cap *= 2;
            keyStart = grow32(keyStart, cap);
            keyEnd = grow32(keyEnd, cap);
            valStart = grow32(valStart, cap);
            valEnd = grow32(valEnd, cap);
            nameIds = grow32(nameIds, cap);
            section = grow8(section, cap);
          }
          keyStart[count] = kS;
          keyEnd[count] = kClose;
          // Bit 1: the file name has escapes and must be decoded with JSON.parse.
          section[count] = kEscaped ? sec | 2 : sec;
          valStart[count] = vS;
          valEnd[count] = i;
          nameIds[count] = id;
          count++;
        }
      } else skipValue(); // not an object: skipped, as conda skips it
      if (!nextMember()) return;
    }
  };

  skipWs();
  if (buf[i] !== LBRACE) throw GIVE_UP;
  i++;
  skipWs();
  if (buf[i] === RBRACE) i++;
  else {
    for (;;) {
      if (buf[i] !== QUOTE) throw GIVE_UP;
      const kClose = endOfString(i);
      const key = decodeJsonString(buf, i + 1, kClose);
      // A repeated top-level key would make JSON.parse keep only the last; rare enough to leave to it.
      if (seenTop.has(key)) throw GIVE_UP;
      seenTop.add(key);
      i = kClose + 1;
      skipWs();
      if (buf[i] !== COLON) throw GIVE_UP;
      i++;
      skipWs();
      if (key === "packages" || key === "packages.conda") {
        if (buf[i] === LBRACE) scanSection(key === "packages" ? 0 : 1);
        else if (buf[i] === 0x6e && buf.toString("latin1", i, i + 4) === "null") i += 4;
        else throw GIVE_UP; // the JSON.parse path reports it
      } else {
        const from = i;
        skipValue();
        if (key === "info") info = [from, i];
      }
      if (!nextMember()) break;
    }
  }
  skipWs();
  if (i !== n) throw GIVE_UP;

  // Name ids in order of first appearance in packages, then packages.conda: the order grouping the parsed document gave.
  const renumber = new Int32Array(names.length).fill(-1);
  const ordered: string[] = [];
  for (const sec of [0, 1]) {
    for (let r = 0; r < count; r++) {
      if ((section[r] & 1) !== sec) continue;
      const id = nameIds[r];
      if (renumber[id] < 0) {
        renumber[id] = ordered.length;
        ordered.push(names[id]);
      }
    }
  }
  for (let r = 0; r < count; r++) nameIds[r] = renumber[nameIds[r]];

  // Group by name: packages before packages.conda, file order within each (a counting sort).
  const groupStart = new Uint32Array(ordered.length + 1);
  for (let r = 0; r < count; r++) groupStart[nameIds[r] + 1]++;
  for (let k = 0; k < ordered.length; k++) groupStart[k + 1] += groupStart[k];
  const fill = groupStart.slice(0, ordered.length);
  const order = new Uint32Array(count);
  for (const sec of [0, 1]) {
    for (let r = 0; r < count; r++) if ((section[r] & 1) === sec) order[fill[nameIds[r]]++] = r;
  }
  return {
    byteLength: n,
    names: ordered,
    recordCount: count,
    keyStart: keyStart.subarray(0, count),
    keyEnd: keyEnd.subarray(0, count),
    valStart: valStart.subarray(0, count),
    valEnd: valEnd.subarray(0, count),
    section: section.subarray(0, count),
    order,
    groupStart,
    ...(info === undefined ? {} : { info }),
  };
}
