import { MatchSpec, Version, virtualPackageRecord } from "../conda/index.js";
import type { PackageRecord, VirtualPackage } from "../conda/index.js";
import type { Dependencies, DependencyProvider, NameId, SolvableId, VersionSetId } from "./core/index.js";
import { candidateKey, compareCandidateKeys, fastVersionKey, numericVersion } from "./candidate_order.js";
import type { CandidateKey, OrderOptions } from "./candidate_order.js";
import type { ChannelPriority } from "./task.js";

/** Everything the provider needs to know about one solve. */
export interface CondaProviderOptions {
  /** Every record of a name (any subdir; only the solve's subdir and `noarch` become candidates). */
  records: (name: string) => readonly PackageRecord[];
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

interface _VersionSet {
  name: NameId;
  text: string;
  test: (record: PackageRecord) => boolean;
}

const _NO_RECORDS: readonly PackageRecord[] = [];

interface _DependencyInfo {
  text: string;
  /** The spec carries more than a name (a version or build). */
  versioned: boolean;
  /** Highest version the spec allows; undefined until asked, null when none. */
  best: Version | null | undefined;
}

/** A record in `recordsByVersion`: its numeric version key when it has one, the parsed version once needed. */
interface _ByVersion {
  record: PackageRecord;
  key: string | undefined;
  version: Version | undefined;
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

/** Whether `record` is the .tar.bz2 archive of the build whose .conda archive is `kept`. */
function _isTarBz2Twin(record: PackageRecord, kept: PackageRecord): boolean {
  return (
    record.build === kept.build &&
    record.version === kept.version &&
    record.build_number === kept.build_number &&
    record.subdir === kept.subdir &&
    record.channel === kept.channel &&
    record.fn.endsWith(".tar.bz2") &&
    kept.fn.endsWith(".conda")
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
  /** Solvable id -> record (pseudo-candidates get a placeholder record). */
  readonly records: PackageRecord[] = [];
  /** Solvable id -> true for pseudo-candidates. */
  readonly pseudo: boolean[] = [];
  private readonly nameIds = new Map<string, NameId>();
  // Per solvable id, flat (hundreds of thousands of candidates at scale): its name, its position
  // among its name's candidates, its version as a number (see `numericVersion`, NaN when none).
  private solvableNames = new Int32Array(1024);
  private rank = new Int32Array(1024);
  private numericVersions = new Float64Array(1024).fill(NaN);
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
      id = this.addVersionSet(`spec\u0000${text}`, this.nameId(spec.name), text.trim(), (r) => spec.match(r));
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
    const record = this.records[solvable];
    return this.addVersionSet(`exact\u0000${solvable}`, this.solvableNames[solvable], this.displaySolvable(solvable), (r) => r === record);
  }

  /** A version set matching the records of `name` that the spec text matches (for pattern specs). */
  restrictedVersionSet(spec: MatchSpec, name: string): VersionSetId {
    return this.addVersionSet(`restricted\u0000${spec.toString()}\u0000${name}`, this.nameId(name), `${name} ${spec.toString()}`, (r) => spec.match(r));
  }

  /** A version set with an arbitrary test, e.g. "numpy other than the installed build". */
  customVersionSet(key: string, name: string, display: string, test: (record: PackageRecord) => boolean): VersionSetId {
    return this.addVersionSet(`custom\u0000${key}`, this.nameId(name), display, test);
  }

  private addVersionSet(key: string, name: NameId, text: string, test: (r: PackageRecord) => boolean): VersionSetId {
    const known = this.versionSetIds.get(key);
    if (known !== undefined) return known;
    const id = this.versionSets.length;
    this.versionSets.push({ name, text, test });
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
        const id = recordIdentity(this.records[s]);
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
    return this.records.some((r) => r.features !== undefined && r.features.split(/[\s,]+/).includes(feature));
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

  private realCandidates(name: string): SolvableId[] {
    let source: readonly PackageRecord[];
    if (name.startsWith("__")) source = this.virtualByName.get(name) ?? _NO_RECORDS;
    else if (name.endsWith("@") && this.options.legacyFeatures === true) return this.featureCandidates(name);
    else source = this.options.records(name);
    const { subdir, excludeNewer } = this.options;
    const picked: PackageRecord[] = [];
    const hidden: PackageRecord[] = [];
    for (const r of source) {
      if (r.subdir !== subdir && r.subdir !== "noarch" && !name.startsWith("__")) {
        hidden.push(r);
        continue;
      }
      if (excludeNewer !== undefined && r.timestamp !== undefined && r.timestamp > excludeNewer) {
        hidden.push(r);
        continue;
      }
      picked.push(r);
    }
    if (hidden.length > 0) this.hiddenRecords.set(name, hidden);
    let channelRecords = picked;
    if (this.options.priority === "strict" && picked.length > 0) {
      // Records of one channel come in runs: look a rank up only when the channel changes.
      const ranks = new Int32Array(picked.length);
      let lastChannel: string | undefined;
      let lastRank = 0;
      let best = Infinity;
      for (let i = 0; i < picked.length; i++) {
        const channel = picked[i].channel;
        if (channel !== lastChannel) {
          lastChannel = channel;
          lastRank = this.channelRank(channel);
        }
        ranks[i] = lastRank;
        if (lastRank < best) best = lastRank;
      }
      channelRecords = picked.filter((_, i) => ranks[i] === best);
    }
    const all = channelRecords === picked ? picked : [...channelRecords];
    const extras = this.extraByName.get(name);
    if (extras !== undefined) {
      const known = new Set(all.map(recordIdentity));
      for (const r of extras) {
        const id = recordIdentity(r);
        if (!known.has(id)) {
          known.add(id);
          all.push(r);
        }
      }
    }
    const lowest = this.options.lowestNames === "all" || (this.options.lowestNames?.has(name) ?? false);
    const order: OrderOptions = lowest ? { ...this.order, lowest: true } : this.order;
    const sorted = this.sortRecords(all, order, lowest);
    const nameId = this.nameId(name);
    const out: SolvableId[] = [];
    // The .conda and .tar.bz2 archives of one build sort next to each other (.conda first): keep the .conda only.
    let previous: PackageRecord | undefined;
    for (const i of sorted.order) {
      const record = all[i];
      if (previous !== undefined && _isTarBz2Twin(record, previous)) continue;
      previous = record;
      out.push(this.addSolvable(record, nameId, out.length, sorted.versions[i]));
    }
    return out;
  }

  /**
   * conda classic's feature record `mkl@`: the one candidate of a legacy
   * feature, tracking it. A record with `features: mkl` requires it, and
   * `*[track_features=mkl]` matches it, so turning a feature on costs one
   * tracked feature and no real package. Never part of a result.
   */
  private featureCandidates(name: string): SolvableId[] {
    const s = this.records.length;
    this.records.push({
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
    });
    this.pseudo[s] = true;
    this.setSolvable(s, this.nameId(name), 0, NaN);
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
    return this.parseVersion(this.records[solvable].version);
  }

  /** A new solvable for `record`. */
  private addSolvable(record: PackageRecord, name: NameId, rank: number, version: number): SolvableId {
    const s = this.records.length;
    this.records.push(record);
    this.setSolvable(s, name, rank, version);
    return s;
  }

  private setSolvable(s: SolvableId, name: NameId, rank: number, version: number): void {
    if (s >= this.rank.length) {
      let size = this.rank.length * 2;
      while (size <= s) size *= 2;
      const names = new Int32Array(size);
      names.set(this.solvableNames);
      this.solvableNames = names;
      const ranks = new Int32Array(size);
      ranks.set(this.rank);
      this.rank = ranks;
      const versions = new Float64Array(size).fill(NaN);
      versions.set(this.numericVersions);
      this.numericVersions = versions;
    }
    this.solvableNames[s] = name;
    this.rank[s] = rank;
    this.numericVersions[s] = version;
  }

  /**
   * Record indexes in preference order: the order `compareCandidateKeys`,
   * the build and dependency comparisons and `compareCandidateTail` give
   * (a stable sort, like sorting the keys themselves). The common fields
   * are compared from flat arrays, versions as numbers where
   * `numericVersion` has one; full keys are built only for records that tie
   * there or have other versions.
   */
  private sortRecords(all: readonly PackageRecord[], order: OrderOptions, lowest: boolean): { order: number[]; versions: Float64Array } {
    const n = all.length;
    const tracked = new Int32Array(n);
    const inactive = new Int32Array(n);
    const active = new Int32Array(n);
    const channel = new Int32Array(n);
    const versions = new Float64Array(n);
    const buildNumber = new Float64Array(n);
    const noarch = new Uint8Array(n);
    const stamp = new Float64Array(n);
    const keys: (CandidateKey | undefined)[] = new Array<CandidateKey | undefined>(n);
    let lastChannel: string | undefined;
    let lastRank = 0;
    const indexes: number[] = new Array<number>(n);
    for (let i = 0; i < n; i++) {
      const r = all[i];
      indexes[i] = i;
      if (r.channel !== lastChannel) {
        lastChannel = r.channel;
        lastRank = this.channelRank(r.channel);
      }
      channel[i] = lastRank;
      tracked[i] = r.track_features.length;
      if (r.features !== undefined) {
        // The same counts as `candidateKey`.
        const key = candidateKey(r, lastRank, this.activeFeatures);
        keys[i] = key;
        inactive[i] = key.inactiveFeatures;
        active[i] = key.activeFeatures;
      }
      versions[i] = numericVersion(r.version);
      // The fields of `compareBuildKeys` and `compareCandidateTail`, as `candidateKey` takes them.
      buildNumber[i] = r.build_number;
      noarch[i] = r.subdir === "noarch" || r.noarch !== undefined ? 1 : 0;
      stamp[i] = r.timestamp ?? 0;
    }
    // Records whose versions are not plain numbers mostly share a few version texts, so a key is computed once per text.
    const versionKeys = new Map<string, string | undefined>();
    const versionKeyOf = (text: string): string | undefined => {
      if (versionKeys.has(text)) return versionKeys.get(text);
      const key = fastVersionKey(text);
      versionKeys.set(text, key);
      return key;
    };
    const keyAt = (i: number): CandidateKey => {
      let key = keys[i];
      if (key === undefined) {
        key = keys[i] = candidateKey(all[i], channel[i], this.activeFeatures, versionKeyOf(all[i].version));
        // Parsed once per version text (builds of one version share it), not once per record.
        if (key.versionKey === undefined) key.version = this.parseVersion(key.versionText) ?? null;
      }
      return key;
    };
    const depInfos: (Map<string, _DependencyInfo> | undefined)[] = new Array<Map<string, _DependencyInfo> | undefined>(n);
    const byDependencies = (i: number, j: number, bothVersioned: boolean): number => {
      if (all[i].depends.length === 0 || all[j].depends.length === 0) return 0;
      const a = (depInfos[i] ??= this.dependencyInfo(all[i]));
      const b = (depInfos[j] ??= this.dependencyInfo(all[j]));
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
      const archiveI = all[i].fn.endsWith(".conda") ? 0 : 1;
      const archiveJ = all[j].fn.endsWith(".conda") ? 0 : 1;
      if (archiveI !== archiveJ) return archiveI - archiveJ;
      const bi = all[i].build;
      const bj = all[j].build;
      return bi < bj ? -1 : bi > bj ? 1 : 0;
    };
    const depsFirst = this.options.dependenciesBeforeBuild === true;
    const byChannelFirst = order.priority !== "disabled";
    indexes.sort((i, j) => {
      if (tracked[i] !== tracked[j]) return tracked[i] - tracked[j];
      if (inactive[i] !== inactive[j]) return inactive[i] - inactive[j];
      if (active[i] !== active[j]) return active[j] - active[i];
      const byChannel = channel[i] - channel[j];
      if (byChannelFirst && byChannel !== 0) return byChannel;
      const vi = versions[i];
      const vj = versions[j];
      if (vi === vi && vj === vj) {
        // Both numeric: what compareCandidateKeys decides, without building keys.
        if (vi !== vj) return (vi < vj) === lowest ? -1 : 1;
        if (byChannel !== 0) return byChannel;
      } else {
        const c = compareCandidateKeys(keyAt(i), keyAt(j), order);
        if (c !== 0) return c;
      }
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
    const ka = fastVersionKey(this.records[a].version);
    const kb = fastVersionKey(this.records[b].version);
    if (ka !== undefined && kb !== undefined) return ka < kb ? -1 : ka > kb ? 1 : 0;
    const va = this.versionOf(a);
    const vb = this.versionOf(b);
    if (va !== undefined && vb !== undefined) return va.compare(vb);
    const ta = this.records[a].version;
    const tb = this.records[b].version;
    return ta < tb ? -1 : ta > tb ? 1 : 0;
  }



  private readonly byVersionDesc = new Map<string, _ByVersion[]>();

  /**
   * Records of a name for the solve's platform with a parsable version,
   * highest version first (built once). Plain numeric versions compare by
   * their order-preserving string key and are parsed only when asked for;
   * the order is the one `Version.compare` gives (ties keep file order).
   */
  private recordsByVersion(name: string): _ByVersion[] {
    let list = this.byVersionDesc.get(name);
    if (list !== undefined) return list;
    const source = name.startsWith("__") ? (this.virtualByName.get(name) ?? _NO_RECORDS) : this.options.records(name);
    list = [];
    for (const record of source) {
      if (record.subdir !== this.options.subdir && record.subdir !== "noarch" && !name.startsWith("__")) continue;
      const key = fastVersionKey(record.version);
      if (key !== undefined) list.push({ record, key, version: undefined });
      else {
        const version = this.parseVersion(record.version);
        if (version !== undefined) list.push({ record, key: undefined, version });
      }
    }
    const versionOf = (e: _ByVersion): Version => (e.version ??= this.parseVersion(e.record.version) as Version);
    list.sort((a, b) => {
      if (a.key !== undefined && b.key !== undefined) return a.key < b.key ? 1 : a.key > b.key ? -1 : 0;
      return versionOf(b).compare(versionOf(a));
    });
    this.byVersionDesc.set(name, list);
    return list;
  }

  /** The highest version any record of the solve's platform offers for a dependency spec (null: none). */
  private bestVersionFor(text: string): Version | null {
    const known = this.bestVersions.get(text);
    if (known !== undefined) return known;
    let best: Version | null = null;
    try {
      const spec = MatchSpec.parse(text);
      for (const entry of this.recordsByVersion(spec.name)) {
        if (spec.match(entry.record)) {
          best = (entry.version ??= this.parseVersion(entry.record.version) as Version);
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
  private dependencyInfo(record: PackageRecord): Map<string, _DependencyInfo> {
    // Light records with equal lists share one array: most lookups end here, without joining the list.
    const shared = this.dependencyInfoOfList.get(record.depends);
    if (shared !== undefined) return shared;
    const key = record.depends.join("\u0000");
    const known = this.dependencyInfos.get(key);
    if (known !== undefined) {
      this.dependencyInfoOfList.set(record.depends, known);
      return known;
    }
    const out = new Map<string, _DependencyInfo>();
    this.dependencyInfos.set(key, out);
    this.dependencyInfoOfList.set(record.depends, out);
    for (const text of record.depends) {
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
      if (!candidates.some((s) => spec.match(this.records[s]))) continue;
      const s = this.records.length;
      this.records.push({
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
      });
      this.pseudo[s] = true;
      this.setSolvable(s, name, out.length, NaN);
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
    const test = this.versionSets[versionSet].test;
    const out: SolvableId[] = [];
    for (const s of candidates) {
      if (test(this.records[s]) !== inverse) out.push(s);
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
    const record = this.records[solvable];
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
    const r = this.records[solvable];
    if (this.isPseudo(solvable)) return r.name.endsWith("@") ? `the ${r.name.slice(0, -1)} feature` : `${r.name} (as ${r.build})`;
    const sameVersion = this.candidates(this.solvableNames[solvable]).filter((s) => this.records[s].version === r.version);
    return sameVersion.length > 1 ? `${r.name} ${r.version} ${r.build}` : `${r.name} ${r.version}`;
  }

  displayMergedSolvables(solvables: readonly SolvableId[]): string {
    if (solvables.length === 0) return "";
    const name = this.records[solvables[0]].name;
    const versions: string[] = [];
    for (const s of solvables) {
      const v = this.isPseudo(s) ? this.records[s].build : this.records[s].version;
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
