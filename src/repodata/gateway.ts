import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { redactUrl, subdirUrl, type Channel, type PackageRecord } from "../conda/index.js";
import { BinaryCacheCorrupt } from "./binary_cache.js";
import { cacheKey, CacheEntry, defaultCacheDir, PROBE_TTL_MS, readIfExists, shardPath, writeAtomic, type SubdirState } from "./cache.js";
import { decodeVariant, decompressZstd, hasMagic, VARIANT_FILES, type RepodataVariant } from "./decompress.js";
import { RepodataError } from "./errors.js";
import { fetchResource, isLocalUrl, type FetchLike, type FetchOutcome, type TransportOptions } from "./fetch.js";
import { LazySubdirIndex, sha256Hex, storeFromJson, type RecordStore } from "./lazy_index.js";
import { KeyedRecords } from "./light_record.js";
import { encodeOffsetsIndex, fileSource, memorySource, openOffsetsIndex, ScannedStore } from "./scanned_store.js";
import { decodeShardIndex, SHARD_INDEX_FILE, ShardedSubdirIndex } from "./shards.js";

/** What the gateway reports while it works; `url` is always redacted. */
export interface GatewayProgressEvent {
  kind: "fetch" | "cache-hit" | "revalidated" | "parse";
  url: string;
  /** Bytes downloaded (fetch) or parsed (parse). */
  bytes?: number;
}

export interface RepodataGatewayOptions {
  /** Cache folder; default `defaultCacheDir()`. */
  cacheDir?: string;
  /** Use only the cache (local `file:` channels are still read); CG_REPODATA_OFFLINE when nothing is cached. */
  offline?: boolean;
  /** Replaces the server's Cache-Control max-age: 0 always revalidates, a large value trusts the cache. */
  maxAgeOverrideSeconds?: number;
  onProgress?: (event: GatewayProgressEvent) => void;
  /** A fetch-compatible function, for tests or a custom agent. */
  fetchImpl?: FetchLike;
  /** Per-request timeout; default 60 s. */
  timeoutMs?: number;
  /** Retries for network errors and 5xx; default 3. */
  retries?: number;
  /** First back-off delay in ms; default 250. */
  retryDelayMs?: number;
  /**
   * Repodata JSON of at least this many bytes gets its records' solver keys
   * in the cache (see RecordKeys): writing them costs a parse of every record
   * once, and saves a solve on the cache from parsing the records it reaches.
   * Default 8 MiB: the large channels (conda-forge, bioconda), where a solve
   * reaches hundreds of thousands of records. Smaller JSON is parsed per name.
   */
  recordKeysMinBytes?: number;
}

/** The packages of one channel subdir, loaded per name on demand. */
/**
 * Records of a name across the channels and subdirs of a `lookup`, for a
 * solver; `keyed` answers the same as slots of the cached keys.
 */
export type RecordLookup = ((name: string) => PackageRecord[]) & { readonly keyed: (name: string) => readonly KeyedRecords[] };

export interface SubdirIndex {
  readonly channel: Channel;
  readonly subdir: string;
  /** Redacted subdir URL. */
  readonly url: string;
  /** Package names; for sharded subdirs, the names of the shard index. */
  names(): string[];
  /** Records of one name (empty when the subdir has none). */
  records(name: string): Promise<PackageRecord[]>;
  /** Number of records, when known without loading them (not for sharded subdirs). */
  readonly recordCount?: number;
  /** True when the channel does not serve this (platform) subdir and it counts as empty. */
  readonly missing?: boolean;
}

export interface RepodataQuery {
  channels: Channel[];
  /** e.g. `["linux-64", "noarch"]`; a channel with `platforms` only contributes the subdirs it names. */
  subdirs: string[];
  names: string[];
  /** Follow the names in `depends` transitively, as a solver would (constrains are not followed). */
  recursive?: boolean;
}

/** A cached body that cannot be used (missing, other hash); the caller fetches again. Internal. */
class CacheBroken extends Error {}

type Candidate = RepodataVariant | "shards";
const PROBE_ORDER: readonly Candidate[] = ["shards", "zst", "bz2", "json"];
const SHARD_CONCURRENCY = 16;
/** Below this JSON size scanning the JSON is as fast as opening an offsets index, so none is written. */
const BINARY_CACHE_MIN_BYTES = 64 * 1024;
const RECORD_KEYS_MIN_BYTES = 8 * 2 ** 20;

function candidateFile(candidate: Candidate): string {
  return candidate === "shards" ? SHARD_INDEX_FILE : VARIANT_FILES[candidate];
}

/** The package name of a dependency spec, without MatchSpec: `python >=3.9` -> `python`, `ch::pkg[...]` -> `pkg`. */
export function dependencyName(spec: string): string | undefined {
  let s = spec.trim();
  const colons = s.lastIndexOf("::");
  if (colons >= 0) s = s.slice(colons + 2);
  const m = /^[^\s=<>!~[\],;|()]+/.exec(s);
  if (m === null || m[0].includes("*")) return undefined;
  return m[0].toLowerCase();
}

/**
 * Per channel, the variant its subdirs were last found to serve, so probing
 * a further subdir of the same channel starts with it (and skips the shard
 * index when the channel has none) instead of walking the whole list.
 */
interface ChannelMemo {
  version: 1;
  url: string;
  variant: Candidate;
  probedAt: number;
}

function channelMemoPath(cacheDir: string, channel: Channel): string {
  return join(cacheDir, `${cacheKey(channel.baseUrl)}.channel.json`);
}

async function readChannelMemo(cacheDir: string, channel: Channel): Promise<ChannelMemo | undefined> {
  const raw = await readIfExists(channelMemoPath(cacheDir, channel));
  if (raw === undefined) return undefined;
  try {
    const memo = JSON.parse(raw.toString("utf8")) as Partial<ChannelMemo>;
    if (memo.version === 1 && typeof memo.probedAt === "number" && PROBE_ORDER.includes(memo.variant as Candidate)) {
      return memo as ChannelMemo;
    }
  } catch {
    // an unreadable memo only costs a full probe
  }
  return undefined;
}

async function writeChannelMemo(cacheDir: string, channel: Channel, variant: Candidate, now: number): Promise<void> {
  const memo: ChannelMemo = { version: 1, url: redactUrl(channel.baseUrl), variant, probedAt: now };
  try {
    await writeAtomic(channelMemoPath(cacheDir, channel), `${JSON.stringify(memo, null, 2)}\n`);
  } catch {
    // best effort, like the binary index
  }
}

/** Candidates to try for a subdir: the channel's known variant first; no shard probe when the channel has none. */
function probeOrder(memo: ChannelMemo | undefined, now: number): Candidate[] {
  if (memo === undefined || now - memo.probedAt >= PROBE_TTL_MS) return [...PROBE_ORDER];
  const rest = PROBE_ORDER.filter((c) => c !== memo.variant && c !== "shards");
  return [memo.variant, ...rest];
}

/** Runs at most `limit` tasks at once. */
function limiter(limit: number): <T>(task: () => Promise<T>) => Promise<T> {
  let active = 0;
  const waiting: Array<() => void> = [];
  return async <T>(task: () => Promise<T>): Promise<T> => {
    if (active >= limit) await new Promise<void>((go) => waiting.push(go));
    active++;
    try {
      return await task();
    } finally {
      active--;
      waiting.shift()?.();
    }
  };
}

/** The SubdirIndex handed to callers; it hides which storage backs it and heals a damaged binary cache. */
class GatewaySubdirIndex implements SubdirIndex {
  readonly url: string;
  readonly missing: boolean;

  constructor(
    readonly channel: Channel,
    readonly subdir: string,
    private inner: LazySubdirIndex | ShardedSubdirIndex | undefined,
    private readonly rebuild?: () => LazySubdirIndex,
  ) {
    this.url = redactUrl(subdirUrl(channel, subdir));
    this.missing = inner === undefined;
  }

  get recordCount(): number | undefined {
    if (this.inner === undefined) return 0;
    return this.inner instanceof LazySubdirIndex ? this.inner.recordCount : undefined;
  }

  names(): string[] {
    return this.inner === undefined ? [] : this.inner.names();
  }

  async records(name: string): Promise<PackageRecord[]> {
    const inner = this.inner;
    if (inner instanceof ShardedSubdirIndex) return inner.records(name);
    return this.recordsNow(name) ?? [];
  }

  /**
   * Records of one name without waiting; undefined when this subdir can only
   * answer asynchronously (shards are fetched per name). Lets a solver ask
   * for names as its search reaches them instead of loading every name it
   * might reach up front.
   */
  recordsNow(name: string, forSolver = false): PackageRecord[] | undefined {
    return this.now((inner) => (forSolver ? inner.solverRecords(name) : inner.records(name)), []);
  }

  /** The solver's records of one name as slots of the cached keys (see KeyedRecords); undefined as for `recordsNow`. */
  keyedNow(name: string): KeyedRecords | undefined {
    return this.now((inner) => inner.keyedRecords(name), KeyedRecords.of(name, []));
  }

  private now<T>(ask: (inner: LazySubdirIndex) => T, missing: T): T | undefined {
    const inner = this.inner;
    if (inner === undefined) return missing;
    if (inner instanceof ShardedSubdirIndex) return undefined;
    try {
      return ask(inner);
    } catch (err) {
      // The binary cache was damaged after it was opened: rebuild it from the JSON once and answer from that.
      if (!(err instanceof BinaryCacheCorrupt) || this.rebuild === undefined) throw err;
      const fresh = this.rebuild();
      this.inner = fresh;
      return ask(fresh);
    }
  }
}

/**
 * Fetches and caches channel repodata and answers per-name queries.
 *
 * Per subdir it prefers, in order: CEP 16 shards, `repodata.json.zst`,
 * `.bz2`, plain `repodata.json`; the variant found is remembered in the
 * cache state and used first next time (re-probed weekly).
 *
 * Missing subdirs follow conda: a 404 for `noarch` means the URL is not a
 * channel (CG_REPODATA_NOT_FOUND); a 404 for a platform subdir means the
 * channel has no packages for that platform and counts as empty, unless the
 * channel was explicitly restricted to that subdir (`platforms`), where the
 * user asked for something that does not exist (CG_REPODATA_NOT_FOUND).
 */
export class RepodataGateway {
  readonly cacheDir: string;
  private readonly options: RepodataGatewayOptions;
  private readonly transport: TransportOptions;
  private readonly loaded = new Map<string, Promise<SubdirIndex>>();
  private readonly limit = limiter(SHARD_CONCURRENCY);
  /** Channel memos this gateway wrote (cache key -> variant), so parallel subdirs do not write the same one again. */
  private readonly memosWritten = new Map<string, Candidate>();

  constructor(options: RepodataGatewayOptions = {}) {
    this.options = options;
    this.cacheDir = options.cacheDir ?? defaultCacheDir();
    this.transport = {
      fetchImpl: options.fetchImpl,
      timeoutMs: options.timeoutMs,
      retries: options.retries,
      retryDelayMs: options.retryDelayMs,
    };
  }

  private emit(event: GatewayProgressEvent): void {
    this.options.onProgress?.(event);
  }

  /** The index of one channel subdir, fetched or revalidated as needed; loaded once per gateway. */
  subdir(channel: Channel, subdir: string): Promise<SubdirIndex> {
    const url = subdirUrl(channel, subdir);
    const hit = this.loaded.get(url);
    if (hit !== undefined) return hit;
    const pending = this.load(channel, subdir);
    pending.catch(() => this.loaded.delete(url));
    this.loaded.set(url, pending);
    return pending;
  }

  /**
   * A synchronous lookup of records by name across the channels and subdirs
   * of `request` (channel order, then subdir order, as `query` gives them)
   * that reads a name's records when first asked for: a solver then parses
   * only the names its search reaches, not every name it could reach.
   * Over a cache that holds the records' keys, the records are light ones
   * (read from the JSON only when a field beyond the solver's keys is
   * asked for): hand them to a solver, and take plain records from it
   * (`plainRecord`); its `keyed` gives the same records as slots of the
   * keys, one KeyedRecords per subdir in the same order. Undefined when a
   * subdir can only answer asynchronously (sharded repodata); use `query`
   * with `recursive` then.
   */
  async lookup(request: Pick<RepodataQuery, "channels" | "subdirs">): Promise<RecordLookup | undefined> {
    const pairs: Array<[Channel, string]> = [];
    for (const channel of request.channels) {
      for (const subdir of request.subdirs) {
        if (channel.platforms === undefined || channel.platforms.includes(subdir)) pairs.push([channel, subdir]);
      }
    }
    const loaded = await Promise.all(pairs.map(([channel, subdir]) => this.subdir(channel, subdir)));
    const indexes: GatewaySubdirIndex[] = [];
    for (const index of loaded) {
      if (!(index instanceof GatewaySubdirIndex) || index.recordsNow("") === undefined) return undefined;
      indexes.push(index);
    }
    const memo = new Map<string, PackageRecord[]>();
    const lookup = (name: string): PackageRecord[] => {
      let hit = memo.get(name);
      if (hit === undefined) {
        hit = [];
        for (const index of indexes) for (const r of index.recordsNow(name, true) ?? []) hit.push(r);
        memo.set(name, hit);
      }
      return hit;
    };
    const keyed = (name: string): KeyedRecords[] => indexes.map((index) => index.keyedNow(name) ?? KeyedRecords.of(name, []));
    return Object.assign(lookup, { keyed });
  }

  /**
   * Records of each name across channels (in channel order, then subdir
   * order). With `recursive`, names reached through `depends` are added too;
   * every reached name is a key, with an empty list when no channel has it.
   */
  async query(request: RepodataQuery): Promise<Map<string, PackageRecord[]>> {
    const pairs: Array<[Channel, string]> = [];
    for (const channel of request.channels) {
      for (const subdir of request.subdirs) {
        if (channel.platforms === undefined || channel.platforms.includes(subdir)) pairs.push([channel, subdir]);
      }
    }
    const indexes = await Promise.all(pairs.map(([channel, subdir]) => this.subdir(channel, subdir)));
    const result = new Map<string, PackageRecord[]>();
    const seen = new Set<string>();
    let frontier: string[] = [];
    for (const name of request.names) {
      if (!seen.has(name)) {
        seen.add(name);
        frontier.push(name);
      }
    }
    while (frontier.length > 0) {
      const lists = await Promise.all(
        frontier.map(async (name) => (await Promise.all(indexes.map((index) => index.records(name)))).flat()),
      );
      const next: string[] = [];
      frontier.forEach((name, i) => {
        const records = lists[i];
        result.set(name, records);
        if (request.recursive !== true) return;
        for (const record of records) {
          for (const dep of record.depends) {
            const depName = dependencyName(dep);
            // Virtual packages (__glibc, __cuda) never appear in repodata.
            if (depName === undefined || depName.startsWith("__") || seen.has(depName)) continue;
            seen.add(depName);
            next.push(depName);
          }
        }
      });
      frontier = next;
    }
    return result;
  }

  private async load(channel: Channel, subdir: string): Promise<SubdirIndex> {
    const url = subdirUrl(channel, subdir);
    const entry = new CacheEntry(this.cacheDir, cacheKey(url));
    const state = await entry.readState();
    const where = redactUrl(url);

    // Local channels need no network, so offline mode still reads them.
    if (this.options.offline === true && !isLocalUrl(url)) {
      if (state === undefined) throw this.offlineError(where);
      if (state.variant === "missing") return this.missingSubdir(channel, subdir);
      try {
        const index = await this.fromCache(channel, subdir, entry, state);
        this.emit({ kind: "cache-hit", url: where });
        return index;
      } catch (err) {
        if (err instanceof CacheBroken) throw this.offlineError(where, true);
        throw err;
      }
    }

    const now = Date.now();
    if (state !== undefined && state.variant !== "missing" && now - state.probedAt < PROBE_TTL_MS) {
      const maxAge = this.options.maxAgeOverrideSeconds ?? state.maxAgeSeconds ?? 0;
      const variantUrl = `${url}/${candidateFile(state.variant)}`;
      if (now - state.fetchedAt < maxAge * 1000) {
        try {
          const index = await this.fromCache(channel, subdir, entry, state);
          this.emit({ kind: "cache-hit", url: redactUrl(variantUrl) });
          return index;
        } catch (err) {
          if (!(err instanceof CacheBroken)) throw err;
        }
      } else {
        const bodyThere = await exists(entry.bodyPath(state.variant));
        const outcome = await fetchResource(
          variantUrl,
          bodyThere ? { etag: state.etag, lastModified: state.lastModified } : {},
          this.transport,
        );
        if (outcome.status === "not-modified") {
          const refreshed: SubdirState = {
            ...state,
            etag: outcome.etag ?? state.etag,
            lastModified: outcome.lastModified ?? state.lastModified,
            maxAgeSeconds: outcome.maxAgeSeconds,
            fetchedAt: now,
          };
          try {
            const index = await this.fromCache(channel, subdir, entry, refreshed);
            await entry.writeState(refreshed);
            this.emit({ kind: "revalidated", url: redactUrl(variantUrl) });
            return index;
          } catch (err) {
            if (!(err instanceof CacheBroken)) throw err;
            const again = await fetchResource(variantUrl, {}, this.transport);
            if (again.status === "ok") return this.store(channel, subdir, entry, state.variant, again, state.probedAt);
          }
        } else if (outcome.status === "ok") {
          return this.store(channel, subdir, entry, state.variant, outcome, state.probedAt);
        }
        // 404 for the remembered variant: the channel changed, probe again.
      }
    }

    const channelMemo = await readChannelMemo(this.cacheDir, channel);
    for (const candidate of probeOrder(channelMemo, now)) {
      const outcome = await fetchResource(`${url}/${candidateFile(candidate)}`, {}, this.transport);
      // Some hosts answer 200 with an HTML page for files they lack; while probing, that means "not offered".
      if (outcome.status === "ok" && candidate !== "json" && !hasMagic(candidate === "bz2" ? "bz2" : "zst", outcome.body)) continue;
      if (outcome.status === "ok") {
        const index = await this.store(channel, subdir, entry, candidate, outcome, now);
        // Subdirs of one channel probe side by side; the first to finish writes the memo for all of them.
        const memoKey = cacheKey(channel.baseUrl);
        if (channelMemo?.variant !== candidate && this.memosWritten.get(memoKey) !== candidate) {
          this.memosWritten.set(memoKey, candidate);
          await writeChannelMemo(this.cacheDir, channel, candidate, now);
        }
        return index;
      }
    }
    await entry.writeState({ version: 1, url: where, variant: "missing", probedAt: now, fetchedAt: now, size: 0, sha256: "" });
    return this.missingSubdir(channel, subdir);
  }

  private offlineError(where: string, damaged = false): RepodataError {
    return new RepodataError(
      "CG_REPODATA_OFFLINE",
      damaged
        ? `Offline mode: the cached repodata for ${where} is damaged and cannot be fetched again offline.`
        : `Offline mode: no cached repodata for ${where}.`,
      {
        hint: "Run once without --offline to fill the cache, or point the cache folder (CONDAGUARD_CACHE_DIR) at a filled one.",
        input: where,
        url: where,
      },
    );
  }

  private missingSubdir(channel: Channel, subdir: string): SubdirIndex {
    const where = redactUrl(subdirUrl(channel, subdir));
    const name = redactUrl(channel.name);
    if (subdir === "noarch") {
      throw new RepodataError(
        "CG_REPODATA_NOT_FOUND",
        `Channel ${name} has no noarch subdir (${where}/repodata.json not found), so it is not a conda channel.`,
        { hint: "Every conda channel has a noarch subdir; check the channel name or URL.", input: where, url: where },
      );
    }
    if (channel.platforms?.includes(subdir) === true) {
      throw new RepodataError(
        "CG_REPODATA_NOT_FOUND",
        `Channel ${name} has no subdir ${subdir} (${where}/repodata.json not found), but it was restricted to that subdir.`,
        { hint: "Remove the subdir restriction or name a platform this channel provides.", input: where, url: where },
      );
    }
    return new GatewaySubdirIndex(channel, subdir, undefined);
  }

  /** Opens a cache entry without network; CacheBroken when its files are gone or do not match the state. */
  private async fromCache(channel: Channel, subdir: string, entry: CacheEntry, state: SubdirState): Promise<SubdirIndex> {
    const url = subdirUrl(channel, subdir);
    const source = { channel: channel.baseUrl, subdir, url };
    if (state.variant === "shards") {
      const bytes = await readIfExists(entry.shardIndexPath);
      if (bytes === undefined || bytes.length !== state.size || sha256Hex(bytes) !== state.sha256) throw new CacheBroken();
      const index = decodeShardIndex(bytes, redactUrl(`${url}/${SHARD_INDEX_FILE}`));
      return new GatewaySubdirIndex(channel, subdir, new ShardedSubdirIndex(index, source, this.shardLoader()));
    }
    const stamp = { size: state.size, sha256: state.sha256 };
    const where = redactUrl(`${url}/${VARIANT_FILES.json}`);
    // A .zst download is cached as downloaded (a tenth of the JSON to write and hash), and decoded again when opened.
    const compressed = state.variant === "zst";
    const readJson = (): Buffer => {
      if (!compressed) {
        const json = readIfExistsSync(entry.jsonPath);
        if (json === undefined || json.length !== state.size || sha256Hex(json) !== state.sha256) throw new CacheBroken();
        return json;
      }
      const zst = readIfExistsSync(entry.zstPath);
      if (zst === undefined || sha256Hex(zst) !== state.sha256) throw new CacheBroken();
      let json: Uint8Array;
      try {
        json = decompressZstd(zst, where);
      } catch {
        throw new CacheBroken();
      }
      if (json.length !== state.size) throw new CacheBroken();
      return Buffer.from(json.buffer, json.byteOffset, json.byteLength);
    };
    /** Index from the cached body (checked against the state's sha256); synchronous so a damaged index can be healed mid-solve. */
    const fromJson = (): { index: LazySubdirIndex; store: RecordStore } => {
      const json = readJson();
      const store = storeFromJson(json, where, entry.jsonPath);
      this.emit({ kind: "parse", url: where, bytes: json.length });
      return { index: new LazySubdirIndex(store, source), store };
    };
    const heal = (): LazySubdirIndex => {
      const { index, store } = fromJson();
      void this.writeOffsets(entry, store, stamp);
      return index;
    };
    if (state.size >= BINARY_CACHE_MIN_BYTES) {
      try {
        // The offsets index and the JSON it points into; records are read from the file per name.
        const { scan, info, keys } = openOffsetsIndex(entry.indexPath, stamp);
        const bytes = compressed ? memorySource(readJson()) : fileSource(entry.jsonPath, state.size);
        const store = new ScannedStore(scan, info, bytes, where, false, keys);
        return new GatewaySubdirIndex(channel, subdir, new LazySubdirIndex(store, source), heal);
      } catch (err) {
        if (err instanceof CacheBroken) throw err;
        // Absent, stale or damaged: rebuilt from the JSON below.
      }
    }
    const { index, store } = fromJson();
    await this.writeOffsets(entry, store, stamp);
    return new GatewaySubdirIndex(channel, subdir, index);
  }

  /** Best effort: an index that cannot be written only costs speed next time. */
  private async writeOffsets(entry: CacheEntry, store: RecordStore, stamp: { size: number; sha256: string }): Promise<void> {
    if (stamp.size < BINARY_CACHE_MIN_BYTES || !(store instanceof ScannedStore)) return;
    try {
      const keys = stamp.size >= (this.options.recordKeysMinBytes ?? RECORD_KEYS_MIN_BYTES) ? store.recordKeys() : undefined;
      await writeAtomic(entry.indexPath, encodeOffsetsIndex(store.scan, store.info, keys, stamp));
    } catch {
      // ignored on purpose, see above
    }
  }

  /** Decodes a fresh download, and only when it is valid writes body, state and binary index. */
  private async store(
    channel: Channel,
    subdir: string,
    entry: CacheEntry,
    variant: Candidate,
    outcome: Extract<FetchOutcome, { status: "ok" }>,
    probedAt: number,
  ): Promise<SubdirIndex> {
    const url = subdirUrl(channel, subdir);
    const fileUrl = `${url}/${candidateFile(variant)}`;
    const where = redactUrl(fileUrl);
    this.emit({ kind: "fetch", url: where, bytes: outcome.body.length });
    const source = { channel: channel.baseUrl, subdir, url };
    const now = Date.now();
    const base = {
      version: 1 as const,
      url: redactUrl(url),
      variant,
      probedAt,
      etag: outcome.etag,
      lastModified: outcome.lastModified,
      maxAgeSeconds: outcome.maxAgeSeconds,
      fetchedAt: now,
    };
    if (variant === "shards") {
      const index = decodeShardIndex(outcome.body, where);
      await writeAtomic(entry.shardIndexPath, outcome.body);
      await entry.writeState({ ...base, size: outcome.body.length, sha256: sha256Hex(outcome.body) });
      return new GatewaySubdirIndex(channel, subdir, new ShardedSubdirIndex(index, source, this.shardLoader()));
    }
    const json = await decodeVariant(variant, outcome.body, where);
    const store = storeFromJson(json, where);
    this.emit({ kind: "parse", url: where, bytes: json.length });
    // A .zst body is kept compressed (see fromCache): size of the JSON, sha256 of the file kept.
    const kept = variant === "zst" ? outcome.body : json;
    const stamp = { size: json.length, sha256: sha256Hex(kept) };
    // Body before state before index: a reader that sees the new state finds the matching body.
    await writeAtomic(variant === "zst" ? entry.zstPath : entry.jsonPath, kept);
    await entry.writeState({ ...base, ...stamp });
    await this.writeOffsets(entry, store, stamp);
    return new GatewaySubdirIndex(channel, subdir, new LazySubdirIndex(store, source), undefined);
  }

  /** Loads shards by hash: from the content-addressed cache, else fetched and verified. */
  private shardLoader(): (sha256: string, url: string) => Promise<Uint8Array> {
    return (sha256, url) =>
      this.limit(async () => {
        const where = redactUrl(url);
        const path = shardPath(this.cacheDir, sha256);
        const cached = await readIfExists(path);
        if (cached !== undefined && sha256Hex(cached) === sha256) {
          this.emit({ kind: "cache-hit", url: where });
          return cached;
        }
        if (this.options.offline === true) throw this.offlineError(where);
        const outcome = await fetchResource(url, {}, this.transport);
        if (outcome.status !== "ok") {
          throw new RepodataError("CG_REPODATA_NOT_FOUND", `The shard ${where} listed in the shard index was not found.`, {
            hint: "The channel's shard index may be stale; try again later or clear the cache folder.",
            input: where,
            url: where,
          });
        }
        this.emit({ kind: "fetch", url: where, bytes: outcome.body.length });
        if (sha256Hex(outcome.body) !== sha256) {
          throw new RepodataError("CG_REPODATA_CORRUPT", `The shard ${where} does not match its sha256 in the shard index.`, {
            hint: "The download was damaged or the channel is inconsistent; try again, and report it to the channel if it persists.",
            input: where,
            url: where,
          });
        }
        await writeAtomic(path, outcome.body);
        return outcome.body;
      });
  }
}

function readIfExistsSync(path: string): Buffer | undefined {
  try {
    return readFileSync(path);
  } catch {
    return undefined;
  }
}

async function exists(path: string): Promise<boolean> {
  return existsSync(path);
}
