import { createHash, randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";

/**
 * Where fetched repodata is kept: `$CONDAGUARD_CACHE_DIR`, else
 * `$XDG_CACHE_HOME/condaguard/repodata`, else `~/.cache/condaguard/repodata`.
 */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const explicit = env.CONDAGUARD_CACHE_DIR;
  if (explicit !== undefined && explicit !== "") return explicit;
  const xdg = env.XDG_CACHE_HOME;
  const root = xdg !== undefined && xdg !== "" ? xdg : join(env.HOME ?? homedir(), ".cache");
  return join(root, "condaguard", "repodata");
}

/**
 * File-name key of a URL. The full URL (credentials included) is hashed so two
 * tokens for one channel never share a cache entry; only 16 hex digits are
 * kept, which names a file without making the secret recoverable.
 */
export function cacheKey(url: string): string {
  return createHash("sha256").update(url).digest("hex").slice(0, 16);
}

/** What the subdir's cache entry holds and how fresh it is. Never contains credentials. */
export interface SubdirState {
  version: 1;
  /** Redacted subdir URL, for people reading the cache folder. */
  url: string;
  /**
   * Which file the channel serves for this subdir: a repodata variant, the
   * CEP 16 shard index, or none (every candidate answered 404).
   */
  variant: "shards" | "zst" | "bz2" | "json" | "missing";
  /** When the variants were last probed (ms); re-probed after PROBE_TTL_MS. */
  probedAt: number;
  etag?: string;
  lastModified?: string;
  /** Server's Cache-Control max-age; undefined means revalidate every time. */
  maxAgeSeconds?: number;
  /** Last time the server confirmed or delivered the body (ms). */
  fetchedAt: number;
  /**
   * Size of the repodata JSON (for `shards`: of the shard index) and sha256
   * of the file the cache keeps: the JSON, or for `zst` the compressed body
   * as downloaded, or the compressed shard index.
   */
  size: number;
  sha256: string;
}

/** Variants are probed again after a week, so a channel that starts serving .zst or shards is noticed. */
export const PROBE_TTL_MS = 7 * 24 * 3600 * 1000;

/**
 * Writes a file so readers see the old or the new content, never a mix:
 * a uniquely named temp file in the same folder, then rename. Safe when two
 * processes write the same entry; the last rename wins and both are whole.
 *
 * The work is done with synchronous calls: a cache entry is a few files
 * written once per download, and each asynchronous call is a thread-pool
 * round trip (mkdir, open, write, close, rename: five per file), which on a
 * busy machine cost more than the writes themselves. Still async in its
 * signature so callers need not care.
 */
export async function writeAtomic(path: string, data: Uint8Array | string): Promise<void> {
  mkdirSync(dirname(path), { recursive: true });
  const temp = `${path}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`;
  try {
    writeFileSync(temp, data);
    renameSync(temp, path);
  } catch (err) {
    rmSync(temp, { force: true });
    throw err;
  }
}

/** Reads a file, or undefined when it does not exist or cannot be read. Synchronous inside, for the reason given at writeAtomic. */
export async function readIfExists(path: string): Promise<Buffer | undefined> {
  try {
    return readFileSync(path);
  } catch {
    return undefined;
  }
}

function isState(value: unknown): value is SubdirState {
  const v = value as Partial<SubdirState> | null;
  return (
    typeof v === "object" &&
    v !== null &&
    v.version === 1 &&
    typeof v.variant === "string" &&
    typeof v.fetchedAt === "number" &&
    typeof v.probedAt === "number" &&
    typeof v.size === "number" &&
    typeof v.sha256 === "string"
  );
}

/** The files of one subdir's cache entry. */
export class CacheEntry {
  readonly statePath: string;
  readonly jsonPath: string;
  /** The body of a `zst` subdir, kept compressed. */
  readonly zstPath: string;
  /** Offsets index: names and record byte ranges into the cached JSON (scanned_store.ts). */
  readonly indexPath: string;
  readonly shardIndexPath: string;

  constructor(
    readonly dir: string,
    readonly key: string,
  ) {
    this.statePath = join(dir, `${key}.state.json`);
    this.jsonPath = join(dir, `${key}.json`);
    this.zstPath = join(dir, `${key}.json.zst`);
    this.indexPath = join(dir, `${key}.idx`);
    this.shardIndexPath = join(dir, `${key}.shards.msgpack.zst`);
  }

  /** The state, or undefined when absent or unreadable (a broken state just means "not cached"). */
  async readState(): Promise<SubdirState | undefined> {
    const raw = await readIfExists(this.statePath);
    if (raw === undefined) return undefined;
    try {
      const parsed: unknown = JSON.parse(raw.toString("utf8"));
      return isState(parsed) ? parsed : undefined;
    } catch {
      return undefined;
    }
  }

  writeState(state: SubdirState): Promise<void> {
    return writeAtomic(this.statePath, `${JSON.stringify(state, null, 2)}\n`);
  }

  bodyPath(variant: SubdirState["variant"]): string {
    return variant === "shards" ? this.shardIndexPath : variant === "zst" ? this.zstPath : this.jsonPath;
  }
}

/** Content-addressed shard file: the name is the sha256 of its bytes, so it never needs revalidation. */
export function shardPath(cacheDir: string, sha256: string): string {
  return join(cacheDir, "shards", `${sha256}.msgpack.zst`);
}
