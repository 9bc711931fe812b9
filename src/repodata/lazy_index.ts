import { createHash } from "node:crypto";
import { recordFromRepodata, redactUrl, type PackageRecord } from "../conda/index.js";
import { BinaryCacheCorrupt } from "./binary_cache.js";
import { RepodataError } from "./errors.js";
import { scanRepodata } from "./scan.js";
import { KeyedRecords, LightOrigin } from "./light_record.js";
import { memorySource, ScannedStore } from "./scanned_store.js";

/** One entry of `packages` / `packages.conda`: the file name and the raw JSON object. */
export type RawEntry = readonly [fn: string, raw: Record<string, unknown>];

/** Where an index's records come from; `channel` is the channel base URL recorded on each record. */
export interface IndexSource {
  /** Channel base URL (may carry credentials; only ever printed redacted). */
  channel: string;
  subdir: string;
  /** URL of the subdir (no trailing slash); download URLs and a relative `base_url` resolve against it. */
  url: string;
}

/**
 * The storage behind a lazy index: names up front, raw entries of one name on
 * demand. Two implementations: grouped `JSON.parse` output (cold) and the
 * binary cache file (warm).
 */
export interface RecordStore {
  readonly recordCount: number;
  /** The repodata `info` object (`subdir`, `base_url`), `{}` when absent. */
  readonly info: Readonly<Record<string, unknown>>;
  names(): string[];
  has(name: string): boolean;
  /** Raw entries of one name in file order (`packages` first, then `packages.conda`). */
  entries(name: string): readonly RawEntry[];
  /** `entries(name)` mapped through `build`, when the store can hand each entry over as it is parsed. */
  mapEntries?<T>(name: string, build: (fn: string, raw: Record<string, unknown>) => T): T[];
}

/** Resolves repodata v2 `info.base_url` (absolute or relative) against the subdir URL, as CEP 15 says. */
export function downloadBaseUrl(subdirUrl: string, info: Readonly<Record<string, unknown>>): string {
  const base = info.base_url;
  if (typeof base !== "string" || base === "") return subdirUrl.replace(/\/+$/, "");
  try {
    return new URL(base, `${subdirUrl.replace(/\/+$/, "")}/`).href.replace(/\/+$/, "");
  } catch {
    // A base_url that is not a URL and cannot resolve (e.g. against a bare path) is used as written.
    return base.replace(/\/+$/, "");
  }
}

/**
 * A subdir's records, materialised per name only when asked for. Lookups by
 * name are synchronous once the store is loaded; results are memoised.
 */
export class LazySubdirIndex {
  readonly channel: string;
  readonly subdir: string;
  readonly url: string;
  /** Where archives are downloaded from (`base_url` applied). */
  readonly downloadBaseUrl: string;
  private readonly memo = new Map<string, PackageRecord[]>();

  constructor(
    readonly store: RecordStore,
    source: IndexSource,
  ) {
    this.channel = source.channel;
    this.subdir = source.subdir;
    this.url = source.url;
    this.downloadBaseUrl = downloadBaseUrl(source.url, store.info);
  }

  get recordCount(): number {
    return this.store.recordCount;
  }

  names(): string[] {
    return this.store.names();
  }

  has(name: string): boolean {
    return this.store.has(name);
  }

  /** One copy of each short string the records of this index repeat (see `share`). */
  private readonly strings = new Map<string, string>();

  private shared(text: string): string {
    const known = this.strings.get(text);
    if (known !== undefined) return known;
    this.strings.set(text, text);
    return text;
  }

  /**
   * Points the fields that many records repeat (name, version, build,
   * dependency specs, licenses, subdir, noarch) at one copy of each text.
   * At scale a solve keeps a few hundred thousand records alive, and every
   * byte of them is copied by the young-generation collector on its way to
   * the old one; the repeated strings were a large share of those bytes
   * (scavenge time of the 500k-record bench solve roughly halved). Values
   * are equal strings, so nothing a caller can observe changes.
   */
  private share(record: PackageRecord): PackageRecord {
    record.name = this.shared(record.name);
    record.version = this.shared(record.version);
    record.build = this.shared(record.build);
    record.subdir = this.shared(record.subdir);
    const { depends, constrains } = record;
    for (let i = 0; i < depends.length; i++) depends[i] = this.shared(depends[i]);
    for (let i = 0; i < constrains.length; i++) constrains[i] = this.shared(constrains[i]);
    if (record.license !== undefined) record.license = this.shared(record.license);
    if (record.license_family !== undefined) record.license_family = this.shared(record.license_family);
    if (record.noarch !== undefined) record.noarch = record.noarch === "python" ? "python" : "generic";
    return record;
  }

  /** Records of one package name (empty when the subdir has none). */
  records(name: string): PackageRecord[] {
    const hit = this.memo.get(name);
    if (hit !== undefined) return hit;
    const source = { channel: this.channel, subdir: this.subdir, downloadBaseUrl: this.downloadBaseUrl };
    const build = (fn: string, raw: Record<string, unknown>): PackageRecord => this.share(recordFromRepodata(fn, raw, source));
    const out = this.store.mapEntries !== undefined ? this.store.mapEntries(name, build) : this.store.entries(name).map(([fn, raw]) => build(fn, raw));
    this.memo.set(name, out);
    return out;
  }

  private readonly lightMemo = new Map<string, PackageRecord[]>();
  private readonly keyedMemo = new Map<string, KeyedRecords>();
  private origin: LightOrigin | undefined;

  /**
   * Records of one name for a solver: light records (see LightRecord) when
   * the store has the records' keys, which a warm cache keeps beside the
   * JSON; otherwise the same as `records`. Not for records that leave the
   * solver: spreading a light record loses its lazy fields.
   */
  solverRecords(name: string): PackageRecord[] {
    const hit = this.lightMemo.get(name);
    if (hit !== undefined) return hit;
    const keyed = this.keyedRecords(name);
    const out = keyed.origin === undefined ? (keyed.full as PackageRecord[]) : keyed.records();
    this.lightMemo.set(name, out);
    return out;
  }

  /**
   * The same records as `solverRecords`, as slots of the cached keys where
   * the store has them (see KeyedRecords), so that a solver can order and
   * match them without an object per record.
   */
  keyedRecords(name: string): KeyedRecords {
    const hit = this.keyedMemo.get(name);
    if (hit !== undefined) return hit;
    const store = this.store;
    let out: KeyedRecords;
    if (!(store instanceof ScannedStore) || !store.hasKeys) out = KeyedRecords.of(name, this.records(name));
    else out = store.keyedRecords(name, this.lightOrigin(store), (fn, raw) => this.share(recordFromRepodata(fn, raw, this.recordSource())));
    this.keyedMemo.set(name, out);
    return out;
  }

  private recordSource(): { channel: string; subdir: string; downloadBaseUrl: string } {
    return { channel: this.channel, subdir: this.subdir, downloadBaseUrl: this.downloadBaseUrl };
  }

  private lightOrigin(store: ScannedStore): LightOrigin {
    if (this.origin !== undefined) return this.origin;
    const source = this.recordSource();
    const where = redactUrl(this.url);
    this.origin = new LightOrigin(store.recordKeys(), this.channel, this.subdir, this.downloadBaseUrl.replace(/\/+$/, ""), where, (slot) => {
      try {
        return store.fullRecord(slot, source);
      } catch (err) {
        // Read after the index was opened, so it cannot be rebuilt under the solver's feet: say what to do.
        if (!(err instanceof BinaryCacheCorrupt)) throw err;
        throw new RepodataError("CG_REPODATA_CORRUPT", `The cached repodata of ${where} changed or vanished while it was in use (${err.message}).`, {
          hint: "Run the command again; the cache is rebuilt from the channel.",
          input: where,
          url: where,
          cause: err,
        });
      }
    });
    return this.origin;
  }
}

/** Grouped output of one `JSON.parse`: the cold path's store. */
export class ParsedStore implements RecordStore {
  constructor(
    private readonly groups: Map<string, RawEntry[]>,
    readonly info: Readonly<Record<string, unknown>>,
    readonly recordCount: number,
  ) {}

  names(): string[] {
    return [...this.groups.keys()];
  }

  has(name: string): boolean {
    return this.groups.has(name);
  }

  entries(name: string): readonly RawEntry[] {
    return this.groups.get(name) ?? [];
  }

  /** Every group, for writing the binary cache. */
  allGroups(): ReadonlyMap<string, readonly RawEntry[]> {
    return this.groups;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** 1-based line and column, and the UTF-8 byte offset, of a UTF-16 position in `text`. */
export function locate(text: string, position: number): { line: number; column: number; byte: number } {
  const pos = Math.max(0, Math.min(position, text.length));
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf("\n"); i !== -1 && i < pos; i = text.indexOf("\n", i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: pos - lineStart + 1, byte: Buffer.byteLength(text.slice(0, pos)) };
}

/** Turns a `JSON.parse` failure into a CG_REPODATA_CORRUPT that names the file and position. */
export function jsonError(err: unknown, text: string, where: string, file?: string): RepodataError {
  const message = err instanceof Error ? err.message : String(err);
  const m = /position (\d+)/.exec(message);
  const position = m !== null ? Number(m[1]) : /end of JSON input/i.test(message) ? text.length : 0;
  const at = locate(text, position);
  const reason = message.replace(/\s*in JSON at position \d+.*$/s, "").replace(/^JSON\.parse: /, "");
  return new RepodataError(
    "CG_REPODATA_CORRUPT",
    `Invalid JSON in repodata ${where} at line ${at.line}, column ${at.column} (byte ${at.byte}): ${reason}. ` +
      "Expected a repodata.json object.",
    {
      hint: "The file is damaged or is not repodata; delete the cached copy and fetch again, or fix the channel's index.",
      input: where,
      url: where,
      file: file ?? where,
      line: at.line,
      column: at.column,
      cause: err,
    },
  );
}

/**
 * Groups one parsed repodata document by package name. Entries that are not
 * objects or lack a name are skipped, as conda skips them.
 */
export function groupRepodata(doc: unknown, where: string): ParsedStore {
  if (!isObject(doc)) {
    throw new RepodataError("CG_REPODATA_CORRUPT", `Repodata ${where} is not a JSON object; expected {"packages": {...}}.`, {
      hint: "Check that the URL points at a conda channel subdir.",
      input: where,
      url: where,
    });
  }
  const groups = new Map<string, RawEntry[]>();
  let count = 0;
  for (const key of ["packages", "packages.conda"] as const) {
    const section = doc[key];
    if (section === undefined || section === null) continue;
    if (!isObject(section)) {
      throw new RepodataError("CG_REPODATA_CORRUPT", `Repodata ${where} has a "${key}" that is not an object.`, {
        hint: "The channel's index is malformed; ask its maintainers to re-index it.",
        input: where,
        url: where,
      });
    }
    for (const fn in section) {
      const raw = section[fn];
      if (!isObject(raw) || typeof raw.name !== "string") continue;
      let list = groups.get(raw.name);
      if (list === undefined) groups.set(raw.name, (list = []));
      list.push([fn, raw]);
      count++;
    }
  }
  const info = isObject(doc.info) ? doc.info : {};
  return new ParsedStore(groups, info, count);
}

/** Decodes repodata bytes as UTF-8 and parses them, with positioned errors. */
export function parseRepodataBytes(bytes: Uint8Array, where: string, file?: string): unknown {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("utf8");
  try {
    return JSON.parse(text);
  } catch (err) {
    throw jsonError(err, text, where, file);
  }
}

/** sha256 of a body, hex. */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/**
 * The store of a repodata JSON held in memory: the byte scanner's (names and
 * record ranges, records parsed per name on demand), or, for a document the
 * scanner does not take (unusual layout, or broken: then the error with line
 * and column comes from here), one `JSON.parse` grouped by name.
 */
export function storeFromJson(bytes: Uint8Array, where: string, file?: string): ParsedStore | ScannedStore {
  const scan = scanRepodata(bytes);
  if (scan !== undefined) {
    let info: unknown = {};
    let infoOk = true;
    if (scan.info !== undefined) {
      try {
        info = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("utf8", scan.info[0], scan.info[1]));
      } catch {
        infoOk = false;
      }
    }
    if (infoOk) return new ScannedStore(scan, isObject(info) ? info : {}, memorySource(bytes), where, true);
  }
  return groupRepodata(parseRepodataBytes(bytes, where, file), where);
}

/**
 * Parses a repodata JSON buffer into a lazy index: names and record ranges
 * from one pass over the bytes; PackageRecords are built per name on demand.
 * Throws CG_REPODATA_CORRUPT (with line, column and byte offset) on bad JSON
 * (inside a record: when that record's name is first read).
 */
export function indexRepodataJson(bytes: Uint8Array, source: IndexSource): LazySubdirIndex {
  const where = redactUrl(source.url);
  return new LazySubdirIndex(storeFromJson(bytes, where), source);
}

/** Every name's raw entries of a store, for writing the binary cache. */
export function allGroups(store: RecordStore): ReadonlyMap<string, readonly RawEntry[]> {
  if (store instanceof ParsedStore) return store.allGroups();
  const groups = new Map<string, readonly RawEntry[]>();
  for (const name of store.names()) groups.set(name, store.entries(name));
  return groups;
}
