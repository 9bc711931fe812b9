import * as zlib from "node:zlib";
import { closeSync, fstatSync, openSync, readFileSync, readSync } from "node:fs";
import { BinaryCacheCorrupt, type SourceStamp } from "./binary_cache.js";
import { RepodataError } from "./errors.js";
import { recordFromRepodata, type PackageRecord } from "../conda/index.js";
import type { RawEntry, RecordStore } from "./lazy_index.js";
import { KeyedRecords, type LightOrigin } from "./light_record.js";
import { extractRecordKeys, KEY_CONDA, KEY_FULL, KEY_REPEATED, type RecordKeys } from "./record_keys.js";
import { decodeJsonString, type RepodataScan } from "./scan.js";

/**
 * Reads byte ranges of the repodata JSON: from memory right after a
 * download, or from the cached file on a warm start, so that the JSON is
 * never read or decoded whole again.
 */
export interface ByteSource {
  /** The bytes `[start, end)`; the result may share memory with the source. */
  read(start: number, end: number): Buffer;
}

export function memorySource(bytes: Uint8Array): ByteSource {
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { read: (start, end) => buf.subarray(start, end) };
}

/**
 * Ranges of the cached JSON file, read with positioned reads. The file's size
 * must still be the pinned size; anything read that does not parse as the
 * record expected throws BinaryCacheCorrupt, which the gateway answers by
 * rebuilding from the JSON (checked against its sha256 then).
 */
export function fileSource(path: string, expectedSize: number): ByteSource {
  const fd = openSync(path, "r");
  let opened: { ino: number; mtimeMs: number };
  try {
    const info = fstatSync(fd);
    if (info.size !== expectedSize) throw new BinaryCacheCorrupt("the cached JSON changed size");
    opened = { ino: info.ino, mtimeMs: info.mtimeMs };
  } finally {
    closeSync(fd);
  }
  return {
    read(start, end) {
      let again: number | undefined;
      try {
        again = openSync(path, "r");
        // Another process may have replaced the file since (a newer download): its offsets differ, so refuse.
        const info = fstatSync(again);
        if (info.ino !== opened.ino || info.mtimeMs !== opened.mtimeMs || info.size !== expectedSize) {
          throw new BinaryCacheCorrupt("the cached JSON was replaced");
        }
        const out = Buffer.allocUnsafe(end - start);
        if (readSync(again, out, 0, out.length, start) !== out.length) throw new BinaryCacheCorrupt("the cached JSON was cut short");
        return out;
      } catch (err) {
        if (err instanceof BinaryCacheCorrupt) throw err;
        throw new BinaryCacheCorrupt("the cached JSON vanished or cannot be read");
      } finally {
        if (again !== undefined) closeSync(again);
      }
    },
  };
}

/** 1-based line and column and the byte offset of `byte` in `bytes`, for an error message. */
function positionOf(bytes: Buffer, byte: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = bytes.indexOf(0x0a); i !== -1 && i < byte; i = bytes.indexOf(0x0a, i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: bytes.toString("utf8", lineStart, byte).length + 1 };
}

/** The records of a scanned document, parsed per name from their byte ranges on demand. */
export class ScannedStore implements RecordStore {
  readonly recordCount: number;
  private readonly slotOf = new Map<string, number>();

  /**
   * `where` names the document in errors; `strict` (a store over bytes just
   * downloaded) reports a record that does not parse as CG_REPODATA_CORRUPT,
   * otherwise (over the cache) as BinaryCacheCorrupt so the cache is rebuilt.
   */
  constructor(
    readonly scan: RepodataScan,
    readonly info: Readonly<Record<string, unknown>>,
    private readonly bytes: ByteSource,
    private readonly where: string,
    private readonly strict: boolean,
    /** The solver keys of the records, when the offsets index held them. */
    private keys?: RecordKeys,
  ) {
    this.recordCount = scan.recordCount;
    scan.names.forEach((name, i) => this.slotOf.set(name, i));
  }

  /** The solver keys of every record: from the offsets index, or parsed from the bytes once. */
  recordKeys(): RecordKeys {
    return (this.keys ??= extractRecordKeys(this.scan, this.bytes));
  }

  /** Whether light records can be built without parsing every record first. */
  get hasKeys(): boolean {
    return this.keys !== undefined;
  }

  /** The file name and raw object of the record at `slot` (its position in the name groups). */
  entryAt(slot: number, name: string): RawEntry {
    const r = this.scan.order[slot];
    const lo = this.scan.keyStart[r] - 1;
    const chunk = this.bytes.read(lo, this.scan.valEnd[r]);
    return this.parseEntry(chunk, lo, r, name);
  }

  private parseEntry(chunk: Buffer, base: number, r: number, name: string): RawEntry {
    const { keyStart, keyEnd, valStart, valEnd, section } = this.scan;
    const ks = keyStart[r] - base;
    const ke = keyEnd[r] - base;
    const fn = (section[r] & 2) !== 0 ? this.decodeKey(chunk, ks, ke, keyStart[r]) : decodeJsonString(chunk, ks, ke);
    let raw: unknown;
    try {
      raw = JSON.parse(chunk.toString("utf8", valStart[r] - base, valEnd[r] - base));
    } catch (err) {
      throw this.broken(valStart[r], err);
    }
    if (typeof raw !== "object" || raw === null || Array.isArray(raw) || (raw as { name?: unknown }).name !== name) {
      throw this.broken(valStart[r], new Error(`record ${fn} is not a record of ${name}`));
    }
    return [fn, raw as Record<string, unknown>];
  }

  /**
   * The records of one name for the solver, as slots of their keys (see
   * KeyedRecords), in the order and with the duplicates rule of `entries`;
   * records the keys could not describe are built from their JSON.
   */
  keyedRecords(name: string, origin: LightOrigin, build: (fn: string, raw: Record<string, unknown>) => PackageRecord): KeyedRecords {
    const id = this.slotOf.get(name);
    if (id === undefined) return new KeyedRecords(name, origin, new Int32Array(0), []);
    const keys = this.recordKeys();
    const from = this.scan.groupStart[id];
    const to = this.scan.groupStart[id + 1];
    const flags = keys.flags;
    const fullSlots: number[] = [];
    let repeated = false;
    for (let k = from; k < to; k++) {
      if ((flags[k] & KEY_FULL) !== 0) fullSlots.push(k);
      if ((flags[k] & KEY_REPEATED) !== 0) repeated = true;
    }
    const full: PackageRecord[] = [];
    if (fullSlots.length > 0) this.readEntries(fullSlots, name, (i, fn, raw) => (full[i] = build(fn, raw)));
    if (!repeated) {
      // The common case: every slot is an entry, in order.
      const entries = new Int32Array(to - from);
      let f = 0;
      for (let k = from; k < to; k++) entries[k - from] = (flags[k] & KEY_FULL) !== 0 ? -1 - f++ : k;
      return new KeyedRecords(name, origin, entries, full);
    }
    const out: number[] = [];
    const fnOf = (entry: number): string => (entry >= 0 ? origin.recordAt(entry, name).fn : full[-1 - entry].fn);
    let f = 0;
    for (let k = from; k < to; k++) {
      const bits = flags[k];
      const entry = (bits & KEY_FULL) !== 0 ? -1 - f++ : k;
      if ((bits & KEY_REPEATED) !== 0) {
        // The earlier entry of the same file name in the same section takes this value.
        const fn = fnOf(entry);
        const conda = (bits & KEY_CONDA) !== 0;
        const earlier = out.findIndex((e) => fnOf(e) === fn && fn.endsWith(".conda") === conda);
        if (earlier >= 0) {
          out[earlier] = entry;
          continue;
        }
      }
      out.push(entry);
    }
    return new KeyedRecords(name, origin, Int32Array.from(out), full);
  }

  /**
   * The entries of some slots of one name, in the order given. Records of a
   * name mostly lie together (files are sorted by name), once in `packages`
   * and once in `packages.conda`: each run of nearby records is read with
   * one read instead of one per record.
   */
  private readEntries(slots: readonly number[], name: string, each: (index: number, fn: string, raw: Record<string, unknown>) => void): void {
    const { order, keyStart, valEnd } = this.scan;
    const chunks: Buffer[] = [];
    const chunkOf = new Uint32Array(slots.length);
    const chunkBase: number[] = [];
    let runLo = -1;
    let runHi = -1;
    const flush = (): void => {
      if (runLo >= 0) {
        chunks.push(this.bytes.read(runLo, runHi));
        chunkBase.push(runLo);
      }
    };
    slots.forEach((k, i) => {
      const r = order[k];
      const lo = keyStart[r] - 1;
      const hi = valEnd[r];
      if (runLo < 0 || lo < runLo || lo > runHi + 65536) {
        flush();
        runLo = lo;
        runHi = hi;
      } else runHi = Math.max(runHi, hi);
      chunkOf[i] = chunks.length;
    });
    flush();
    slots.forEach((k, i) => {
      const [fn, raw] = this.parseEntry(chunks[chunkOf[i]], chunkBase[chunkOf[i]], order[k], name);
      each(i, fn, raw);
    });
  }

  /** The record of a slot built from its JSON, for LightRecord. */
  fullRecord(slot: number, source: { channel: string; subdir: string; downloadBaseUrl: string }): PackageRecord {
    const [fn, raw] = this.entryAt(slot, this.scan.names[this.groupOf(slot)]);
    return recordFromRepodata(fn, raw, source);
  }

  private groupOf(slot: number): number {
    const starts = this.scan.groupStart;
    let lo = 0;
    let hi = starts.length - 2;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid] <= slot) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  names(): string[] {
    return this.scan.names.slice();
  }

  has(name: string): boolean {
    return this.slotOf.has(name);
  }

  entries(name: string): readonly RawEntry[] {
    return this.mapEntries(name, (fn, raw): RawEntry => [fn, raw]);
  }

  /**
   * `entries(name).map(([fn, raw]) => build(fn, raw))`, but each raw object
   * is handed to `build` as soon as it is parsed. At scale a name has 100k
   * records: holding all raw objects until the last one was parsed made them
   * outlive the young generation, and copying them there was a large part of
   * the garbage collector's time.
   */
  mapEntries<T>(name: string, build: (fn: string, raw: Record<string, unknown>) => T): T[] {
    const id = this.slotOf.get(name);
    if (id === undefined) return [];
    const { order, groupStart, section } = this.scan;
    const from = groupStart[id];
    const to = groupStart[id + 1];
    const slots: number[] = [];
    for (let k = from; k < to; k++) slots.push(k);
    const out: T[] = [];
    // Per section (`packages`, `packages.conda`), the file names seen and where their entry is.
    const seen = [new Map<string, number>(), new Map<string, number>()];
    this.readEntries(slots, name, (i, fn, raw) => {
      // A file name listed twice in one section: JSON.parse keeps the last value at the first one's place.
      const names = seen[section[order[from + i]] & 1];
      const earlier = names.get(fn);
      const value = build(fn, raw);
      if (earlier !== undefined) out[earlier] = value;
      else {
        names.set(fn, out.length);
        out.push(value);
      }
    });
    return out;
  }

  private decodeKey(chunk: Buffer, ks: number, ke: number, at: number): string {
    try {
      return decodeJsonString(chunk, ks, ke);
    } catch (err) {
      throw this.broken(at, err);
    }
  }

  private broken(byte: number, cause: unknown): Error {
    if (!this.strict) return new BinaryCacheCorrupt("a cached record does not parse");
    const message = cause instanceof Error ? cause.message.replace(/\s*in JSON at position \d+.*$/s, "") : String(cause);
    const whole = this.bytes.read(0, this.scan.byteLength);
    const at = positionOf(whole, byte);
    return new RepodataError(
      "CG_REPODATA_CORRUPT",
      `Invalid JSON in repodata ${this.where} at line ${at.line}, column ${at.column} (byte ${byte}): ${message}. Expected a repodata record object.`,
      {
        hint: "The file is damaged or is not repodata; delete the cached copy and fetch again, or fix the channel's index.",
        input: this.where,
        url: this.where,
        file: this.where,
        line: at.line,
        column: at.column,
        cause,
      },
    );
  }
}

/**
 * The offsets index written beside a cached repodata.json: the scan (names
 * and byte ranges) and the solver keys of every record (see RecordKeys), so
 * a warm start reads a few MiB instead of the JSON.
 *
 * Layout (little-endian), format version 3:
 *
 *   0  magic "CGSIDX\0\x01"           8 bytes
 *   8  format version (u32), dependency list count (u32)
 *  16  source size in bytes (f64)
 *  24  source sha256 (32 bytes)       the JSON the offsets point into
 *  56  name count (u32)
 *  60  record count (u32)
 *  64  info length (u32)              `info` object as JSON
 *  68  names length (u32)             names as UTF-8 joined by "\n"
 *  72  strings length (u32)           the keys' string table as UTF-8 joined by "\n"
 *  76  dependency id count (u32)
 *  80  CRC-32 of bytes 0-79 and the body (u32), then 12 zero bytes
 *  96  body: info, names, strings, padding to 4; u32 arrays: group starts
 *      (names + 1), then per record in group order key start, key end, value
 *      start, value end, version id, build id, subdir id, build number,
 *      dependency list; per dependency list its start (lists + 1) and its
 *      depends count; the dependency ids; padding to 8; f64 timestamps (records); u8
 *      section flags and u8 key flags (records each)
 *
 * Without keys (JSON below the gateway's `recordKeysMinBytes`) the list
 * count is 0 and the strings, key arrays, lists, ids and timestamps are left
 * out. The whole file is checked on open (17 bytes per record without keys,
 * about 46 with). The check is for damage, not tampering (the JSON it
 * points into is pinned by its sha256): a CRC reads the 20-odd MiB of a
 * conda-forge index ten times faster than a cryptographic hash, which was
 * a sixth of a warm solve's time.
 */
const MAGIC = Buffer.from([0x43, 0x47, 0x53, 0x49, 0x44, 0x58, 0x00, 0x01]);
const VERSION = 3;
const HEADER = 96;
/** u32 arrays per record (key/value ranges, version, build, subdir, build number, dependency list). */
const U32_PER_RECORD = 9;

function align8(offset: number): number {
  return offset + ((8 - (offset % 8)) % 8);
}

/**
 * A typed array over `length` elements of `buf` at `offset`: a view when the
 * memory is aligned for it (a file read into its own buffer is), else a copy.
 */
function viewOf<T extends Uint32Array | Float64Array>(make: (buffer: ArrayBuffer, byteOffset: number, length: number) => T, bytes: number, buf: Buffer, offset: number, length: number): T {
  const at = buf.byteOffset + offset;
  if (at % bytes === 0) return make(buf.buffer as ArrayBuffer, at, length);
  const copy = make(new ArrayBuffer(length * bytes), 0, length);
  Buffer.from(copy.buffer, 0, length * bytes).set(buf.subarray(offset, offset + length * bytes));
  return copy;
}

function digest16(...parts: Uint8Array[]): Buffer {
  let crc = 0;
  for (const p of parts) crc = crc32(p, crc);
  const out = Buffer.alloc(16);
  out.writeUInt32LE(crc, 0);
  return out;
}

const nativeCrc32 = (zlib as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;
let crcTable: Uint32Array | undefined;

/** CRC-32 (the zlib one), continuing from `value`; zlib's own where Node has it (20.15 and later). */
function crc32(data: Uint8Array, value: number): number {
  return nativeCrc32 !== undefined ? nativeCrc32(data, value) : _crc32Js(data, value);
}

/** `crc32` in JavaScript, for older Node; exported for its test. */
export function _crc32Js(data: Uint8Array, value: number): number {
  crcTable ??= Uint32Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  let crc = ~value >>> 0;
  for (let i = 0; i < data.length; i++) crc = crcTable[(crc ^ data[i]) & 0xff] ^ (crc >>> 8);
  return ~crc >>> 0;
}

export function encodeOffsetsIndex(scan: RepodataScan, info: Readonly<Record<string, unknown>>, keys: RecordKeys | undefined, source: SourceStamp): Buffer {
  const infoBytes = Buffer.from(JSON.stringify(info), "utf8");
  const nameBytes = Buffer.from(scan.names.join("\n"), "utf8");
  const stringBytes = keys === undefined ? Buffer.alloc(0) : Buffer.from(keys.strings.join("\n"), "utf8");
  const count = scan.recordCount;
  const nameCount = scan.names.length;
  const depCount = keys?.deps.length ?? 0;
  const listCount = keys?.listDependsCount.length ?? 0;
  const pre = infoBytes.length + nameBytes.length + stringBytes.length;
  const pad = (4 - ((HEADER + pre) % 4)) % 4;
  const arraysAt = HEADER + pre + pad;
  const { u32Count, timestampsAt, size } = layout(arraysAt, nameCount, count, listCount, depCount);
  const out = Buffer.alloc(size);
  MAGIC.copy(out, 0);
  out.writeUInt32LE(VERSION, 8);
  out.writeUInt32LE(listCount, 12);
  out.writeDoubleLE(source.size, 16);
  Buffer.from(source.sha256, "hex").copy(out, 24);
  out.writeUInt32LE(nameCount, 56);
  out.writeUInt32LE(count, 60);
  out.writeUInt32LE(infoBytes.length, 64);
  out.writeUInt32LE(nameBytes.length, 68);
  out.writeUInt32LE(stringBytes.length, 72);
  out.writeUInt32LE(depCount, 76);
  infoBytes.copy(out, HEADER);
  nameBytes.copy(out, HEADER + infoBytes.length);
  stringBytes.copy(out, HEADER + infoBytes.length + nameBytes.length);
  const u32 = new Uint32Array(u32Count);
  u32.set(scan.groupStart, 0);
  const { order } = scan;
  let at = nameCount + 1;
  for (const field of [scan.keyStart, scan.keyEnd, scan.valStart, scan.valEnd]) {
    for (let k = 0; k < count; k++) u32[at + k] = field[order[k]];
    at += count;
  }
  if (keys !== undefined) {
    for (const field of [keys.version, keys.build, keys.subdir, new Uint32Array(keys.buildNumber.buffer, keys.buildNumber.byteOffset, count), keys.depList]) {
      u32.set(field.subarray(0, count), at);
      at += count;
    }
    for (const field of [keys.listStart, keys.listDependsCount, keys.deps]) {
      u32.set(field, at);
      at += field.length;
    }
  }
  Buffer.from(u32.buffer).copy(out, arraysAt);
  let flagsAt = timestampsAt;
  if (keys !== undefined) {
    Buffer.from(keys.timestamp.buffer, keys.timestamp.byteOffset, 8 * count).copy(out, timestampsAt);
    flagsAt += 8 * count;
  }
  for (let k = 0; k < count; k++) out[flagsAt + k] = scan.section[order[k]];
  if (keys !== undefined) Buffer.from(keys.flags.buffer, keys.flags.byteOffset, count).copy(out, flagsAt + count);
  digest16(out.subarray(0, 80), out.subarray(HEADER)).copy(out, 80);
  return out;
}

/**
 * Where the parts after the string tables lie. Without keys (list count 0:
 * with keys there is always the empty list) only the group table, the four
 * range arrays and the section flags are there.
 */
function layout(arraysAt: number, nameCount: number, count: number, listCount: number, depCount: number): { u32Count: number; timestampsAt: number; size: number } {
  const withKeys = listCount > 0;
  const u32Count = nameCount + 1 + (withKeys ? U32_PER_RECORD * count + 2 * listCount + 1 + depCount : 4 * count);
  const timestampsAt = withKeys ? align8(arraysAt + 4 * u32Count) : arraysAt + 4 * u32Count;
  const size = timestampsAt + (withKeys ? 10 * count : count);
  return { u32Count, timestampsAt, size };
}

/** Opens an offsets index pinned to `expected`; BinaryCacheCorrupt when absent, damaged, of another format or built from other JSON. */
export function openOffsetsIndex(path: string, expected: SourceStamp): { scan: RepodataScan; info: Record<string, unknown>; keys: RecordKeys | undefined } {
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch {
    throw new BinaryCacheCorrupt("no offsets index");
  }
  if (buf.length < HEADER || !buf.subarray(0, 8).equals(MAGIC) || buf.readUInt32LE(8) !== VERSION) {
    throw new BinaryCacheCorrupt("not an offsets index of this version");
  }
  if (buf.readDoubleLE(16) !== expected.size || buf.toString("hex", 24, 56) !== expected.sha256) {
    throw new BinaryCacheCorrupt("built from another version of the repodata");
  }
  if (!digest16(buf.subarray(0, 80), buf.subarray(HEADER)).equals(buf.subarray(80, 96))) throw new BinaryCacheCorrupt("checksum mismatch");
  const nameCount = buf.readUInt32LE(56);
  const count = buf.readUInt32LE(60);
  const infoLength = buf.readUInt32LE(64);
  const namesLength = buf.readUInt32LE(68);
  const stringsLength = buf.readUInt32LE(72);
  const depCount = buf.readUInt32LE(76);
  const listCount = buf.readUInt32LE(12);
  const pre = infoLength + namesLength + stringsLength;
  const pad = (4 - ((HEADER + pre) % 4)) % 4;
  const arraysAt = HEADER + pre + pad;
  const { u32Count, timestampsAt, size } = layout(arraysAt, nameCount, count, listCount, depCount);
  if (size !== buf.length) throw new BinaryCacheCorrupt("lengths do not add up");
  let info: Record<string, unknown>;
  try {
    info = JSON.parse(buf.toString("utf8", HEADER, HEADER + infoLength)) as Record<string, unknown>;
  } catch {
    throw new BinaryCacheCorrupt("info is not JSON");
  }
  const names = nameCount === 0 ? [] : buf.toString("utf8", HEADER + infoLength, HEADER + infoLength + namesLength).split("\n");
  if (names.length !== nameCount) throw new BinaryCacheCorrupt("name count mismatch");
  const u32 = viewOf((b, o, l) => new Uint32Array(b, o, l), 4, buf, arraysAt, u32Count);
  const groupStart = u32.subarray(0, nameCount + 1);
  let at = nameCount + 1;
  const next = (length: number): Uint32Array => {
    const view = u32.subarray(at, at + length);
    at += length;
    return view;
  };
  const keyStart = next(count);
  const keyEnd = next(count);
  const valStart = next(count);
  const valEnd = next(count);
  const withKeys = listCount > 0;
  const flagsAt = withKeys ? timestampsAt + 8 * count : timestampsAt;
  const order = new Uint32Array(count);
  for (let k = 0; k < count; k++) order[k] = k;
  const scan: RepodataScan = {
    byteLength: expected.size,
    names,
    recordCount: count,
    keyStart,
    keyEnd,
    valStart,
    valEnd,
    section: Uint8Array.from(buf.subarray(flagsAt, flagsAt + count)),
    order,
    groupStart,
  };
  if (groupStart[nameCount] !== count) throw new BinaryCacheCorrupt("group table does not cover the records");
  for (let k = 0; k < count; k++) {
    if (scan.valEnd[k] > expected.size || scan.keyStart[k] === 0 || scan.keyStart[k] > scan.keyEnd[k] || scan.valStart[k] >= scan.valEnd[k]) {
      throw new BinaryCacheCorrupt("a record range lies outside the JSON");
    }
  }
  if (!withKeys) return { scan, info, keys: undefined };
  const strings = buf.toString("utf8", HEADER + infoLength + namesLength, HEADER + pre).split("\n");
  const version = next(count);
  const build = next(count);
  const subdir = next(count);
  const buildNumber = next(count);
  const depList = next(count);
  const listStart = next(listCount + 1);
  const listDependsCount = next(listCount);
  const deps = next(depCount);
  const keys: RecordKeys = {
    strings,
    version,
    build,
    subdir,
    buildNumber: new Int32Array(buildNumber.buffer, buildNumber.byteOffset, count),
    timestamp: viewOf((b, o, l) => new Float64Array(b, o, l), 8, buf, timestampsAt, count),
    flags: Uint8Array.from(buf.subarray(flagsAt + count, flagsAt + 2 * count)),
    depList,
    listStart,
    listDependsCount,
    deps,
  };
  for (let k = 0; k < count; k++) {
    if (version[k] >= strings.length || build[k] >= strings.length || subdir[k] >= strings.length || depList[k] >= listCount) {
      throw new BinaryCacheCorrupt("a record's keys lie outside the index");
    }
  }
  for (let l = 0; l < listCount; l++) {
    if (listStart[l] > listStart[l + 1] || listDependsCount[l] > listStart[l + 1] - listStart[l]) throw new BinaryCacheCorrupt("a dependency list lies outside the index");
  }
  if (listStart[listCount] !== depCount) throw new BinaryCacheCorrupt("dependency table does not add up");
  for (let i = 0; i < depCount; i++) if (deps[i] >= strings.length) throw new BinaryCacheCorrupt("a dependency id lies outside the string table");
  return { scan, info, keys };
}
