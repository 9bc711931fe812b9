import { constants } from "node:fs";
import { access, appendFile, mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import lockfile from "proper-lockfile";
import { redactUrl } from "../conda/index.js";
import { downloadFile } from "./download.js";
import { PackageError, isPackageError } from "./errors.js";
import { distName, extractPackage, packageFormat, type ExtractSummary } from "./extract.js";
import { hashFile } from "./hash.js";
import type { ExtractLimits } from "./limits.js";
import { readRepodataRecord } from "./repodata_record.js";
import { pathExists } from "./path_exists.js";

/** One package to bring into the cache, as a lock or repodata names it. */
export interface CachePackageRequest {
  url: string;
  /** Archive file name; taken from the URL when absent. */
  fn?: string;
  sha256?: string;
  md5?: string;
  size?: number;
  /** Written to info/repodata_record.json (with url, fn, sha256, md5 and size filled in). */
  record?: Record<string, unknown>;
}

/** A package ready to link: its extracted folder and the verified archive digests. */
export interface CachedPackage {
  extractedDir: string;
  archivePath: string;
  sha256: string;
  md5: string;
  size: number;
  /** True when nothing had to be downloaded or extracted. */
  fromCache: boolean;
}

/** What the cache is doing for one package, for progress bars. */
export type CacheProgress =
  | { type: "waiting-for-lock"; fn: string }
  | { type: "cached"; fn: string }
  | { type: "download-start"; fn: string; total: number | undefined }
  | { type: "download-progress"; fn: string; done: number; total: number | undefined }
  | { type: "download-done"; fn: string; bytes: number }
  | { type: "extract-start"; fn: string }
  | { type: "extract-done"; fn: string; summary: ExtractSummary };

export interface PackageCacheOptions {
  /** Package cache folders in order (conda's pkgs_dirs); the first writable one receives new packages. */
  dirs: string[];
  retries?: number;
  timeoutMs?: number;
  fetchImpl?: typeof fetch;
  limits?: Partial<ExtractLimits>;
  /** How long to wait for another process holding a package's lock. Default 10 minutes. */
  lockWaitMs?: number;
}

export interface EnsureOptions {
  allowUnverified?: boolean;
  onProgress?: (event: CacheProgress) => void;
  signal?: AbortSignal;
}

/** A lock not refreshed for this long belongs to a dead process and is taken over. */
const LOCK_STALE_MS = 15_000;

/** The archive's file name, checked to be a plain conda package name. */
function fileNameOf(pkg: CachePackageRequest): string {
  let fn = pkg.fn;
  if (fn === undefined) {
    const path = pkg.url.startsWith("file:") || /^[a-z][a-z0-9+.-]*:\/\//i.test(pkg.url) ? new URL(pkg.url).pathname : pkg.url;
    fn = decodeURIComponent(path.slice(path.lastIndexOf("/") + 1));
  }
  if (fn === "" || fn.includes("/") || fn.includes("\\") || fn.startsWith(".") || packageFormat(fn) === undefined) {
    throw new PackageError("CG_PACKAGE_DOWNLOAD", `${redactUrl(pkg.url)} does not name a .conda or .tar.bz2 package file (got ${JSON.stringify(fn)}).`, {
      input: redactUrl(pkg.url),
      hint: "Give the package's file name (fn) or a URL ending in the archive name.",
    });
  }
  return fn;
}

function sameDigest(a: unknown, b: string | undefined): boolean {
  return typeof a === "string" && b !== undefined && a.toLowerCase() === b.toLowerCase();
}


/**
 * conda's package cache: archives at `<dir>/<fn>`, extracted packages at
 * `<dir>/<dist>/` with `info/repodata_record.json`, URLs appended to
 * `<dir>/urls.txt`. Every package is verified by sha256 before anything is
 * extracted, and a cached copy is reused only when its recorded sha256 is the
 * requested one. A lock per package (`<dir>/<fn>.lock`) makes concurrent
 * processes do the work once.
 */
export class PackageCache {
  private readonly options: PackageCacheOptions;
  private writable: Promise<string> | undefined;

  constructor(options: PackageCacheOptions) {
    if (options.dirs.length === 0) throw new TypeError("PackageCache needs at least one folder");
    this.options = options;
  }

  /** The first folder of `dirs` that exists or can be made, and can be written. */
  writableDir(): Promise<string> {
    this.writable ??= (async () => {
      for (const dir of this.options.dirs) {
        try {
          await mkdir(dir, { recursive: true });
          await access(dir, constants.W_OK);
          return dir;
        } catch {
          // Try the next one, as conda does with read-only shared caches.
        }
      }
      throw new PackageError("CG_PACKAGE_CACHE_UNWRITABLE", `None of the package cache folders can be written: ${this.options.dirs.join(", ")}.`, {
        input: this.options.dirs.join(", "),
      });
    })();
    this.writable.catch(() => {
      this.writable = undefined;
    });
    return this.writable;
  }

  /** Brings one package into the cache (download, verify, extract) unless a verified copy is there. */
  async ensure(pkg: CachePackageRequest, options: EnsureOptions = {}): Promise<CachedPackage> {
    const fn = fileNameOf(pkg);
    const where = redactUrl(pkg.url);
    if (pkg.sha256 === undefined && options.allowUnverified !== true) {
      throw new PackageError("CG_PACKAGE_UNVERIFIED", `${fn} (${where}) has no sha256, so it cannot be verified.`, { input: where, archive: where });
    }
    // A verified copy in any cache folder (read-only shared ones included) needs no lock.
    for (const dir of this.options.dirs) {
      const hit = await this.reusable(dir, fn, pkg);
      if (hit !== undefined) {
        options.onProgress?.({ type: "cached", fn });
        return hit;
      }
    }
    const dir = await this.writableDir();
    const release = await this.lock(dir, fn, options);
    try {
      const hit = await this.reusable(dir, fn, pkg);
      if (hit !== undefined) {
        options.onProgress?.({ type: "cached", fn });
        return hit;
      }
      return await this.fetchAndExtract(dir, fn, pkg, options);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === "ENOSPC" || code === "EDQUOT") {
        throw new PackageError("CG_PACKAGE_NO_SPACE", `No space left in the package cache ${dir} while fetching ${fn}.`, { input: where, archive: where, cause: err });
      }
      throw err;
    } finally {
      // A lock that was taken over as stale can no longer be released; the work is done either way.
      await release().catch(() => undefined);
    }
  }

  /** ensure() for many packages, `concurrency` at a time (default 4), in the order given; stops at the first failure. */
  async ensureAll(pkgs: CachePackageRequest[], options: EnsureOptions & { concurrency?: number } = {}): Promise<CachedPackage[]> {
    const results: CachedPackage[] = new Array<CachedPackage>(pkgs.length);
    const stop = new AbortController();
    const signal = options.signal === undefined ? stop.signal : AbortSignal.any([stop.signal, options.signal]);
    let next = 0;
    let failure: unknown;
    const worker = async (): Promise<void> => {
      while (failure === undefined && next < pkgs.length) {
        const i = next++;
        try {
          results[i] = await this.ensure(pkgs[i], { ...options, signal });
        } catch (err) {
          if (failure === undefined) {
            failure = err;
            stop.abort(err);
          }
        }
      }
    };
    const workers = Math.max(1, Math.min(options.concurrency ?? 4, pkgs.length));
    await Promise.all(Array.from({ length: workers }, worker));
    if (failure !== undefined) throw failure;
    return results;
  }

  /** The cached package in `dir` when its record names the requested archive; undefined otherwise. */
  private async reusable(dir: string, fn: string, pkg: CachePackageRequest): Promise<CachedPackage | undefined> {
    const extractedDir = join(dir, distName(fn));
    let record: Record<string, unknown> | undefined;
    try {
      record = await readRepodataRecord(extractedDir);
    } catch {
      return undefined;
    }
    if (record === undefined || !(await pathExists(join(extractedDir, "info", "index.json")))) return undefined;
    if (pkg.sha256 !== undefined) {
      if (!sameDigest(record.sha256, pkg.sha256)) return undefined;
    } else if (pkg.md5 !== undefined) {
      if (!sameDigest(record.md5, pkg.md5)) return undefined;
    } else if (record.url !== pkg.url) {
      return undefined;
    }
    if (pkg.md5 !== undefined && typeof record.md5 === "string" && !sameDigest(record.md5, pkg.md5)) return undefined;
    return {
      extractedDir,
      archivePath: join(dir, fn),
      sha256: String(record.sha256),
      md5: typeof record.md5 === "string" ? record.md5 : "",
      size: typeof record.size === "number" ? record.size : 0,
      fromCache: true,
    };
  }

  private async lock(dir: string, fn: string, options: EnsureOptions): Promise<() => Promise<void>> {
    const target = join(dir, fn);
    const waitMs = this.options.lockWaitMs ?? 600_000;
    let told = false;
    const started = Date.now();
    for (;;) {
      try {
        return await lockfile.lock(target, {
          realpath: false,
          stale: LOCK_STALE_MS,
          update: LOCK_STALE_MS / 3,
          retries: 0,
          lockfilePath: `${target}.lock`,
          // Losing the lock (clock jump, removed lock folder) must not crash the process; the
          // work under it is still verified and renamed into place atomically.
          onCompromised: () => undefined,
        });
      } catch (err) {
        if ((err as { code?: string }).code !== "ELOCKED") throw err;
      }
      if (!told) {
        options.onProgress?.({ type: "waiting-for-lock", fn });
        told = true;
      }
      if (Date.now() - started > waitMs) {
        throw new PackageError("CG_PACKAGE_CACHE_LOCKED", `Another process has held the cache lock of ${fn} in ${dir} for more than ${Math.round(waitMs / 1000)} s.`, {
          input: fn,
          file: `${target}.lock`,
        });
      }
      if (options.signal?.aborted === true) {
        throw new PackageError("CG_PACKAGE_ABORTED", `Waiting for the cache lock of ${fn} was cancelled.`, { input: fn });
      }
      await new Promise((done) => setTimeout(done, 100 + Math.random() * 150));
    }
  }

  /** Under the lock: a verified archive (existing or downloaded), extracted, recorded. */
  private async fetchAndExtract(dir: string, fn: string, pkg: CachePackageRequest, options: EnsureOptions): Promise<CachedPackage> {
    const archivePath = join(dir, fn);
    const extractedDir = join(dir, distName(fn));
    const expected = { sha256: pkg.sha256, md5: pkg.md5, size: pkg.size };
    let digest: { sha256: string; md5: string; size: number } | undefined;
    if (await pathExists(archivePath)) {
      const have = await hashFile(archivePath);
      const matches =
        (expected.sha256 === undefined || sameDigest(have.sha256, expected.sha256)) &&
        (expected.md5 === undefined || sameDigest(have.md5, expected.md5)) &&
        (expected.size === undefined || have.size === expected.size) &&
        (expected.sha256 !== undefined || expected.md5 !== undefined);
      // Another file of the same name (a rebuilt package, another channel) is never used.
      if (matches) digest = have;
      else await rm(archivePath, { force: true });
    }
    if (digest === undefined) {
      options.onProgress?.({ type: "download-start", fn, total: pkg.size });
      const got = await downloadFile(pkg.url, archivePath, {
        expectedSha256: pkg.sha256,
        expectedMd5: pkg.md5,
        expectedSize: pkg.size,
        retries: this.options.retries,
        timeoutMs: this.options.timeoutMs,
        fetchImpl: this.options.fetchImpl,
        signal: options.signal,
        onProgress: (done, total) => options.onProgress?.({ type: "download-progress", fn, done, total }),
      });
      digest = { sha256: got.sha256, md5: got.md5, size: got.bytes };
      options.onProgress?.({ type: "download-done", fn, bytes: got.bytes });
      await appendFile(join(dir, "urls.txt"), `${pkg.url}\n`);
    }
    options.onProgress?.({ type: "extract-start", fn });
    const record = { ...(pkg.record ?? {}), fn, url: pkg.url, sha256: digest.sha256, md5: digest.md5, size: digest.size };
    let summary: ExtractSummary;
    try {
      summary = await extractPackage(archivePath, extractedDir, {
        limits: this.options.limits,
        signal: options.signal,
        // The record goes in before the folder takes its name, so a folder without it is never visible.
        // A record shipped inside the archive is replaced, never written through.
        beforeCommit: async (tmp) => {
          const file = join(tmp, "info", "repodata_record.json");
          await rm(file, { force: true });
          await writeFile(file, JSON.stringify(record, null, 2) + "\n", { flag: "wx" });
        },
      });
    } catch (err) {
      // An archive that verified but does not extract is still bad; do not keep it for the next run.
      if (isPackageError(err) && err.code !== "CG_PACKAGE_ABORTED") await rm(archivePath, { force: true });
      throw err;
    }
    options.onProgress?.({ type: "extract-done", fn, summary });
    return { extractedDir, archivePath, sha256: digest.sha256, md5: digest.md5, size: digest.size, fromCache: false };
  }
}
