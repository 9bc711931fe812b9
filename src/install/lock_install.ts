import { existsSync } from "node:fs";
import { PackageCache, PackageError, type CacheProgress, type CachePackageRequest } from "../package/index.js";
import { toInstallRecord, unverifiedPackages, type LockedPackage } from "../lock/index.js";
import { redactUrl } from "../conda/index.js";
import { planTransaction, sameBuild } from "./plan.js";
import { readPrefix } from "./prefix_records.js";
import { recoverPrefix } from "./recover.js";
import { executeTransaction } from "./transaction.js";
import type { InstallOptions, InstallRecord, LinkRequest, PrefixRecord, TransactionPlan, TransactionResult } from "./types.js";

/** How records are brought into a prefix (downloads, verification, linking). */
export interface RecordInstallOptions extends InstallOptions {
  /** Package cache folders (`pkgs_dirs`), first writable one used. */
  pkgsDirs: readonly string[];
  /** Install conda packages without a sha256 (md5 is still checked when present). */
  allowUnverified?: boolean;
  /** Compute and return the change; download and change nothing. */
  dryRun?: boolean;
  /** Parallel downloads (default 4). */
  concurrency?: number;
  /** `requested_spec` per package name (the specs the user named). */
  requestedSpecs?: ReadonlyMap<string, string>;
  onFetch?: (event: CacheProgress) => void;
  fetchImpl?: typeof fetch;
  signal?: AbortSignal;
}

export interface LockInstallOptions extends RecordInstallOptions {
  /** The packages of one platform of a lock (conda and pip entries). */
  packages: readonly LockedPackage[];
}

/** A plan in package terms, for printing before it is carried out. */
export interface PlannedChange {
  unlink: InstallRecord[];
  link: InstallRecord[];
  unchanged: InstallRecord[];
}

export interface LockInstallOutcome {
  prefix: string;
  change: PlannedChange;
  /** Absent for a dry run. */
  result?: TransactionResult;
  /** What was recovered from an interrupted earlier transaction, if anything. */
  recovered?: string[];
  warnings: string[];
  /** Packages that came from the package cache without a download. */
  cached: number;
  downloaded: number;
}

function cacheRequest(record: InstallRecord): CachePackageRequest {
  const request: CachePackageRequest = { url: record.url as string, record: { ...record } };
  if (record.fn !== undefined) request.fn = record.fn;
  if (record.sha256 !== undefined) request.sha256 = record.sha256;
  if (record.md5 !== undefined) request.md5 = record.md5;
  if (record.size !== undefined) request.size = record.size;
  return request;
}

/** The change that turns `installed` into `wanted`, before anything is downloaded. */
export function changeFor(installed: readonly PrefixRecord[], wanted: readonly InstallRecord[]): PlannedChange {
  const byName = new Map(wanted.map((r) => [r.name, r]));
  const unchanged: InstallRecord[] = [];
  const unlink: InstallRecord[] = [];
  const kept = new Set<string>();
  for (const record of installed) {
    const want = byName.get(record.name);
    if (want !== undefined && sameBuild(record, want)) {
      unchanged.push(record);
      kept.add(record.name);
    } else unlink.push(record);
  }
  return { unlink, link: wanted.filter((r) => !kept.has(r.name)), unchanged };
}

/**
 * Makes `prefix` hold exactly the conda packages of `packages` (one platform
 * of a lock): recovers an interrupted earlier transaction, refuses
 * unverifiable entries, downloads and verifies what is not cached, then
 * links in one transaction (a new prefix appears by one rename; an existing
 * one is changed under a journal). Nothing is solved.
 */
export async function installLockedPackages(prefix: string, options: LockInstallOptions): Promise<LockInstallOutcome> {
  const warnings: string[] = [];
  const conda = options.packages.filter((p) => p.manager === "conda");
  const pip = options.packages.filter((p) => p.manager === "pip");
  if (pip.length > 0) {
    warnings.push(
      `${pip.length} pip package(s) in the lock were not installed (${pip.map((p) => `${p.name}==${p.version}`).join(", ")}): installing pip entries is not supported yet.`,
    );
  }
  const unverified = unverifiedPackages(conda);
  if (unverified.length > 0 && options.allowUnverified !== true) {
    throw new PackageError(
      "CG_PACKAGE_UNVERIFIED",
      `${unverified.length} package(s) in the lock have no sha256, so their downloads cannot be verified: ${unverified
        .map((p) => `${p.name}-${p.version}-${p.build ?? ""} (${redactUrl(p.url)})`)
        .join(", ")}.`,
      { hint: "Re-lock so every entry carries a sha256, or pass --allow-unverified to accept md5-only entries." },
    );
  }
  if (unverified.length > 0) warnings.push(`${unverified.length} package(s) installed without a sha256 check (--allow-unverified).`);
  const seen = new Map<string, LockedPackage>();
  for (const p of conda) {
    const other = seen.get(p.name);
    if (other !== undefined && other.url !== p.url) {
      throw new PackageError("CG_PACKAGE_METADATA", `The lock lists ${p.name} twice for one platform (${redactUrl(other.url)} and ${redactUrl(p.url)}).`, {
        hint: "Install one category at a time, or re-lock the environment.",
      });
    }
    seen.set(p.name, p);
  }
  const wanted = [...seen.values()].map((p) => toInstallRecord(p) as InstallRecord);
  const outcome = await installRecordsIntoPrefix(prefix, wanted, options);
  outcome.warnings.unshift(...warnings);
  return outcome;
}

/**
 * Makes `prefix` hold exactly `wanted`: recovers an interrupted earlier
 * transaction, downloads and verifies what the package cache lacks, and
 * links in one transaction. Records must carry `url` (and `sha256` unless
 * unverified installs are allowed).
 */
export async function installRecordsIntoPrefix(prefix: string, wanted: readonly InstallRecord[], options: RecordInstallOptions): Promise<LockInstallOutcome> {
  const warnings: string[] = [];

  let recovered: string[] | undefined;
  let installed: PrefixRecord[] = [];
  if (existsSync(prefix)) {
    if (options.dryRun !== true) {
      const recovery = await recoverPrefix(prefix);
      if (recovery !== undefined) recovered = recovery.details;
    }
    installed = await readPrefix(prefix);
  }
  const change = changeFor(installed, wanted);
  if (options.dryRun === true) return { prefix, change, warnings, cached: 0, downloaded: 0, ...(recovered ? { recovered } : {}) };

  const cache = new PackageCache({ dirs: [...options.pkgsDirs], ...(options.fetchImpl ? { fetchImpl: options.fetchImpl } : {}) });
  const fetched = await cache.ensureAll(change.link.map(cacheRequest), {
    concurrency: options.concurrency ?? 4,
    allowUnverified: options.allowUnverified === true,
    ...(options.onFetch ? { onProgress: options.onFetch } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  const extracted = new Map<string, { extractedDir: string; archivePath: string }>();
  change.link.forEach((r, i) => {
    const hit = fetched[i];
    if (hit !== undefined) extracted.set(r.name, hit);
  });
  const desired: LinkRequest[] = wanted.map((record) => {
    const hit = extracted.get(record.name);
    const request: LinkRequest = { record, extractedDir: hit?.extractedDir ?? "" };
    if (hit !== undefined) request.archivePath = hit.archivePath;
    const spec = options.requestedSpecs?.get(record.name);
    if (spec !== undefined) request.requestedSpec = spec;
    return request;
  });
  const plan: TransactionPlan = planTransaction(installed, desired);
  const result = await executeTransaction(prefix, plan, options);
  warnings.push(...result.warnings);
  return {
    prefix,
    change,
    result,
    warnings,
    cached: fetched.filter((f) => f.fromCache).length,
    downloaded: fetched.filter((f) => !f.fromCache).length,
    ...(recovered ? { recovered } : {}),
  };
}
