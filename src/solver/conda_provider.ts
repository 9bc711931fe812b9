import { MatchSpec, Version, virtualPackageRecord } from "../conda/index.js";
import type { PackageRecord, VirtualPackage } from "../conda/index.js";
import type { Dependencies, DependencyProvider, NameId, SolvableId, VersionSetId } from "./core/index.js";
import { numericVersion } from "./candidate_order.js";
import type { OrderOptions } from "./candidate_order.js";
import type { ChannelPriority, RecordSource } from "./task.js";
import { CandidateRows } from "./candidate_rows.js";

/** Everything the provider needs to know about one solve. */
export interface CondaProviderOptions {
  /**
   * Every record of a name (any subdir; only the solve's subdir and `noarch` become candidates).
   * With `keyed`, candidates are read from the cached keys instead (see KeyedRecords).
   */
  records: RecordSource;
  /** Every known package name, for specs whose name is a pattern (`*[track_features=mkl]`). */
  packageNames?: () => Iterable<string>;
  /** Channel base URLs, highest priority first. */
  channels: readonly string[];
  subdir: string;
  virtualPackages?: readonly VirtualPackage[];
  priority: ChannelPriority;
  /** Records that are candidates even if no channel lists them (the installed environment). */
  extraRecords?: readonly PackageRecord[];
  /** Legacy features turned on in this solve (a tracker is requested or installed). */
  activeFeatures?: ReadonlySet<string>;
  /** Whether a record's legacy `features` require a record that tracks them (conda classic). */
  legacyFeatures?: boolean;
  /** Records with a later timestamp (ms) are not candidates. */
  excludeNewer?: number;
  /**
   * Compare builds of one version by the versions their dependencies allow
   * before their build numbers (conda maximises every version before any
   * build number); otherwise build number first (rattler, libmamba).
   */
  dependenciesBeforeBuild?: boolean;
  /** Names whose versions are preferred lowest first; `"all"` for every name. */
  lowestNames?: ReadonlySet<string> | "all";
}

/**
 * A version set's test for a candidate known by these fields only, for
 * sets whose test looks at nothing else (of a candidate of their name):
 * most dependency specs. Lets a set test a hundred thousand candidates
 * read from keys without making their records.
 */
export type KeyTest = (version: string, build: string, buildNumber: number, channel: string) => boolean;

interface _VersionSet {
  name: NameId;
  text: string;
  test: (record: PackageRecord) => boolean;
  keyTest?: KeyTest;
}

const _NO_RECORDS: readonly PackageRecord[] = [];

interface _DependencyInfo {
  text: string;
  /** The spec carries more than a name (a version or build). */
  versioned: boolean;
  /** Highest version the spec allows; undefined until asked, null when none. */
  best: Version | null | undefined;
}

/** Where the candidates of one name come from: `rows`, and the row of each candidate by rank. */
interface _NameRows {
  rows: CandidateRows;
  byRank: Int32Array;
}

/**
 * The versions a name's records (of the solve's platform) offer, highest
 * first, one entry per version text; which entry each row of `source` has
 * (-1: another platform, or a version that does not parse), and the rows
 * of each entry once asked for.
 */
interface _VersionLadder {
  source: CandidateRows;
  texts: string[];
  /** Parsed on first use: a solve looks at a few entries of a ladder of thousands. */
  versions: (Version | undefined)[];
  entryOf: Int32Array;
  rows?: { start: Int32Array; rows: Int32Array };
}

/** The identity of a record across the channels and the installed environment. */
export function recordIdentity(record: PackageRecord): string {
  return `${record.channel}|${record.subdir}|${record.name}|${record.version}|${record.build}|${record.build_number}`;
}

/** The package name at the front of a dependency spec (`python >=3.9` -> `python`), without parsing it. */
function _depName(spec: string): string {
  let i = 0;
  while (i < spec.length && spec.charCodeAt(i) === 32) i++;
  const start = i;
  for (; i < spec.length; i++) {
    const c = spec[i];
    if (c === " " || c === "=" || c === "<" || c === ">" || c === "!" || c === "~" || c === "[") break;
  }
  return spec.slice(start, i);
}

/** Whether row `row` is the .tar.bz2 archive of the build whose .conda archive is row `kept`. */
function _isTarBz2Twin(rows: CandidateRows, row: number, kept: number): boolean {
  return (
    rows.build(row) === rows.build(kept) &&
    rows.version(row) === rows.version(kept) &&
    rows.buildNumber(row) === rows.buildNumber(kept) &&
    rows.subdir(row) === rows.subdir(kept) &&
    rows.channel(row) === rows.channel(kept) &&
    rows.archive(row) === "tar.bz2" &&
    rows.archive(kept) === "conda"
  );
}

/**
 * Two version texts in version order, parsed (`parse` caches; a plain
 * numeric version compares by its order key). Texts that do not parse
 * compare as text; with `unparsedLast`, below every version that parses
 * (as `compareCandidateKeys`).
 */
function _compareVersionTexts(a: string, b: string, parse: (text: string) => Version | undefined, unparsedLast: boolean): number {
  const va = parse(a);
  const vb = parse(b);
  if (va !== undefined && vb !== undefined) return va.compare(vb);
  if (unparsedLast && va !== vb) return va !== undefined ? 1 : -1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Whether a spec tests nothing of a record but its name and version. */
function _onlyNameAndVersion(spec: MatchSpec): boolean {
  return spec.build === undefined && spec.buildNumber === undefined && _testsOnlyKeys(spec);
}

/** Whether a spec tests nothing of a record but its name, version, build and build number. */
function _testsOnlyKeys(spec: MatchSpec): boolean {
  return (
    spec.channel === undefined &&
    spec.subdir === undefined &&
    spec.md5 === undefined &&
    spec.sha256 === undefined &&
    spec.license === undefined &&
    spec.licenseFamily === undefined &&
    spec.trackFeatures === undefined &&
    spec.features === undefined &&
    spec.url === undefined &&
    spec.fn === undefined
  );
}

/** Whether a spec failed to parse only because of a malformed md5/sha256 value. */
export function _isBadHash(err: unknown): boolean {
  return err instanceof Error && /expected a hexadecimal (md5|sha256)/.test(err.message);
}

function isPatternName(name: string): boolean {
  return name === "*" || name.includes("*") || (name.startsWith("^") && name.endsWith("$"));
}

/**
 * The conda encoding of packages for the SAT core: one solvable per record,
 * one version set per distinct MatchSpec text, records sorted once per name
 * in conda's preference order. Specs whose name is a pattern become a
 * pseudo-package with one pseudo-candidate per matching real name (each
 * requiring the spec restricted to that name), so the core still sees one
 * name per version set. Pseudo-packages never appear in a result.
 */
export class CondaProvider implements DependencyProvider {
  readonly names: string[] = [];
  /**
   * Solvable id -> record (pseudo-candidates get a placeholder record); for
   * candidates read from keys, made on first use (see `record`).
   */
  private readonly madeRecords = new Map<SolvableId, PackageRecord>();
  /**
   * Per name, the rows its candidates were read from and, by rank, the
   * row of each: no array holds an entry per solvable, since at scale a
   * solve has a few hundred thousand candidates and needs a few records.
   */
  private readonly nameRows: (_NameRows | undefined)[] = [];
  private solvableCount = 0;
  /** Solvable id -> true for pseudo-candidates. */
  readonly pseudo: boolean[] = [];
  private readonly nameIds = new Map<string, NameId>();
  // Per solvable id, flat (hundreds of thousands of candidates at scale): its name, its position
  // among its name's candidates, its version as a number (see `numericVersion`, NaN when none).
  private solvableNames = new Int32Array(1024);
  private rank = new Int32Array(1024);
  // Not filled: every solvable's entry is written when it is made (a fill would touch every page of
  // arrays that hold a few hundred thousand solvables at scale).
  private numericVersions = new Float64Array(1024);
  private readonly nameCandidates: (SolvableId[] | undefined)[] = [];
  private readonly versionSets: _VersionSet[] = [];
  private readonly versionSetIds = new Map<string, VersionSetId>();
  private readonly dependencyCache: (Dependencies | undefined)[] = [];
  private readonly pseudoTarget: (VersionSetId | undefined)[] = [];
  private readonly identities = new Map<NameId, Map<string, SolvableId>>();
  private readonly channelRanks = new Map<string, number>();
  private readonly extraByName = new Map<string, PackageRecord[]>();
  private readonly virtualByName = new Map<string, PackageRecord[]>();
  private readonly order: OrderOptions;
  private readonly activeFeatures: ReadonlySet<string>;
  /** Candidates that the subdir or `excludeNewer` left out, by name, for "not found" hints. */
  readonly hiddenRecords = new Map<string, PackageRecord[]>();

  constructor(private readonly options: CondaProviderOptions) {
    options.channels.forEach((c, i) => {
      if (!this.channelRanks.has(c)) this.channelRanks.set(c, i);
    });
    for (const r of options.extraRecords ?? []) {
      const list = this.extraByName.get(r.name);
      if (list === undefined) this.extraByName.set(r.name, [r]);
      else list.push(r);
    }
    for (const vp of options.virtualPackages ?? []) {
      const list = this.virtualByName.get(vp.name) ?? [];
      list.push(virtualPackageRecord(vp, options.subdir));
      this.virtualByName.set(vp.name, list);
    }
    this.order = { priority: options.priority, lowest: false };
    this.activeFeatures = options.activeFeatures ?? new Set();
  }

  // ---- ids -------------------------------------------------------------

  /** The id of a package name (created on first use). */
  nameId(name: string): NameId {
    let id = this.nameIds.get(name);
    if (id === undefined) {
      id = this.names.length;
      this.names.push(name);
      this.nameIds.set(name, id);
    }
    return id;
  }

  /** Rank of a channel URL in the channel list; unknown channels rank last. */
  channelRank(channel: string): number {
    return this.channelRanks.get(channel) ?? this.options.channels.length;
  }

  /**
   * The version set of a MatchSpec text (parsed once). Throws `MatchSpecError`
   * for a bad spec. A pattern name gives a pseudo-package's version set.
   */
  versionSet(text: string): VersionSetId {
    const known = this.versionSetIds.get(text);
    if (known !== undefined) return known;
    let spec: MatchSpec;
    try {
      spec = MatchSpec.parse(text);
    } catch (err) {
      // A malformed hash cannot match any record: such a spec finds nothing rather than being invalid.
      if (!_isBadHash(err)) throw err;
      const name = text.split(/[\s=<>!~\[]/)[0].toLowerCase();
      const id = this.addVersionSet(`nothing\u0000${text}`, this.nameId(name), text, () => false);
      this.versionSetIds.set(text, id);
      return id;
    }
    let id: VersionSetId;
    if (isPatternName(spec.name)) {
      const pseudoName = `${spec.toString()}`;
      id = this.addVersionSet(`\u0000pattern\u0000${pseudoName}`, this.nameId(`\u0000${pseudoName}`), pseudoName, () => true);
      this.patternSpecs.set(this.nameId(`\u0000${pseudoName}`), spec);
    } else {
      const { version, buildNumber } = spec;
      const keyTest = _testsOnlyKeys(spec)
        ? (v: string, build: string, number: number): boolean =>
            (version === undefined || version.matches(v)) && spec.matchesBuild(build) && (buildNumber === undefined || buildNumber.matches(number))
        : undefined;
      id = this.addVersionSet(`spec\u0000${text}`, this.nameId(spec.name), text.trim(), (r) => spec.match(r), keyTest);
    }
    this.versionSetIds.set(text, id);
    return id;
  }

  private readonly patternSpecs = new Map<NameId, MatchSpec>();

  private readonly systemSets = new Set<VersionSetId>();

  /** The requirement that the system's virtual package `name` is installed (it always can be). */
  systemVersionSet(name: string): VersionSetId {
    const have = (this.virtualByName.get(name) ?? []).map((r) => r.version).join(", ");
    const id = this.addVersionSet(`system\u0000${name}`, this.nameId(name), `the target system's ${name} ${have}`.trim(), () => true);
    this.systemSets.add(id);
    return id;
  }

  /** A version set matching exactly one solvable. */
  exactVersionSet(solvable: SolvableId): VersionSetId {
    const record = this.record(solvable);
    return this.addVersionSet(`exact\u0000${solvable}`, this.solvableNames[solvable], this.displaySolvable(solvable), (r) => r === record);
  }

  /** A version set matching the records of `name` that the spec text matches (for pattern specs). */
  restrictedVersionSet(spec: MatchSpec, name: string): VersionSetId {
    return this.addVersionSet(`restricted\u0000${spec.toString()}\u0000${name}`, this.nameId(name), `${name} ${spec.toString()}`, (r) => spec.match(r));
  }

  /**
   * A version set with an arbitrary test, e.g. "numpy other than the
   * installed build"; `keyTest`, when given, must agree with `test` on
   * every candidate of the name.
   */
  customVersionSet(key: string, name: string, display: string, test: (record: PackageRecord) => boolean, keyTest?: KeyTest): VersionSetId {
    return this.addVersionSet(`custom\u0000${key}`, this.nameId(name), display, test, keyTest);
  }

  /** The set's test by a candidate's fields, when it has one (see KeyTest). */
  versionSetKeyTest(vs: VersionSetId): KeyTest | undefined {
    return this.versionSets[vs].keyTest;
  }

  private addVersionSet(
    key: string,
    name: NameId,
    text: string,
    test: (r: PackageRecord) => boolean,
    keyTest?: KeyTest,
  ): VersionSetId {
    const known = this.versionSetIds.get(key);
    if (known !== undefined) return known;
    const id = this.versionSets.length;
    this.versionSets.push(keyTest === undefined ? { name, text, test } : { name, text, test, keyTest });
    this.versionSetIds.set(key, id);
    return id;
  }

  /** The solvable of a record (by identity), after its name's candidates were built; undefined if it is no candidate. */
  solvableOf(record: PackageRecord): SolvableId | undefined {
    const name = this.nameId(record.name);
    let index = this.identities.get(name);
    if (index === undefined) {
      // Built on first use: only installed, locked and favored records are looked up.
      index = new Map();
      for (const s of this.candidates(name)) {
        const id = recordIdentity(this.record(s));
        if (!index.has(id)) index.set(id, s);
      }
      this.identities.set(name, index);
    }
    return index.get(recordIdentity(record));
  }

  /** Candidates of a name in preference order (most preferred first). */
  sortedCandidates(name: string): readonly SolvableId[] {
    return this.candidates(this.nameId(name));
  }

  /** Whether a candidate built so far has the legacy feature `feature` in its `features`. */
  hasFeaturedCandidate(feature: string): boolean {
    // Candidates read from keys have no legacy features (records with them are plain), so only plain records count.
    const has = (features: string | undefined): boolean => features !== undefined && features.split(/[\s,]+/).includes(feature);
    for (const r of this.madeRecords.values()) if (has(r.features)) return true;
    for (const block of this.nameRows) {
      if (block === undefined) continue;
      for (const row of block.byRank) if (has(block.rows.features(row))) return true;
    }
    return false;
  }

  /** The record of a solvable (for a candidate read from keys, its light record, made now if not yet). */
  record(solvable: SolvableId): PackageRecord {
    let record = this.madeRecords.get(solvable);
    if (record === undefined) {
      const block = this.nameRows[this.solvableNames[solvable]] as _NameRows;
      record = block.rows.record(this.rowOf(block, solvable));
      this.madeRecords.set(solvable, record);
    }
    return record;
  }

  /** The rows a real candidate was read from (undefined for pseudo-candidates, whose records are made up). */
  private blockOf(solvable: SolvableId): _NameRows | undefined {
    return this.pseudo[solvable] === true ? undefined : this.nameRows[this.solvableNames[solvable]];
  }

  /** A candidate's row in its name's rows. */
  private rowOf(block: _NameRows, solvable: SolvableId): number {
    return block.byRank[this.rank[solvable]];
  }

  /** The channel of a solvable (without making its record). */
  channelOf(solvable: SolvableId): string {
    const block = this.blockOf(solvable);
    return block === undefined ? this.record(solvable).channel : block.rows.channel(this.rowOf(block, solvable));
  }

  /** How many track_features a solvable has (without making its record). */
  trackedCount(solvable: SolvableId): number {
    const block = this.blockOf(solvable);
    return block === undefined ? this.record(solvable).track_features.length : block.rows.trackedCount(this.rowOf(block, solvable));
  }

  /** The version text of a solvable (without making its record). */
  versionText(solvable: SolvableId): string {
    const block = this.blockOf(solvable);
    return block === undefined ? this.record(solvable).version : block.rows.version(this.rowOf(block, solvable));
  }

  /** Whether the solvable is a pseudo-candidate (never part of a result). */
  isPseudo(solvable: SolvableId): boolean {
    return this.pseudo[solvable] === true;
  }

  /** Whether any candidate of the name matches the version set. */
  versionSetTest(vs: VersionSetId): (record: PackageRecord) => boolean {
    return this.versionSets[vs].test;
  }

  // ---- DependencyProvider ------------------------------------------------

  candidates(name: NameId): readonly SolvableId[] {
    const known = this.nameCandidates[name];
    if (known !== undefined) return known;
    const text = this.names[name];
    const out = text.startsWith("\u0000") ? this.pseudoCandidates(name) : this.realCandidates(text);
    this.nameCandidates[name] = out;
    return out;
  }

  private readonly rowsByName = new Map<string, CandidateRows>();

  /** The records of a name as rows: from the cached keys where the lookup has them, else from the records. */
  private rowsOf(name: string): CandidateRows {
    let rows = this.rowsByName.get(name);
    if (rows !== undefined) return rows;
    const keyed = this.options.records.keyed;
    if (name.startsWith("__")) rows = CandidateRows.ofRecords(name, this.virtualByName.get(name) ?? _NO_RECORDS);
    else rows = keyed !== undefined ? CandidateRows.of(keyed(name)) : CandidateRows.ofRecords(name, this.options.records(name));
    this.rowsByName.set(name, rows);
    return rows;
  }

  private realCandidates(name: string): SolvableId[] {
    if (name.endsWith("@") && this.options.legacyFeatures === true && !name.startsWith("__")) return this.featureCandidates(name);
    const source = this.rowsOf(name);
    const { subdir, excludeNewer } = this.options;
    const virtual = name.startsWith("__");
    // Row numbers in typed arrays: at scale a name has a hundred thousand rows.
    const picked = new Int32Array(source.length);
    let count = 0;
    const hidden: PackageRecord[] = [];
    for (let i = 0; i < source.length; i++) {
      if (!virtual) {
        const recordSubdir = source.subdir(i);
        if (recordSubdir !== subdir && recordSubdir !== "noarch") {
          hidden.push(source.record(i));
          continue;
        }
      }
      if (excludeNewer !== undefined) {
        const timestamp = source.timestamp(i);
        if (timestamp !== undefined && timestamp > excludeNewer) {
          hidden.push(source.record(i));
          continue;
        }
      }
      picked[count++] = i;
    }
    if (hidden.length > 0) this.hiddenRecords.set(name, hidden);
    if (this.options.priority === "strict" && count > 0) {
      // Records of one channel come in runs: look a rank up only when the channel changes.
      const ranks = new Int32Array(count);
      let lastChannel: string | undefined;
      let lastRank = 0;
      let best = Infinity;
      for (let k = 0; k < count; k++) {
        const channel = source.channel(picked[k]);
        if (channel !== lastChannel) {
          lastChannel = channel;
          lastRank = this.channelRank(channel);
        }
        ranks[k] = lastRank;
        if (lastRank < best) best = lastRank;
      }
      let kept = 0;
      for (let k = 0; k < count; k++) if (ranks[k] === best) picked[kept++] = picked[k];
      count = kept;
    }
    const channelRows = picked.subarray(0, count);
    const extras: PackageRecord[] = [];
    const known = this.extraByName.get(name);
    if (known !== undefined) {
      const ids = new Set<string>();
      for (const i of channelRows) ids.add(recordIdentity(source.record(i)));
      for (const r of known) {
        const id = recordIdentity(r);
        if (!ids.has(id)) {
          ids.add(id);
          extras.push(r);
        }
      }
    }
    const all = source.pick(channelRows, extras);
    const lowest = this.options.lowestNames === "all" || (this.options.lowestNames?.has(name) ?? false);
    const order: OrderOptions = lowest ? { ...this.order, lowest: true } : this.order;
    const sorted = this.sortRows(all, order, lowest);
    const nameId = this.nameId(name);
    const byRank = new Int32Array(sorted.order.length);
    let ranked = 0;
    // The .conda and .tar.bz2 archives of one build sort next to each other (.conda first): keep the .conda only.
    let previous = -1;
    for (const i of sorted.order) {
      if (previous >= 0 && _isTarBz2Twin(all, i, previous)) continue;
      previous = i;
      byRank[ranked++] = i;
    }
    // Candidates get consecutive ids in rank order; their records are made from the rows when asked for.
    const first = this.solvableCount;
    this.solvableCount += ranked;
    this.reserveSolvables(this.solvableCount);
    const out = new Array<SolvableId>(ranked);
    for (let k = 0; k < ranked; k++) {
      const s = first + k;
      this.solvableNames[s] = nameId;
      this.rank[s] = k;
      this.numericVersions[s] = sorted.versions[byRank[k]];
      out[k] = s;
    }
    this.nameRows[nameId] = { rows: all, byRank: byRank.subarray(0, ranked) };
    return out;
  }

  /**
   * conda classic's feature record `mkl@`: the one candidate of a legacy
   * feature, tracking it. A record with `features: mkl` requires it, and
   * `*[track_features=mkl]` matches it, so turning a feature on costs one
   * tracked feature and no real package. Never part of a result.
   */
  private featureCandidates(name: string): SolvableId[] {
    const s = this.addSolvable(
      {
      name,
      version: "0",
      build: "0",
      build_number: 0,
      subdir: "noarch",
      fn: "",
      url: "",
      channel: "",
      depends: [],
      constrains: [],
        track_features: [name.slice(0, -1)],
      },
      this.nameId(name),
      0,
      NaN,
    );
    this.pseudo[s] = true;
    return [s];
  }

  private readonly bestVersions = new Map<string, Version | null>();
  private readonly parsedVersions = new Map<string, Version | undefined>();
  /** Version.tryParse with a cache: records of one name share few version strings. */
  private readonly parseVersion = (text: string): Version | undefined => {
    if (this.parsedVersions.has(text)) return this.parsedVersions.get(text);
    const v = Version.tryParse(text);
    this.parsedVersions.set(text, v);
    return v;
  };

  /** The parsed version of a candidate (undefined when it does not parse). */
  versionOf(solvable: SolvableId): Version | undefined {
    return this.parseVersion(this.versionText(solvable));
  }

  /** A new solvable for `record`. */
  private addSolvable(record: PackageRecord, name: NameId, rank: number, version: number): SolvableId {
    const s = this.solvableCount++;
    this.madeRecords.set(s, record);
    this.setSolvable(s, name, rank, version);
    return s;
  }

  private setSolvable(s: SolvableId, name: NameId, rank: number, version: number): void {
    this.reserveSolvables(s + 1);
    this.solvableNames[s] = name;
    this.rank[s] = rank;
    this.numericVersions[s] = version;
  }

  /** Grows the per-solvable arrays to hold `count` solvables. */
  private reserveSolvables(count: number): void {
    if (count <= this.rank.length) return;
    let size = this.rank.length * 2;
    while (size < count) size *= 2;
    const names = new Int32Array(size);
    names.set(this.solvableNames);
    this.solvableNames = names;
    const ranks = new Int32Array(size);
    ranks.set(this.rank);
    this.rank = ranks;
    const versions = new Float64Array(size);
    versions.set(this.numericVersions);
    this.numericVersions = versions;
  }

  /**
   * Row indexes in preference order: the order `compareCandidateKeys`, the
   * build and dependency comparisons and `compareCandidateTail` give (a
   * stable sort, like sorting the keys themselves). The fields are read
   * from the rows once into flat arrays; versions compare as numbers where
   * `numericVersion` has one, else by key or parsed, once per version text.
   * (Rows come in file order, which is mostly version order, and the sort
   * finds those runs: tried, a native sort of keys built per row was no faster.)
   */
  private sortRows(all: CandidateRows, order: OrderOptions, lowest: boolean): { order: readonly number[]; versions: Float64Array } {
    const n = all.length;
    const tracked = new Int32Array(n);
    const inactive = new Int32Array(n);
    const active = new Int32Array(n);
    const channel = new Int32Array(n);
    const versions = new Float64Array(n);
    const buildNumber = new Float64Array(n);
    const noarch = new Uint8Array(n);
    const stamp = new Float64Array(n);
    let lastChannel: string | undefined;
    let lastRank = 0;
    for (let i = 0; i < n; i++) {
      const recordChannel = all.channel(i);
      if (recordChannel !== lastChannel) {
        lastChannel = recordChannel;
        lastRank = this.channelRank(recordChannel);
      }
      channel[i] = lastRank;
      tracked[i] = all.trackedCount(i);
      const features = all.features(i);
      if (features !== undefined) {
        for (const f of features.split(/[\s,]+/)) {
          if (f === "") continue;
          if (this.activeFeatures.has(f)) active[i]++;
          else inactive[i]++;
        }
      }
      versions[i] = numericVersion(all.version(i));
      // The fields of `compareBuildKeys` and `compareCandidateTail`.
      buildNumber[i] = all.buildNumber(i);
      noarch[i] = all.isNoarch(i) ? 1 : 0;
      stamp[i] = all.timestamp(i) ?? 0;
    }
    // Ascending, as `compareCandidateKeys` compares versions.
    const byVersion = (i: number, j: number): number => {
      const vi = versions[i];
      const vj = versions[j];
      if (vi === vi && vj === vj) return vi < vj ? -1 : vi > vj ? 1 : 0;
      // Not both plain numbers: parsed, once per version text (builds of one version share it).
      return _compareVersionTexts(all.version(i), all.version(j), this.parseVersion, true);
    };
    const byDependencies = (i: number, j: number, bothVersioned: boolean): number => {
      const di = all.depends(i);
      const dj = all.depends(j);
      if (di.length === 0 || dj.length === 0) return 0;
      const a = this.dependencyInfo(di);
      const b = this.dependencyInfo(dj);
      if (a === b) return 0;
      // Builds share few distinct dependency lists, so the same pair is compared again and again.
      let row = compared.get(a);
      if (row === undefined) compared.set(a, (row = new Map()));
      let c = row.get(b);
      if (c === undefined) row.set(b, (c = this.compareDependencies(a, b, lowest, bothVersioned)));
      return c;
    };
    const compared = new Map<Map<string, _DependencyInfo>, Map<Map<string, _DependencyInfo>, number>>();
    // compareBuildKeys and compareCandidateTail over the arrays above.
    const byBuild = (i: number, j: number): number => (buildNumber[i] !== buildNumber[j] ? buildNumber[j] - buildNumber[i] : noarch[i] - noarch[j]);
    const byTail = (i: number, j: number): number => {
      if (stamp[i] !== stamp[j]) return stamp[j] - stamp[i];
      const archiveI = all.archive(i) === "conda" ? 0 : 1;
      const archiveJ = all.archive(j) === "conda" ? 0 : 1;
      if (archiveI !== archiveJ) return archiveI - archiveJ;
      const bi = all.build(i);
      const bj = all.build(j);
      return bi < bj ? -1 : bi > bj ? 1 : 0;
    };
    const depsFirst = this.options.dependenciesBeforeBuild === true;
    const byChannelFirst = order.priority !== "disabled";
    const indexes: number[] = [];
    for (let i = 0; i < n; i++) indexes.push(i);
    indexes.sort((i, j) => {
      if (tracked[i] !== tracked[j]) return tracked[i] - tracked[j];
      if (inactive[i] !== inactive[j]) return inactive[i] - inactive[j];
      if (active[i] !== active[j]) return active[j] - active[i];
      const byChannel = channel[i] - channel[j];
      if (byChannelFirst && byChannel !== 0) return byChannel;
      const c = byVersion(i, j);
      if (c !== 0) return lowest ? c : -c;
      if (byChannel !== 0) return byChannel;
      return (
        (depsFirst ? byDependencies(i, j, true) : byBuild(i, j)) ||
        (depsFirst ? byBuild(i, j) : byDependencies(i, j, false)) ||
        byTail(i, j)
      );
    });
    return { order: indexes, versions };
  }



  /**
   * Compares the versions of two candidates as `Version.compare` does;
   * versions that do not parse compare by their text (after every parsed one
   * is compared the same way, as `improveRequested` orders groups).
   */
  compareVersions(a: SolvableId, b: SolvableId): number {
    const na = this.numericVersions[a];
    const nb = this.numericVersions[b];
    if (na === na && nb === nb && na !== undefined && nb !== undefined) return na < nb ? -1 : na > nb ? 1 : 0;
    return _compareVersionTexts(this.versionText(a), this.versionText(b), this.parseVersion, false);
  }



  private readonly ladders = new Map<string, _VersionLadder>();

  /** The version ladder of a name (built once); see _VersionLadder. */
  private versionLadder(name: string): _VersionLadder {
    let ladder = this.ladders.get(name);
    if (ladder !== undefined) return ladder;
    const source = this.rowsOf(name);
    const byText = new Map<string, number>();
    const texts: string[] = [];
    const numeric: number[] = [];
    const parsed: (Version | undefined)[] = [];
    const entryOf = new Int32Array(source.length).fill(-1);
    for (let i = 0; i < source.length; i++) {
      if (!name.startsWith("__")) {
        const subdir = source.subdir(i);
        if (subdir !== this.options.subdir && subdir !== "noarch") continue;
      }
      const text = source.version(i);
      let id = byText.get(text);
      if (id === undefined) {
        // Plain versions sort as numbers; others are parsed now, and one that does not parse is nobody's best version.
        const value = numericVersion(text);
        const version = value === value ? undefined : this.parseVersion(text);
        if (value !== value && version === undefined) id = -1;
        else {
          id = texts.length;
          texts.push(text);
          numeric.push(value);
          parsed.push(version);
        }
        byText.set(text, id);
      }
      entryOf[i] = id;
    }
    const versionAt = (k: number): Version => (parsed[k] ??= this.parseVersion(texts[k]) as Version);
    const order = texts.map((_, k) => k);
    order.sort((a, b) => {
      const na = numeric[a];
      const nb = numeric[b];
      if (na === na && nb === nb) return nb - na;
      return versionAt(b).compare(versionAt(a));
    });
    const place = new Int32Array(texts.length);
    order.forEach((k, at) => (place[k] = at));
    for (let i = 0; i < entryOf.length; i++) if (entryOf[i] >= 0) entryOf[i] = place[entryOf[i]];
    ladder = { source, texts: order.map((k) => texts[k]), versions: order.map((k) => parsed[k]), entryOf };
    this.ladders.set(name, ladder);
    return ladder;
  }

  private ladderVersion(ladder: _VersionLadder, entry: number): Version {
    return (ladder.versions[entry] ??= this.parseVersion(ladder.texts[entry]) as Version);
  }

  /** The rows of one entry of a ladder (an index of every entry's rows is built on first use). */
  private ladderRows(ladder: _VersionLadder, entry: number): Int32Array {
    if (ladder.rows === undefined) {
      const start = new Int32Array(ladder.texts.length + 1);
      for (const e of ladder.entryOf) if (e >= 0) start[e + 1]++;
      for (let k = 0; k < ladder.texts.length; k++) start[k + 1] += start[k];
      const rows = new Int32Array(start[ladder.texts.length]);
      const fill = start.slice(0, ladder.texts.length);
      ladder.entryOf.forEach((e, i) => {
        if (e >= 0) rows[fill[e]++] = i;
      });
      ladder.rows = { start, rows };
    }
    return ladder.rows.rows.subarray(ladder.rows.start[entry], ladder.rows.start[entry + 1]);
  }

  /** The highest version any record of the solve's platform offers for a dependency spec (null: none). */
  private bestVersionFor(text: string): Version | null {
    const known = this.bestVersions.get(text);
    if (known !== undefined) return known;
    let best: Version | null = null;
    try {
      const spec = MatchSpec.parse(text);
      // Most dependency specs say only a name and versions: then one test per version text answers.
      const versionOnly = _onlyNameAndVersion(spec);
      const ladder = this.versionLadder(spec.name);
      const count = ladder.texts.length;
      // Dependency ranges mostly have an upper bound (`<4.0a0`): start at the first version under it, found by halving.
      let from = 0;
      const bound = spec.version?.upperBound;
      if (bound !== undefined) {
        let to = count;
        while (from < to) {
          const mid = (from + to) >>> 1;
          const c = this.ladderVersion(ladder, mid).compare(bound.version);
          if (c > 0 || (c === 0 && !bound.inclusive)) from = mid + 1;
          else to = mid;
        }
      }
      for (let k = from; k < count; k++) {
        const version = this.ladderVersion(ladder, k);
        const hit = versionOnly
          ? spec.version === undefined || spec.version.matches(version)
          : this.ladderRows(ladder, k).some((i) => spec.match(ladder.source.record(i)));
        if (hit) {
          best = version;
          break;
        }
      }
    } catch {
      best = null;
    }
    this.bestVersions.set(text, best);
    return best;
  }

  /**
   * Between builds that tie on everything else, prefer the one whose
   * dependencies allow higher versions (numpy built for python 3.3 over the
   * one for 2.6): conda maximises the versions of dependencies, rattler
   * sorts this way. The first shared dependency that differs decides; with
   * `bothVersioned`, only dependencies that carry a version on both sides count.
   */
  private compareDependencies(depsA: Map<string, _DependencyInfo>, depsB: Map<string, _DependencyInfo>, lowest: boolean, bothVersioned: boolean): number {
    for (const [name, da] of depsA) {
      const db = depsB.get(name);
      if (db === undefined || db.text === da.text) continue;
      if (bothVersioned && (!da.versioned || !db.versioned)) continue;
      const va = (da.best ??= this.bestVersionFor(da.text));
      const vb = (db.best ??= this.bestVersionFor(db.text));
      if (va === null || vb === null) {
        if (va !== vb) return va === null ? 1 : -1;
        continue;
      }
      const c = va.compare(vb);
      if (c !== 0) return lowest ? c : -c;
    }
    return 0;
  }

  private readonly dependencyInfos = new Map<string, Map<string, _DependencyInfo>>();
  private readonly dependencyInfoOfList = new WeakMap<readonly string[], Map<string, _DependencyInfo>>();

  /**
   * Dependencies of a record by name, with the best version each allows
   * (filled in on first use). Records with the same `depends` share one map.
   */
  private dependencyInfo(depends: readonly string[]): Map<string, _DependencyInfo> {
    // Keyed records with equal lists share one array: most lookups end here, without joining the list.
    const shared = this.dependencyInfoOfList.get(depends);
    if (shared !== undefined) return shared;
    const key = depends.join("\u0000");
    const known = this.dependencyInfos.get(key);
    if (known !== undefined) {
      this.dependencyInfoOfList.set(depends, known);
      return known;
    }
    const out = new Map<string, _DependencyInfo>();
    this.dependencyInfos.set(key, out);
    this.dependencyInfoOfList.set(depends, out);
    for (const text of depends) {
      const name = _depName(text);
      out.set(name, { text, versioned: text.trim().length > name.length, best: undefined });
    }
    return out;
  }


  private pseudoCandidates(name: NameId): SolvableId[] {
    const spec = this.patternSpecs.get(name);
    const out: SolvableId[] = [];
    if (spec === undefined || this.options.packageNames === undefined) return out;
    const names = new Set<string>(this.options.packageNames());
    for (const n of this.virtualByName.keys()) names.add(n);
    for (const n of this.extraByName.keys()) names.add(n);
    const ordered = [...names].sort();
    if (this.options.legacyFeatures === true) ordered.unshift(...(spec.trackFeatures ?? []).map((f) => `${f}@`));
    for (const real of ordered) {
      const candidates = this.candidates(this.nameId(real));
      if (!candidates.some((s) => spec.match(this.record(s)))) continue;
      const s = this.addSolvable(
        {
        name: this.names[name].slice(1),
        version: "0",
        build: real,
        build_number: 0,
        subdir: this.options.subdir,
        fn: "",
        url: "",
        channel: "",
        depends: [],
          constrains: [],
          track_features: [],
        },
        name,
        out.length,
        NaN,
      );
      this.pseudo[s] = true;
      this.pseudoTarget[s] = this.restrictedVersionSet(spec, real);
      out.push(s);
    }
    return out;
  }

  sortCandidates(solvables: SolvableId[]): void {
    // A name's candidates come from `candidates` already in rank order: check that in one pass before sorting.
    const rank = this.rank;
    for (let i = 1; i < solvables.length; i++) {
      if (rank[solvables[i - 1]] > rank[solvables[i]]) {
        solvables.sort((a, b) => rank[a] - rank[b]);
        return;
      }
    }
  }

  /**
   * Per version set, the matching candidates when the whole candidate list
   * of its name was filtered. Every solve of a request (the improving
   * re-solves, the soft-requirement retries) asks the same questions, and at
   * scale one question tests a hundred thousand records.
   */
  private readonly filtered = new Map<VersionSetId, readonly SolvableId[]>();

  filterCandidates(versionSet: VersionSetId, candidates: readonly SolvableId[], inverse: boolean): readonly SolvableId[] {
    const whole = !inverse && candidates.length === this.nameCandidates[this.versionSets[versionSet].name]?.length;
    if (whole) {
      const known = this.filtered.get(versionSet);
      if (known !== undefined) return known;
    }
    const { test, keyTest } = this.versionSets[versionSet];
    const out: SolvableId[] = [];
    for (const s of candidates) {
      // Tested by its fields where the set allows: a candidate's record need not be made.
      const block = keyTest === undefined ? undefined : this.blockOf(s);
      let matches: boolean;
      if (block === undefined) matches = test(this.record(s));
      else {
        const row = this.rowOf(block, s);
        const { rows } = block;
        matches = (keyTest as KeyTest)(rows.version(row), rows.build(row), rows.buildNumber(row), rows.channel(row));
      }
      if (matches !== inverse) out.push(s);
    }
    if (whole) this.filtered.set(versionSet, out);
    return out;
  }

  versionSetName(versionSet: VersionSetId): NameId {
    return this.versionSets[versionSet].name;
  }

  solvableName(solvable: SolvableId): NameId {
    return this.solvableNames[solvable];
  }

  dependencies(solvable: SolvableId): Dependencies {
    const cached = this.dependencyCache[solvable];
    if (cached !== undefined) return cached;
    const deps = this.computeDependencies(solvable);
    this.dependencyCache[solvable] = deps;
    return deps;
  }

  private computeDependencies(solvable: SolvableId): Dependencies {
    const target = this.pseudoTarget[solvable];
    if (target !== undefined) return { requires: [target], constrains: [] };
    const record = this.record(solvable);
    const requires: VersionSetId[] = [];
    const constrains: VersionSetId[] = [];
    try {
      for (const dep of record.depends) requires.push(this.versionSet(dep));
      if (this.options.legacyFeatures === true && record.features !== undefined) {
        for (const f of record.features.split(/[\s,]+/)) {
          if (f !== "") requires.push(this.customVersionSet(`feature\u0000${f}`, `${f}@`, `the ${f} feature`, () => true));
        }
      }
      for (const dep of record.depends) {
        if (MatchSpec.parse(dep).extras !== undefined) throw new Error(`'${dep}' asks for extras`);
      }
      for (const c of record.constrains) {
        const spec = MatchSpec.parse(c);
        if (spec.extras !== undefined) throw new Error(`'${c}' asks for extras`);
        if (isPatternName(spec.name)) continue;
        constrains.push(this.versionSet(c));
      }
    } catch (err) {
      return { unknown: `its metadata has an invalid dependency (${err instanceof Error ? err.message : String(err)})` };
    }
    return { requires, constrains };
  }

  displaySolvable(solvable: SolvableId): string {
    const r = this.record(solvable);
    if (this.isPseudo(solvable)) return r.name.endsWith("@") ? `the ${r.name.slice(0, -1)} feature` : `${r.name} (as ${r.build})`;
    const sameVersion = this.candidates(this.solvableNames[solvable]).filter((s) => this.versionText(s) === r.version);
    return sameVersion.length > 1 ? `${r.name} ${r.version} ${r.build}` : `${r.name} ${r.version}`;
  }

  displayMergedSolvables(solvables: readonly SolvableId[]): string {
    if (solvables.length === 0) return "";
    const name = this.record(solvables[0]).name;
    const versions: string[] = [];
    for (const s of solvables) {
      const v = this.isPseudo(s) ? this.record(s).build : this.versionText(s);
      if (!versions.includes(v)) versions.push(v);
    }
    if (versions.length > 6) return `${name} ${versions.slice(0, 3).join(" | ")} | … | ${versions[versions.length - 1]} (${versions.length} versions)`;
    return `${name} ${versions.join(" | ")}`;
  }

  displayVersionSet(versionSet: VersionSetId): string {
    const { text, name } = this.versionSets[versionSet];
    const nameText = this.names[name];
    if (!nameText.startsWith("__") || this.systemSets.has(versionSet)) return text;
    // A virtual package: say what the system has, which is what a user can check.
    const system = this.virtualByName.get(nameText);
    if (system === undefined || system.length === 0) return `${text} (the target system has no ${nameText})`;
    return `${text} (the target system has ${system.map((r) => `${nameText} ${r.version}`).join(", ")})`;
  }

  displayName(name: NameId): string {
    const text = this.names[name];
    return text.startsWith("\u0000") ? text.slice(1) : text;
  }
}
