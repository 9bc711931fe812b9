import type { PackageRecord } from "../conda/index.js";
import { KeyedRecords } from "../repodata/index.js";

/**
 * The records of one name, read field by field: rows of keyed records
 * (see KeyedRecords) answer from the cached keys, so ordering and matching
 * a hundred thousand candidates builds no object per candidate; rows of
 * plain records answer from the records. `record` builds the object of one
 * row when something needs all of it.
 */
export class CandidateRows {
  private constructor(
    private readonly segments: readonly KeyedRecords[],
    /** Per row, its segment. */
    private readonly segment: Int32Array,
    /** Per row, its index in the segment. */
    private readonly index: Int32Array,
  ) {}

  /** Every record of the segments, in order. */
  static of(segments: readonly KeyedRecords[]): CandidateRows {
    let n = 0;
    for (const s of segments) n += s.length;
    const segment = new Int32Array(n);
    const index = new Int32Array(n);
    let row = 0;
    for (let k = 0; k < segments.length; k++) {
      const length = segments[k].length;
      segment.fill(k, row, row + length);
      for (let i = 0; i < length; i++) index[row + i] = i;
      row += length;
    }
    return new CandidateRows(segments, segment, index);
  }

  /** Rows of plain records. */
  static ofRecords(name: string, records: readonly PackageRecord[]): CandidateRows {
    return CandidateRows.of([KeyedRecords.of(name, records)]);
  }

  get length(): number {
    return this.segment.length;
  }

  /** The rows at `rows` (in that order), then the `extra` records. */
  pick(rows: ArrayLike<number>, extra: readonly PackageRecord[] = []): CandidateRows {
    const segments = extra.length === 0 ? this.segments : [...this.segments, KeyedRecords.of(this.name, extra)];
    const n = rows.length + extra.length;
    const segment = new Int32Array(n);
    const index = new Int32Array(n);
    for (let k = 0; k < rows.length; k++) {
      segment[k] = this.segment[rows[k]];
      index[k] = this.index[rows[k]];
    }
    for (let k = 0; k < extra.length; k++) {
      segment[rows.length + k] = this.segments.length;
      index[rows.length + k] = k;
    }
    return new CandidateRows(segments, segment, index);
  }

  private get name(): string {
    return this.segments.length === 0 ? "" : this.segments[0].name;
  }

  /** The record of a row (a keyed row's light record is made once and reused). */
  record(row: number): PackageRecord {
    return this.segments[this.segment[row]].recordAt(this.index[row]);
  }

  /** The plain record of a row whose keys cannot describe it, else undefined. */
  fullRecord(row: number): PackageRecord | undefined {
    const s = this.segments[this.segment[row]];
    const entry = s.entries[this.index[row]];
    return entry < 0 ? s.full[-1 - entry] : undefined;
  }

  /** Whether the row is described by its keys (has no plain record). */
  isKeyed(row: number): boolean {
    const s = this.segments[this.segment[row]];
    return s.entries[this.index[row]] >= 0;
  }

  version(row: number): string {
    const s = this.segments[this.segment[row]];
    const entry = s.entries[this.index[row]];
    return entry >= 0 ? (s.origin as NonNullable<KeyedRecords["origin"]>).versionAt(entry) : s.full[-1 - entry].version;
  }

  build(row: number): string {
    const s = this.segments[this.segment[row]];
    const entry = s.entries[this.index[row]];
    return entry >= 0 ? (s.origin as NonNullable<KeyedRecords["origin"]>).buildAt(entry) : s.full[-1 - entry].build;
  }

  buildNumber(row: number): number {
    const s = this.segments[this.segment[row]];
    const entry = s.entries[this.index[row]];
    return entry >= 0 ? (s.origin as NonNullable<KeyedRecords["origin"]>).buildNumberAt(entry) : s.full[-1 - entry].build_number;
  }

  subdir(row: number): string {
    const s = this.segments[this.segment[row]];
    const entry = s.entries[this.index[row]];
    return entry >= 0 ? (s.origin as NonNullable<KeyedRecords["origin"]>).subdirAt(entry) : s.full[-1 - entry].subdir;
  }

  channel(row: number): string {
    const s = this.segments[this.segment[row]];
    const entry = s.entries[this.index[row]];
    return entry >= 0 ? (s.origin as NonNullable<KeyedRecords["origin"]>).channel : s.full[-1 - entry].channel;
  }

  timestamp(row: number): number | undefined {
    const s = this.segments[this.segment[row]];
    const entry = s.entries[this.index[row]];
    return entry >= 0 ? (s.origin as NonNullable<KeyedRecords["origin"]>).timestampAt(entry) : s.full[-1 - entry].timestamp;
  }

  /** `noarch` or the `noarch` subdir: arch wins over it when everything before is equal. */
  isNoarch(row: number): boolean {
    const s = this.segments[this.segment[row]];
    const entry = s.entries[this.index[row]];
    if (entry >= 0) {
      const origin = s.origin as NonNullable<KeyedRecords["origin"]>;
      return origin.noarchAt(entry) !== undefined || origin.subdirAt(entry) === "noarch";
    }
    const r = s.full[-1 - entry];
    return r.subdir === "noarch" || r.noarch !== undefined;
  }

  archive(row: number): "conda" | "tar.bz2" | "other" {
    const s = this.segments[this.segment[row]];
    const entry = s.entries[this.index[row]];
    if (entry >= 0) return (s.origin as NonNullable<KeyedRecords["origin"]>).isCondaAt(entry) ? "conda" : "tar.bz2";
    const fn = s.full[-1 - entry].fn;
    return fn.endsWith(".conda") ? "conda" : fn.endsWith(".tar.bz2") ? "tar.bz2" : "other";
  }

  /** Number of `track_features` (keyed rows have none: records with them are plain). */
  trackedCount(row: number): number {
    const full = this.fullRecord(row);
    return full === undefined ? 0 : full.track_features.length;
  }

  /** Legacy `features` (keyed rows have none). */
  features(row: number): string | undefined {
    return this.fullRecord(row)?.features;
  }

  /** `depends`; rows with equal lists share one array (never change it). */
  depends(row: number): readonly string[] {
    const s = this.segments[this.segment[row]];
    const entry = s.entries[this.index[row]];
    return entry >= 0 ? (s.origin as NonNullable<KeyedRecords["origin"]>).dependsAt(entry) : s.full[-1 - entry].depends;
  }
}
