import { decode } from "@msgpack/msgpack";
import { recordFromRepodata, redactUrl, type PackageRecord } from "../conda/index.js";
import { decompressZstd } from "./decompress.js";
import { RepodataError } from "./errors.js";
import { downloadBaseUrl, type RawEntry } from "./lazy_index.js";

/** File name of the CEP 16 shard index inside a subdir. */
export const SHARD_INDEX_FILE = "repodata_shards.msgpack.zst";

/** The decoded CEP 16 index: `info` and, per package name, the sha256 (hex) of its shard. */
export interface ShardIndex {
  readonly info: Readonly<Record<string, unknown>>;
  readonly shards: ReadonlyMap<string, string>;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex");
}

function corruptShard(what: string, where: string, cause?: unknown): RepodataError {
  return new RepodataError("CG_REPODATA_CORRUPT", `The ${what} at ${where} is not valid sharded repodata (CEP 16).`, {
    hint: "Delete the cached copy and fetch again; if it persists, the channel serves a broken shard.",
    input: where,
    url: where,
    cause,
  });
}

function decodeMsgpackZst(bytes: Uint8Array, what: string, where: string): unknown {
  const raw = decompressZstd(bytes, where);
  try {
    return decode(raw);
  } catch (err) {
    throw corruptShard(what, where, err);
  }
}

/** Decodes `repodata_shards.msgpack.zst` (zstd-compressed msgpack). */
export function decodeShardIndex(bytes: Uint8Array, where: string): ShardIndex {
  const doc = decodeMsgpackZst(bytes, "shard index", where);
  if (!isObject(doc) || !isObject(doc.shards)) throw corruptShard("shard index", where);
  const shards = new Map<string, string>();
  for (const [name, hash] of Object.entries(doc.shards)) {
    if (hash instanceof Uint8Array && hash.length === 32) shards.set(name, hex(hash));
    else if (typeof hash === "string" && /^[0-9a-f]{64}$/i.test(hash)) shards.set(name, hash.toLowerCase());
    else throw corruptShard("shard index", where);
  }
  return { info: isObject(doc.info) ? doc.info : {}, shards };
}

/** Shards may carry md5/sha256 as raw bytes; records everywhere else use hex strings. */
function normaliseRaw(raw: Record<string, unknown>): Record<string, unknown> {
  let out = raw;
  for (const key of ["md5", "sha256", "legacy_bz2_md5"]) {
    const v = raw[key];
    if (v instanceof Uint8Array) {
      if (out === raw) out = { ...raw };
      out[key] = hex(v);
    }
  }
  return out;
}

/** Decodes one shard into raw entries (`packages` first, then `packages.conda`). */
export function decodeShard(bytes: Uint8Array, where: string): RawEntry[] {
  const doc = decodeMsgpackZst(bytes, "shard", where);
  if (!isObject(doc)) throw corruptShard("shard", where);
  const out: RawEntry[] = [];
  for (const key of ["packages", "packages.conda"]) {
    const section = doc[key];
    if (section === undefined || section === null) continue;
    if (!isObject(section)) throw corruptShard("shard", where);
    for (const [fn, raw] of Object.entries(section)) {
      if (isObject(raw) && typeof raw.name === "string") out.push([fn, normaliseRaw(raw)]);
    }
  }
  return out;
}

/** URL of one shard: `shards_base_url` (relative to the subdir, CEP 16) + `<sha256>.msgpack.zst`. */
export function shardUrl(subdirUrl: string, info: Readonly<Record<string, unknown>>, sha256: string): string {
  const subdirBase = `${subdirUrl.replace(/\/+$/, "")}/`;
  const configured = typeof info.shards_base_url === "string" ? info.shards_base_url : "";
  let base = subdirBase;
  if (configured !== "") {
    try {
      base = new URL(configured, subdirBase).href;
    } catch {
      base = configured; // a plain local path
    }
    if (!base.endsWith("/")) base += "/";
  }
  return `${base}${sha256}.msgpack.zst`;
}

/** Loads the bytes of a shard by hash (from cache or network), verified against the hash. */
export type ShardLoader = (sha256: string, url: string) => Promise<Uint8Array>;

/**
 * A subdir served as shards: names come from the index; a name's shard is
 * fetched the first time its records are asked for, then kept in memory.
 */
export class ShardedSubdirIndex {
  readonly downloadBaseUrl: string;
  private readonly memo = new Map<string, Promise<PackageRecord[]>>();

  constructor(
    readonly index: ShardIndex,
    readonly source: { channel: string; subdir: string; url: string },
    private readonly load: ShardLoader,
  ) {
    this.downloadBaseUrl = downloadBaseUrl(source.url, index.info);
  }

  names(): string[] {
    return [...this.index.shards.keys()];
  }

  has(name: string): boolean {
    return this.index.shards.has(name);
  }

  records(name: string): Promise<PackageRecord[]> {
    const hit = this.memo.get(name);
    if (hit !== undefined) return hit;
    const hash = this.index.shards.get(name);
    if (hash === undefined) return Promise.resolve([]);
    const url = shardUrl(this.source.url, this.index.info, hash);
    const pending = this.load(hash, url).then((bytes) => {
      const record = { channel: this.source.channel, subdir: this.source.subdir, downloadBaseUrl: this.downloadBaseUrl };
      return decodeShard(bytes, redactUrl(url)).map(([fn, raw]) => recordFromRepodata(fn, raw, record));
    });
    // A failed load is not remembered, so a later call can retry.
    pending.catch(() => this.memo.delete(name));
    this.memo.set(name, pending);
    return pending;
  }
}
