import type { PackageRecord } from "../conda/index.js";
import { RepodataError } from "./errors.js";
import { derivedFileName, KEY_CONDA, KEY_NOARCH_GENERIC, KEY_NOARCH_PYTHON, type RecordKeys } from "./record_keys.js";

/** Where the light records of one subdir come from. */
export class LightOrigin {
  /** Decoded dependency lists (`depends`, `constrains`), shared by the records that have them. */
  private readonly lists: Array<readonly [string[], string[]] | undefined> = [];

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
  ) {}

  /** `depends` and `constrains` of a dependency list; the arrays are shared, never change them. */
  specs(list: number): readonly [string[], string[]] {
    const known = this.lists[list];
    if (known !== undefined) return known;
    const { keys } = this;
    const start = keys.listStart[list];
    const split = start + keys.listDependsCount[list];
    const end = keys.listStart[list + 1];
    const decode = (from: number, to: number): string[] => {
      const out = new Array<string>(to - from);
      for (let i = from; i < to; i++) out[i - from] = keys.strings[keys.deps[i]];
      return out;
    };
    const pair = [decode(start, split), decode(split, end)] as const;
    this.lists[list] = pair;
    return pair;
  }
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
    const keys = origin.keys;
    this.name = name;
    this.version = keys.strings[keys.version[slot]];
    this.build = keys.strings[keys.build[slot]];
    this.build_number = keys.buildNumber[slot];
    this.#origin = origin;
    this.#slot = slot;
  }

  // Read from the keys on each use rather than copied into every instance:
  // at scale the solver holds a few hundred thousand of these, and smaller
  // objects are less for the garbage collector to copy.
  get subdir(): string {
    const id = this.#origin.keys.subdir[this.#slot];
    return id === 0 ? this.#origin.subdir : this.#origin.keys.strings[id];
  }

  get channel(): string {
    return this.#origin.channel;
  }

  get track_features(): string[] {
    return NO_FEATURES;
  }

  get timestamp(): number | undefined {
    const timestamp = this.#origin.keys.timestamp[this.#slot];
    return timestamp === timestamp ? timestamp : undefined;
  }

  get noarch(): "python" | "generic" | undefined {
    const flags = this.#origin.keys.flags[this.#slot];
    return (flags & KEY_NOARCH_PYTHON) !== 0 ? "python" : (flags & KEY_NOARCH_GENERIC) !== 0 ? "generic" : undefined;
  }

  /** `name-version-build.conda` or `.tar.bz2`: the keys hold only records whose file name is that. */
  get fn(): string {
    const lazy = (this.#lazy ??= {});
    return (lazy.fn ??= derivedFileName(this.name, this.version, this.build, (this.#origin.keys.flags[this.#slot] & KEY_CONDA) !== 0));
  }

  get depends(): string[] {
    return this.#origin.specs(this.#origin.keys.depList[this.#slot])[0];
  }

  get constrains(): string[] {
    return this.#origin.specs(this.#origin.keys.depList[this.#slot])[1];
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

/** A record the solver may hand out: a light one as its plain record, any other as it is. */
export function plainRecord(record: PackageRecord): PackageRecord {
  return record instanceof LightRecord ? record.plain() : record;
}
