import type { PackageRecord } from "../conda/index.js";
import { RepodataError } from "./errors.js";
import { derivedFileName, KEY_CONDA, KEY_NOARCH_GENERIC, KEY_NOARCH_PYTHON, type RecordKeys } from "./record_keys.js";

/** Where the light records of one subdir come from. */
export class LightOrigin {
  /** Decoded dependency lists (`depends`, `constrains`), shared by the records that have them. */
  private readonly lists: Array<readonly [string[], string[]] | undefined>;

  constructor(
    readonly keys: RecordKeys,
    /** Channel base URL recorded on each record. */
    readonly channel: string,
    /** The subdir of the file, for records that name none. */
    readonly subdir: string,
    /** Where archives are downloaded from, without a trailing slash. */
    readonly downloadBaseUrl: string,
    /** Names the repodata in errors. */
    readonly where: string,
    /** The record of a slot built from its JSON, as `recordFromRepodata` builds it. */
    readonly full: (slot: number) => PackageRecord,
  ) {
    // Sized up front: filled at scattered ids, a growing array would turn into a slow dictionary.
    this.lists = new Array<readonly [string[], string[]] | undefined>(Math.max(0, keys.listStart.length - 1));
  }

  /** Light records made so far, by slot: one object per record, however often it is asked for. */
  private readonly made = new Map<number, LightRecord>();

  /** The light record of a slot of a name (made on first use). */
  recordAt(slot: number, name: string): LightRecord {
    let record = this.made.get(slot);
    if (record === undefined) {
      record = new LightRecord(this, slot, name);
      this.made.set(slot, record);
    }
    return record;
  }

  // What the keys say of one slot, for readers that skip the record objects (see KeyedRecords).

  versionAt(slot: number): string {
    return this.keys.strings[this.keys.version[slot]];
  }

  buildAt(slot: number): string {
    return this.keys.strings[this.keys.build[slot]];
  }

  buildNumberAt(slot: number): number {
    return this.keys.buildNumber[slot];
  }

  subdirAt(slot: number): string {
    const id = this.keys.subdir[slot];
    return id === 0 ? this.subdir : this.keys.strings[id];
  }

  /** Undefined when the record has none. */
  timestampAt(slot: number): number | undefined {
    const timestamp = this.keys.timestamp[slot];
    return timestamp === timestamp ? timestamp : undefined;
  }

  noarchAt(slot: number): "python" | "generic" | undefined {
    const flags = this.keys.flags[slot];
    return (flags & KEY_NOARCH_PYTHON) !== 0 ? "python" : (flags & KEY_NOARCH_GENERIC) !== 0 ? "generic" : undefined;
  }

  /** Whether the archive is a `.conda` (else `.tar.bz2`). */
  isCondaAt(slot: number): boolean {
    return (this.keys.flags[slot] & KEY_CONDA) !== 0;
  }

  dependsAt(slot: number): string[] {
    return this.specs(this.keys.depList[slot])[0];
  }

  constrainsAt(slot: number): string[] {
    return this.specs(this.keys.depList[slot])[1];
  }

  /** `depends` and `constrains` of a dependency list; the arrays are shared, never change them. */
  specs(list: number): readonly [string[], string[]] {
    // No closure in here: one would cost every call an allocation, and this is called for every candidate.
    const known = this.lists[list];
    if (known !== undefined) return known;
    const { keys } = this;
    const start = keys.listStart[list];
    const split = start + keys.listDependsCount[list];
    const end = keys.listStart[list + 1];
    const pair = [decodeSpecs(keys, start, split), decodeSpecs(keys, split, end)] as const;
    this.lists[list] = pair;
    return pair;
  }
}

function decodeSpecs(keys: RecordKeys, from: number, to: number): string[] {
  const out = new Array<string>(to - from);
  for (let i = from; i < to; i++) out[i - from] = keys.strings[keys.deps[i]];
  return out;
}

const NO_FEATURES: string[] = Object.freeze([]) as unknown as string[];

/**
 * A candidate for the solver built from the cached keys of its record
 * (RecordKeys) instead of its JSON: the fields the solver sorts and matches
 * on come from the keys, `depends` and `constrains` are decoded on first
 * use (one array per distinct list, shared), and the rest (checksums,
 * size, license, url) is read from the JSON
 * the first time any of it is asked for. At scale a solve builds a few
 * hundred thousand candidates and returns a few dozen, so parsing only
 * those is most of the saving.
 *
 * Only the solver sees these: it turns what it returns into plain records
 * (`plainRecord`), since spreading an instance would lose the lazy fields.
 */
export class LightRecord implements PackageRecord {
  name: string;
  version: string;
  build: string;
  build_number: number;
  readonly #origin: LightOrigin;
  readonly #slot: number;
  /** What was decoded or read on demand. */
  #lazy: { fn?: string; full?: PackageRecord } | undefined;

  constructor(origin: LightOrigin, slot: number, name: string) {
    this.name = name;
    this.version = origin.versionAt(slot);
    this.build = origin.buildAt(slot);
    this.build_number = origin.buildNumberAt(slot);
    this.#origin = origin;
    this.#slot = slot;
  }

  // Read from the keys on each use rather than copied into every instance:
  // smaller objects are less for the garbage collector to copy.
  get subdir(): string {
    return this.#origin.subdirAt(this.#slot);
  }

  get channel(): string {
    return this.#origin.channel;
  }

  get track_features(): string[] {
    return NO_FEATURES;
  }

  get timestamp(): number | undefined {
    return this.#origin.timestampAt(this.#slot);
  }

  get noarch(): "python" | "generic" | undefined {
    return this.#origin.noarchAt(this.#slot);
  }

  /** `name-version-build.conda` or `.tar.bz2`: the keys hold only records whose file name is that. */
  get fn(): string {
    const lazy = (this.#lazy ??= {});
    return (lazy.fn ??= derivedFileName(this.name, this.version, this.build, this.#origin.isCondaAt(this.#slot)));
  }

  get depends(): string[] {
    return this.#origin.dependsAt(this.#slot);
  }

  get constrains(): string[] {
    return this.#origin.constrainsAt(this.#slot);
  }

  get url(): string {
    return `${this.#origin.downloadBaseUrl}/${this.fn}`;
  }

  get md5(): string | undefined {
    return this.plain().md5;
  }

  get sha256(): string | undefined {
    return this.plain().sha256;
  }

  get size(): number | undefined {
    return this.plain().size;
  }

  get license(): string | undefined {
    return this.plain().license;
  }

  get license_family(): string | undefined {
    return this.plain().license_family;
  }

  get arch(): string | null | undefined {
    return this.plain().arch;
  }

  get platform(): string | null | undefined {
    return this.plain().platform;
  }

  get python_site_packages_path(): string | undefined {
    return this.plain().python_site_packages_path;
  }

  /** The record as `recordFromRepodata` builds it from the JSON (read once). */
  plain(): PackageRecord {
    const lazy = (this.#lazy ??= {});
    if (lazy.full !== undefined) return lazy.full;
    const full = this.#origin.full(this.#slot);
    if (
      full.name !== this.name ||
      full.fn !== this.fn ||
      full.version !== this.version ||
      full.build !== this.build ||
      full.build_number !== this.build_number ||
      full.subdir !== this.subdir ||
      full.noarch !== this.noarch ||
      full.timestamp !== this.timestamp ||
      full.track_features.length > 0 ||
      full.depends.join("\n") !== this.depends.join("\n") ||
      full.constrains.join("\n") !== this.constrains.join("\n")
    ) {
      throw new RepodataError("CG_REPODATA_CORRUPT", `The cached index of ${this.#origin.where} does not match its JSON at ${this.fn}.`, {
        hint: "Run the command again; if it happens again, delete the repodata cache folder.",
        input: this.#origin.where,
        url: this.#origin.where,
      });
    }
    lazy.full = full;
    return full;
  }

  toJSON(): PackageRecord {
    return this.plain();
  }
}

/**
 * The records of one name in one repodata file, in file order, for a
 * solver that reads their keys instead of building an object per record
 * (at scale a name has a hundred thousand records and a solve needs the
 * objects of a few). An entry >= 0 is a slot of `origin`'s keys; an entry
 * < 0 is `full[-1 - entry]`, a record the keys cannot describe, built from
 * its JSON. Without an origin every entry is a full record.
 */
export class KeyedRecords {
  constructor(
    readonly name: string,
    readonly origin: LightOrigin | undefined,
    readonly entries: Int32Array,
    readonly full: readonly PackageRecord[],
  ) {}

  /** Records that are all full records (a file without keys). */
  static of(name: string, records: readonly PackageRecord[]): KeyedRecords {
    return new KeyedRecords(name, undefined, Int32Array.from(records, (_, i) => -1 - i), records);
  }

  get length(): number {
    return this.entries.length;
  }

  /** The record of entry `i`: a light record for a slot (the same object each time). */
  recordAt(i: number): PackageRecord {
    const entry = this.entries[i];
    return entry >= 0 ? (this.origin as LightOrigin).recordAt(entry, this.name) : this.full[-1 - entry];
  }

  /** Every record, in order. */
  records(): PackageRecord[] {
    const out = new Array<PackageRecord>(this.entries.length);
    for (let i = 0; i < out.length; i++) out[i] = this.recordAt(i);
    return out;
  }
}

/** A record the solver may hand out: a light one as its plain record, any other as it is. */
export function plainRecord(record: PackageRecord): PackageRecord {
  return record instanceof LightRecord ? record.plain() : record;
}
