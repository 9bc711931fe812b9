import type { PackageRecord } from "../conda/index.js";
import { KeyedRecords, type LightOrigin } from "../repodata/index.js";

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

  // Each field: from the keys for a keyed row (entry = its slot), else from its plain record.

  version(row: number): string {
    const e = this.entry(row);
    return e >= 0 ? this.origin(row).versionAt(e) : this.plain(row).version;
  }

  build(row: number): string {
    const e = this.entry(row);
    return e >= 0 ? this.origin(row).buildAt(e) : this.plain(row).build;
  }

  buildNumber(row: number): number {
    const e = this.entry(row);
    return e >= 0 ? this.origin(row).buildNumberAt(e) : this.plain(row).build_number;
  }

  subdir(row: number): string {
    const e = this.entry(row);
    return e >= 0 ? this.origin(row).subdirAt(e) : this.plain(row).subdir;
  }

  channel(row: number): string {
    return this.entry(row) >= 0 ? this.origin(row).channel : this.plain(row).channel;
  }

  timestamp(row: number): number | undefined {
    const e = this.entry(row);
    return e >= 0 ? this.origin(row).timestampAt(e) : this.plain(row).timestamp;
  }

  /** `noarch` or the `noarch` subdir: arch wins over it when everything before is equal. */
  isNoarch(row: number): boolean {
    const e = this.entry(row);
    if (e < 0) return this.plain(row).subdir === "noarch" || this.plain(row).noarch !== undefined;
    const origin = this.origin(row);
    return origin.noarchAt(e) !== undefined || origin.subdirAt(e) === "noarch";
  }

  archive(row: number): "conda" | "tar.bz2" | "other" {
    const e = this.entry(row);
    if (e >= 0) return this.origin(row).isCondaAt(e) ? "conda" : "tar.bz2";
    const fn = this.plain(row).fn;
    return fn.endsWith(".conda") ? "conda" : fn.endsWith(".tar.bz2") ? "tar.bz2" : "other";
  }

  /** Number of `track_features` (keyed rows have none: records with them are plain). */
  trackedCount(row: number): number {
    return this.entry(row) >= 0 ? 0 : this.plain(row).track_features.length;
  }

  /** Legacy `features` (keyed rows have none). */
  features(row: number): string | undefined {
    return this.entry(row) >= 0 ? undefined : this.plain(row).features;
  }

  /** `depends`; rows with equal lists share one array (never change it). */
  depends(row: number): readonly string[] {
    const e = this.entry(row);
    return e >= 0 ? this.origin(row).dependsAt(e) : this.plain(row).depends;
  }

  /** The row's entry in its segment: its slot in the keys (>= 0), or where its plain record is (< 0). */
  private entry(row: number): number {
    return this.segments[this.segment[row]].entries[this.index[row]];
  }

  /** The origin of a keyed row. */
  private origin(row: number): LightOrigin {
    return this.segments[this.segment[row]].origin as LightOrigin;
  }

  /** The plain record of a row that is not keyed. */
  private plain(row: number): PackageRecord {
    const s = this.segments[this.segment[row]];
    return s.full[-1 - s.entries[this.index[row]]];
  }
}
