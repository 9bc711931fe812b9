import { createHash } from "node:crypto";
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import type { RawEntry, RecordStore } from "./lazy_index.js";

/**
 * The compact index file written beside a cached repodata.json, so that a warm
 * start reads a name table instead of parsing the whole JSON.
 *
 * Layout (little-endian), format version 1:
 *
 *   0  magic "CGRIDX\0\x01"            8 bytes
 *   8  format version (u32)
 *  12  reserved (u32, 0)
 *  16  source size in bytes (f64)
 *  24  source sha256 (32 bytes)       the JSON this file was built from
 *  56  name count (u32)
 *  60  record count (u32)
 *  64  info length (u32)              `info` object as JSON
 *  68  name table length (u32)
 *  72  blob region length (u32)
 *  76  reserved (u32, 0)
 *  80  sha1 of bytes 0-79, info and name table (16 bytes, truncated)
 *  96  blob region sha1 (16 bytes, truncated; checked on first record access)
 * 112  info, name table, blob region
 *
 * Name table: one slot per name (u32 blob offset, u32 blob length, u32
 * record count), then all names as UTF-8 joined by "\n", so opening decodes
 * the names with a single string conversion. A blob is the JSON text
 * `[fn, raw, fn, raw, ...]` of one name, so decoding one name is one small
 * `JSON.parse`.
 *
 * Integrity: every length is checked against the file size, the small front
 * part is hashed on open and the blob region on first use; any mismatch is a
 * BinaryCacheCorrupt, which callers answer by rebuilding from the JSON.
 */
const MAGIC = Buffer.from([0x43, 0x47, 0x52, 0x49, 0x44, 0x58, 0x00, 0x01]);
export const BINARY_CACHE_VERSION = 1;
const HEADER = 112;
/** sha1 is only a corruption check here (the source is pinned by sha256), and it is cheaper. */
const DIGEST = "sha1";

/** The binary cache is unreadable or does not match; rebuild it. Internal, never shown to users. */
export class BinaryCacheCorrupt extends Error {
  constructor(reason: string) {
    super(`Binary repodata cache is unusable: ${reason}`);
    this.name = "BinaryCacheCorrupt";
  }
}

export interface SourceStamp {
  /** Byte size and sha256 (hex) of the repodata JSON the cache is built from. */
  size: number;
  sha256: string;
}

function digest16(...parts: Uint8Array[]): Buffer {
  const h = createHash(DIGEST);
  for (const p of parts) h.update(p);
  return h.digest().subarray(0, 16);
}

/** Serialises grouped entries into the binary cache format. */
export function encodeBinaryCache(
  groups: ReadonlyMap<string, readonly RawEntry[]>,
  info: Readonly<Record<string, unknown>>,
  source: SourceStamp,
): Buffer {
  const infoBytes = Buffer.from(JSON.stringify(info), "utf8");
  const blobs: Buffer[] = [];
  const names: string[] = [];
  const slots: number[] = [];
  let blobOffset = 0;
  let records = 0;
  for (const [name, entries] of groups) {
    if (name.includes("\n")) continue; // no real package name has one; it would break the name list
    const flat: unknown[] = [];
    for (const [fn, raw] of entries) flat.push(fn, raw);
    const blob = Buffer.from(JSON.stringify(flat), "utf8");
    names.push(name);
    slots.push(blobOffset, blob.length, entries.length);
    blobs.push(blob);
    blobOffset += blob.length;
    records += entries.length;
  }
  const slotBytes = Buffer.allocUnsafe(slots.length * 4);
  slots.forEach((v, i) => slotBytes.writeUInt32LE(v, i * 4));
  const table = [slotBytes, Buffer.from(names.join("\n"), "utf8")];
  const tableBytes = Buffer.concat(table);
  const blobBytes = Buffer.concat(blobs);
  const header = Buffer.alloc(HEADER);
  MAGIC.copy(header, 0);
  header.writeUInt32LE(BINARY_CACHE_VERSION, 8);
  header.writeDoubleLE(source.size, 16);
  Buffer.from(source.sha256, "hex").copy(header, 24);
  header.writeUInt32LE(names.length, 56);
  header.writeUInt32LE(records, 60);
  header.writeUInt32LE(infoBytes.length, 64);
  header.writeUInt32LE(tableBytes.length, 68);
  header.writeUInt32LE(blobBytes.length, 72);
  digest16(header.subarray(0, 80), infoBytes, tableBytes).copy(header, 80);
  digest16(blobBytes).copy(header, 96);
  return Buffer.concat([header, infoBytes, tableBytes, blobBytes]);
}

/** Where the blob region comes from: already in memory, or read from the file on first use. */
type BlobSource = Buffer | (() => Buffer);

/**
 * A store over a binary cache. Opening parses the header and name table
 * only; the record region is fetched (and its checksum verified) on the first
 * lookup, and a name's records are decoded when first asked for.
 */
export class BinaryStore implements RecordStore {
  readonly recordCount: number;
  readonly info: Readonly<Record<string, unknown>>;
  readonly source: SourceStamp;
  private readonly slotOf = new Map<string, number>();
  private readonly nameList: string[];
  private readonly slotStart: number;
  private readonly blobLength: number;
  private blobs: Buffer | undefined;

  /**
   * From a whole cache file in memory. With `expected`, the cache must have
   * been built from exactly this source (size and sha256), else it is stale.
   */
  static fromBuffer(buf: Buffer, expected?: SourceStamp): BinaryStore {
    const layout = readLayout(buf, buf.length, expected);
    return new BinaryStore(buf.subarray(0, layout.blobStart), layout, buf.subarray(layout.blobStart));
  }

  /**
   * From a cache file on disk, reading only its header and name table now.
   * The record region is read on first use; if the file was replaced in
   * between by a different cache, that read fails with BinaryCacheCorrupt.
   */
  static openFile(path: string, expected?: SourceStamp): BinaryStore {
    const fd = openSync(path, "r");
    let front: Buffer;
    let layout: Layout;
    try {
      const size = fstatSync(fd).size;
      const header = Buffer.alloc(HEADER);
      if (readSync(fd, header, 0, HEADER, 0) !== HEADER) throw new BinaryCacheCorrupt("file shorter than its header");
      layout = readLayout(header, size, expected);
      front = Buffer.allocUnsafe(layout.blobStart);
      header.copy(front);
      if (readSync(fd, front, HEADER, layout.blobStart - HEADER, HEADER) !== layout.blobStart - HEADER) {
        throw new BinaryCacheCorrupt("name table cut short");
      }
    } finally {
      closeSync(fd);
    }
    const readBlobs = (): Buffer => {
      let again: number | undefined;
      try {
        again = openSync(path, "r");
        const header = Buffer.alloc(HEADER);
        readSync(again, header, 0, HEADER, 0);
        if (!header.equals(front.subarray(0, HEADER))) throw new BinaryCacheCorrupt("file was replaced");
        const blobs = Buffer.allocUnsafe(layout.blobLength);
        if (readSync(again, blobs, 0, layout.blobLength, layout.blobStart) !== layout.blobLength) {
          throw new BinaryCacheCorrupt("record data cut short");
        }
        return blobs;
      } catch (err) {
        if (err instanceof BinaryCacheCorrupt) throw err;
        throw new BinaryCacheCorrupt("file vanished or cannot be read");
      } finally {
        if (again !== undefined) closeSync(again);
      }
    };
    return new BinaryStore(front, layout, readBlobs);
  }

  private constructor(
    private readonly front: Buffer,
    layout: Layout,
    private readonly blobSource: BlobSource,
  ) {
    const buf = front;
    this.source = layout.source;
    this.recordCount = layout.recordCount;
    this.blobLength = layout.blobLength;
    const tableStart = HEADER + layout.infoLength;
    if (!digest16(buf.subarray(0, 80), buf.subarray(HEADER, layout.blobStart)).equals(buf.subarray(80, 96))) {
      throw new BinaryCacheCorrupt("header or name table checksum mismatch");
    }
    try {
      this.info = JSON.parse(buf.toString("utf8", HEADER, tableStart)) as Record<string, unknown>;
    } catch {
      throw new BinaryCacheCorrupt("info is not JSON");
    }
    this.slotStart = tableStart;
    const nameCount = layout.nameCount;
    const namesStart = tableStart + nameCount * 12;
    if (namesStart > layout.blobStart) throw new BinaryCacheCorrupt("name table overruns");
    this.nameList = nameCount === 0 ? [] : buf.toString("utf8", namesStart, layout.blobStart).split("\n");
    if (this.nameList.length !== nameCount) throw new BinaryCacheCorrupt("name count mismatch");
    for (let i = 0; i < nameCount; i++) this.slotOf.set(this.nameList[i], i);
  }

  names(): string[] {
    return this.nameList.slice();
  }

  has(name: string): boolean {
    return this.slotOf.has(name);
  }

  private blobRegion(): Buffer {
    if (this.blobs !== undefined) return this.blobs;
    const blobs = typeof this.blobSource === "function" ? this.blobSource() : this.blobSource;
    if (blobs.length !== this.blobLength || !digest16(blobs).equals(this.front.subarray(96, 112))) {
      throw new BinaryCacheCorrupt("record data checksum mismatch");
    }
    this.blobs = blobs;
    return blobs;
  }

  /** Throws BinaryCacheCorrupt when the record region was damaged after it was written. */
  entries(name: string): readonly RawEntry[] {
    const index = this.slotOf.get(name);
    if (index === undefined) return [];
    const at = this.slotStart + index * 12;
    const offset = this.front.readUInt32LE(at);
    const length = this.front.readUInt32LE(at + 4);
    const count = this.front.readUInt32LE(at + 8);
    if (offset + length > this.blobLength) throw new BinaryCacheCorrupt("blob outside the blob region");
    const blobs = this.blobRegion();
    let flat: unknown;
    try {
      flat = JSON.parse(blobs.toString("utf8", offset, offset + length));
    } catch {
      throw new BinaryCacheCorrupt(`records of ${name} are not JSON`);
    }
    if (!Array.isArray(flat) || flat.length !== count * 2) throw new BinaryCacheCorrupt(`records of ${name} have the wrong shape`);
    const out: RawEntry[] = [];
    for (let i = 0; i < flat.length; i += 2) out.push([flat[i] as string, flat[i + 1] as Record<string, unknown>]);
    return out;
  }
}

interface Layout {
  source: SourceStamp;
  nameCount: number;
  recordCount: number;
  infoLength: number;
  blobStart: number;
  blobLength: number;
}

/** Checks the fixed header against the file size and the expected source. */
function readLayout(header: Buffer, fileSize: number, expected: SourceStamp | undefined): Layout {
  if (header.length < HEADER || fileSize < HEADER) throw new BinaryCacheCorrupt("file shorter than its header");
  if (!header.subarray(0, 8).equals(MAGIC)) throw new BinaryCacheCorrupt("bad magic");
  if (header.readUInt32LE(8) !== BINARY_CACHE_VERSION) throw new BinaryCacheCorrupt("other format version");
  const source = { size: header.readDoubleLE(16), sha256: header.toString("hex", 24, 56) };
  if (expected !== undefined && (expected.size !== source.size || expected.sha256 !== source.sha256)) {
    throw new BinaryCacheCorrupt("built from another version of the repodata");
  }
  const infoLength = header.readUInt32LE(64);
  const tableLength = header.readUInt32LE(68);
  const blobLength = header.readUInt32LE(72);
  const blobStart = HEADER + infoLength + tableLength;
  if (blobStart + blobLength !== fileSize) throw new BinaryCacheCorrupt("lengths do not add up to the file size");
  return { source, nameCount: header.readUInt32LE(56), recordCount: header.readUInt32LE(60), infoLength, blobStart, blobLength };
}
