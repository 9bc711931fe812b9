import { dirname } from "node:path";
import { MatchSpec, detectVirtualPackages, isCondaguardError, type Channel, type PackageRecord, type VirtualPackage } from "../conda/index.js";
import { resolveChannels, specForPlatform, type ChannelPriority, type CondaConfig, type EnvironmentSpec } from "../env/index.js";
import type { RepodataGateway } from "../repodata/index.js";
import { loadSolveRecords, solveConda } from "../solver/index.js";
import { CONDA_LOCK_DEFAULT_VIRTUAL_PACKAGES, computeContentHashes, type CondaLockVirtualPackages } from "./content_hash.js";
import { LockError } from "./errors.js";
import { lockedFromRecord } from "./from_records.js";
import { lockChannel } from "./lock_channels.js";
import { compareLockedPackages, type LockedPackage, type Lockfile } from "./model.js";

/** Progress of `lockEnvironment`, one event per stage and platform. */
export type LockProgressEvent =
  | { stage: "load"; platform: string }
  | { stage: "solve"; platform: string; candidates: number }
  | { stage: "done"; platform: string; packages: number };

export interface LockEnvironmentOptions {
  /** The environment file(s) content; several files are merged by the caller (`mergeEnvironmentSpecs`) or passed as a list. */
  spec: EnvironmentSpec | readonly EnvironmentSpec[];
  /** Subdirs to lock for, e.g. `["linux-64", "osx-arm64", "win-64"]`. */
  platforms: readonly string[];
  gateway: RepodataGateway;
  config: CondaConfig;
  /** Virtual packages per target platform; replaces the defaults of that platform entirely. */
  virtualPackages?: Readonly<Record<string, readonly VirtualPackage[]>>;
  channelPriority?: ChannelPriority;
  /** Where `CONDA_OVERRIDE_*` are read for the default virtual packages. */
  env: NodeJS.ProcessEnv;
  /** The source paths to record in the lock (relative to the lock's folder); defaults to each spec's `file`. */
  sources?: readonly string[];
  timeoutMs?: number;
  onProgress?: (event: LockProgressEvent) => void;
}

/** A lock plus what the caller should tell the user about it. */
export interface LockOutcome extends Lockfile {
  /** One sentence each: pip requirements left unlocked, packages without sha256. */
  warnings: string[];
}

function mergedForSolve(specs: readonly EnvironmentSpec[]): { dependencies: string[]; categories: string[]; pip: string[] } {
  const dependencies: string[] = [];
  const categories: string[] = [];
  const pip: string[] = [];
  for (const spec of specs) {
    spec.dependencies.forEach((d, i) => {
      dependencies.push(d);
      categories.push(spec.specLocations?.[i]?.category ?? spec.category ?? "main");
    });
    pip.push(...spec.pip);
  }
  return { dependencies, categories, pip };
}

/** Channels named by `channel::name` specs that are not already in effect are searched too, after the others. */
function withSpecChannels(channels: Channel[], specs: readonly string[], config: CondaConfig): Channel[] {
  const out = [...channels];
  for (const text of specs) {
    const channel = MatchSpec.parse(text).channel;
    if (channel === undefined) continue;
    const [resolved] = resolveChannels([channel], config, { includeConfigChannels: false });
    if (resolved !== undefined && !out.some((c) => c.baseUrl === resolved.baseUrl)) out.push(resolved);
  }
  return out;
}

/**
 * conda-lock's categories: a package is `main` when a main spec reaches it
 * through `depends`, else the category of the first spec that reaches it.
 */
function categoriesOf(records: readonly PackageRecord[], roots: ReadonlyArray<{ name: string; category: string }>): Map<string, string> {
  const byName = new Map(records.map((r) => [r.name, r]));
  const out = new Map<string, string>();
  const ordered = [...roots].sort((a, b) => (a.category === "main" ? 0 : 1) - (b.category === "main" ? 0 : 1));
  for (const root of ordered) {
    const stack = [root.name];
    while (stack.length > 0) {
      const name = stack.pop() as string;
      if (out.has(name) || !byName.has(name)) continue;
      out.set(name, root.category);
      for (const dep of byName.get(name)?.depends ?? []) stack.push(dep.split(/[\s=<>!~[]/)[0] ?? dep);
    }
  }
  return out;
}

/** conda-lock's virtual-packages spec form of explicit overrides, so the content hash says which were used. */
function hashVirtualPackages(overrides: Readonly<Record<string, readonly VirtualPackage[]>>): CondaLockVirtualPackages {
  // Platforms without an override keep conda-lock's defaults.
  const out: CondaLockVirtualPackages = { ...CONDA_LOCK_DEFAULT_VIRTUAL_PACKAGES };
  for (const [subdir, list] of Object.entries(overrides)) {
    out[subdir] = Object.fromEntries(list.map((v) => [v.name, v.build === "0" ? v.version : `${v.version} ${v.build}`]));
  }
  return out;
}

/**
 * Solves the environment once per target platform, from this machine, and
 * returns the lock: every package with its URL, md5 and sha256 as the
 * channel lists them. Each platform sees only its own subdir + noarch and
 * the virtual packages of that target (conda's defaults for a foreign
 * platform; `virtualPackages` overrides them).
 *
 * The `pip:` section is not resolved (that needs PyPI): its lines are kept
 * in `pipRequirements` and a warning says so. Records without sha256 are
 * locked and listed in a warning; the installer refuses them by default.
 * Channel credentials are stored as `${VAR}` references, never in clear.
 */
export async function lockEnvironment(options: LockEnvironmentOptions): Promise<LockOutcome> {
  const files = Array.isArray(options.spec) ? [...(options.spec as readonly EnvironmentSpec[])] : [options.spec as EnvironmentSpec];
  const first = files[0];
  if (first === undefined) throw new LockError("CG_LOCK_FORMAT", "lockEnvironment needs at least one environment spec.", { hint: "Pass the parsed environment.yml." });
  const channelNames = [...new Set(files.flatMap((f) => f.channels))];
  const warnings: string[] = [];
  const packages: LockedPackage[] = [];
  const pipRequirements: Record<string, string[]> = {};
  for (const platform of options.platforms) {
    const perFile = files.map((f) => specForPlatform(f, platform));
    const { dependencies, categories, pip } = mergedForSolve(perFile);
    const baseChannels = resolveChannels(channelNames, options.config, {
      ...(first.file === undefined ? {} : { baseDir: dirname(first.file) }),
      // The file's channels only, as conda-lock does; the configured ones only when the file names none.
      includeConfigChannels: channelNames.filter((c) => c !== "nodefaults").length === 0,
    });
    const channels = withSpecChannels(baseChannels, dependencies, options.config);
    const virtual = options.virtualPackages?.[platform] ?? detectVirtualPackages({ subdir: platform, env: options.env });
    options.onProgress?.({ stage: "load", platform });
    const records = await loadSolveRecords(options.gateway, { channels, subdirs: [platform, "noarch"], specs: dependencies });
    options.onProgress?.({ stage: "solve", platform, candidates: dependencies.length });
    let solved: PackageRecord[];
    try {
      solved = solveConda({
        specs: dependencies,
        records,
        channels: channels.map((c) => c.baseUrl),
        subdir: platform,
        virtualPackages: virtual,
        channelPriority: options.channelPriority ?? options.config.channelPriority,
        ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
      }).records;
    } catch (err) {
      if (!isCondaguardError(err)) throw err;
      throw new LockError("CG_LOCK_SOLVE", `Cannot lock ${platform}: ${err.message}`, { cause: err, ...(err.hint === undefined ? {} : { hint: err.hint }), ...(err.input === undefined ? {} : { input: err.input }) });
    }
    const roots = dependencies.map((d, i) => ({ name: MatchSpec.parse(d).name, category: categories[i] ?? "main" }));
    const category = categoriesOf(solved, roots);
    for (const record of solved) packages.push(lockedFromRecord(record, platform, category.get(record.name) ?? "main"));
    if (pip.length > 0) pipRequirements[platform] = pip;
    options.onProgress?.({ stage: "done", platform, packages: solved.length });
  }
  packages.sort(compareLockedPackages);
  const pipLines = [...new Set(Object.values(pipRequirements).flat())];
  if (pipLines.length > 0) {
    warnings.push(`pip packages are not locked yet: ${pipLines.join(", ")} are recorded in the lock's metadata but were not resolved against PyPI; install them with pip separately.`);
  }
  const unverified = packages.filter((p) => p.sha256 === undefined);
  if (unverified.length > 0) {
    const names = [...new Set(unverified.map((p) => `${p.name}-${p.version}-${p.build ?? ""}`))];
    warnings.push(`${names.length} package(s) have no sha256 in their channel's repodata (${names.slice(0, 5).join(", ")}${names.length > 5 ? ", ..." : ""}); installing them needs --allow-unverified.`);
  }
  const hashOptions = { env: options.env, ...(options.virtualPackages === undefined ? {} : { virtualPackages: hashVirtualPackages(options.virtualPackages) }) };
  // The file's channels as written; the configured ones when the file names none (they were solved against).
  const recorded = (channelNames.some((c) => c !== "nodefaults") ? channelNames : options.config.channels).filter((c) => c !== "nodefaults");
  const lockChannels = recorded.map((url) => {
    const { channel, dropped } = lockChannel(url, options.env);
    if (dropped) warnings.push(`credentials in a channel URL were left out of the lock (no environment variable holds them): ${channel.url}; the installer needs them again.`);
    return channel;
  });
  const lock: LockOutcome = {
    version: 1,
    format: "conda-lock-v1",
    platforms: [...options.platforms],
    channels: lockChannels,
    contentHash: computeContentHashes(files, options.platforms, hashOptions),
    sources: [...(options.sources ?? files.flatMap((f) => (f.file === undefined ? [] : [f.file])))],
    packages,
    warnings,
  };
  if (Object.keys(pipRequirements).length > 0) lock.pipRequirements = pipRequirements;
  return lock;
}
