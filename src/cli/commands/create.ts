import { existsSync, readdirSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { basename, resolve } from "node:path";
import { stringify } from "yaml";
import { MatchSpec, currentSubdir } from "../../conda/index.js";
import { loadCondaConfig, parseEnvironmentYaml, readEnvironmentFile, type EnvironmentSpec } from "../../env/index.js";
import { checkLock, lockEnvironment, packagesForPlatform, parseLockfile, staleLockError, writeCondaLock, type Lockfile } from "../../lock/index.js";
import { RepodataGateway, defaultCacheDir } from "../../repodata/index.js";
import type { CommandResult } from "../command.js";
import type { ChannelFlags } from "../context.js";
import { installLockedPackages } from "../../install/index.js";
import { askToProceed, changeResult, describeChange, fetchProgress, type ChangeFlags, type ChangeIO } from "./environment_ops.js";
import { writeFileAtomic } from "./lock.js";
import { channelPriority, defaultLockPath, readEnvironmentFiles, timeoutMs, usageError, virtualPackagesByPlatform, withCommandChannels } from "./command_options.js";
import { resolvePrefixFlag, type PrefixFlags } from "./prefix_flags.js";

export interface CreateOptions extends Omit<ChannelFlags, "platform">, PrefixFlags, ChangeFlags {
  file?: string[];
  virtualPackage?: string[];
  channelPriority?: string;
  timeout?: string;
  /** `install --lock FILE`: the lock to install. */
  lock?: string;
  /** `install --frozen`: install the lock as it is, without checking it against its environment file. */
  frozen?: boolean;
}

function isLockText(text: string): boolean {
  return /^\s*@EXPLICIT\s*$/m.test(text) || /^(version|package|metadata)\s*:/m.test(text);
}

/** name -> spec text of the specs the user wrote, recorded as `requested_spec`. */
function requestedSpecs(specs: readonly EnvironmentSpec[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const spec of specs) {
    for (const dep of spec.dependencies) {
      try {
        out.set(MatchSpec.parse(dep).name, dep);
      } catch {
        // the solver has already reported a bad spec
      }
    }
  }
  return out;
}

interface Target {
  lock: Lockfile;
  /** Where the lock was written or read, when it is a file. */
  lockPath?: string;
  reused: boolean;
  requested: Map<string, string>;
  warnings: string[];
}

/**
 * The lock to install for `platform`: a lockfile given with `-f`/`--lock`,
 * the up-to-date lock beside an environment file, or a fresh solve (written
 * beside the file, as conda-lock.yml).
 */
async function targetLock(specTexts: string[], options: CreateOptions, platform: string, env: NodeJS.ProcessEnv): Promise<Target> {
  const config = await loadCondaConfig({ env });
  const lockSolve = async (specs: EnvironmentSpec[], platforms: string[], sources: string[]): Promise<Lockfile & { warnings: string[] }> => {
    const priority = channelPriority(options.channelPriority);
    const limit = timeoutMs(options.timeout);
    const gateway = new RepodataGateway({ offline: options.offline ?? false, cacheDir: defaultCacheDir(env) });
    return lockEnvironment({
      spec: withCommandChannels(specs, options.channel, options.overrideChannels),
      platforms,
      gateway,
      config,
      env,
      sources,
      ...(options.virtualPackage !== undefined && options.virtualPackage.length > 0 ? { virtualPackages: virtualPackagesByPlatform(platforms, options.virtualPackage, env) } : {}),
      ...(priority === undefined ? {} : { channelPriority: priority }),
      ...(limit === undefined ? {} : { timeoutMs: limit }),
    });
  };
  if (options.lock !== undefined) {
    const path = resolve(options.lock);
    const lock = parseLockfile(await readFile(path, "utf8"), path);
    return { lock, lockPath: path, reused: true, requested: new Map(), warnings: [] };
  }
  if (options.file !== undefined && options.file.length > 0) {
    if (options.file.length === 1) {
      // A lockfile given with -f is installed as it is (micromamba accepts the same).
      const path = resolve(options.file[0] as string);
      const text = await readFile(path, "utf8").catch(() => undefined);
      if (text !== undefined && isLockText(text)) return { lock: parseLockfile(text, path), lockPath: path, reused: true, requested: new Map(), warnings: [] };
    }
    const specs = await readEnvironmentFiles(options.file, "create");
    if (specTexts.length > 0) throw usageError("Give packages either in the environment file or on the command line, not both.", "Add the specs to the file's dependencies.");
    const lockPath = defaultLockPath(specs);
    const requested = requestedSpecs(specs);
    let lockedBefore: string[] = [];
    if (existsSync(lockPath)) {
      const existing = parseLockfile(await readFile(lockPath, "utf8"), lockPath);
      if (existing.platforms.includes(platform) && checkLock(specs, existing, undefined, { env }).upToDate && (options.channel ?? []).length === 0) {
        return { lock: existing, lockPath, reused: true, requested, warnings: [] };
      }
      // A stale lock is replaced for every platform it held, not only this one.
      lockedBefore = existing.platforms;
    }
    const platforms = [...new Set([...specs.flatMap((s) => s.platforms ?? []), ...lockedBefore, platform])];
    const lock = await lockSolve(specs, platforms, specs.map((s) => basename(s.file ?? "environment.yml")));
    if (options.dryRun !== true) await writeFileAtomic(lockPath, writeCondaLock(lock, { fileName: basename(lockPath) }));
    return { lock, lockPath, reused: false, requested, warnings: lock.warnings };
  }
  if (specTexts.length === 0) throw usageError("create needs packages, an environment file (-f) or a lock (--lock).", "Example: condaguard create -p ./env -f environment.yml");
  const spec = parseEnvironmentYaml(stringify({ dependencies: specTexts }), undefined);
  const lock = await lockSolve([spec], [platform], []);
  return { lock, reused: false, requested: requestedSpecs([spec]), warnings: lock.warnings };
}

/**
 * `condaguard create -p PREFIX -f environment.yml` (solve, lock beside the
 * file, install) and `condaguard install -p PREFIX --lock FILE --frozen`
 * (install a lock as it is, no solve).
 */
export async function createCommand(specTexts: string[], options: CreateOptions, env: NodeJS.ProcessEnv, io: ChangeIO, command: string): Promise<CommandResult> {
  const prefix = await resolvePrefixFlag(options, env);
  const isCreate = command.startsWith("create");
  if (isCreate && existsSync(prefix) && readdirSync(prefix).length > 0) {
    throw usageError(`${prefix} already exists and is not empty.`, "Remove it first, choose another prefix, or use `condaguard install`/`update` to change it.");
  }
  const platform = currentSubdir(env);
  const target = await targetLock(specTexts, options, platform, env);
  if (options.lock !== undefined && options.frozen !== true && target.lock.sources.length > 0) {
    const dir = resolve(target.lockPath ?? ".", "..");
    const sources = target.lock.sources.map((s) => resolve(dir, s)).filter((s) => existsSync(s));
    if (sources.length === target.lock.sources.length) {
      const check = checkLock(await Promise.all(sources.map((s) => readEnvironmentFile(s))), target.lock, [platform], { env });
      if (!check.upToDate) {
        throw staleLockError(check, target.lockPath);
      }
    }
  }
  const packages = packagesForPlatform(target.lock, platform);
  if (packages.length === 0) {
    throw usageError(`The lock has no packages for ${platform} (it has ${target.lock.platforms.join(", ") || "none"}).`, `Re-lock with --platform ${platform}.`);
  }
  const config = await loadCondaConfig({ env });
  const base = {
    packages,
    pkgsDirs: config.pkgsDirs,
    requestedSpecs: target.requested,
    command: `condaguard ${command}`,
    updateSpecs: [...target.requested.values()],
    ...(options.allowUnverified ? { allowUnverified: true } : {}),
    ...(options.allowLinkScripts ? { allowLinkScripts: true } : {}),
  };
  const planned = await installLockedPackages(prefix, { ...base, dryRun: true });
  const lines = describeChange(planned.change, platform);
  const warnings = [...target.warnings];
  const notes = target.lockPath === undefined ? [] : [`${target.reused ? "Installed from" : "Wrote"} the lock ${target.lockPath}.`];
  if (options.dryRun === true || lines.length === 0) {
    return changeResult({ ...planned, warnings: [...warnings, ...planned.warnings] }, lines, options, target.lockPath ? { lockfile: target.lockPath } : {}, notes);
  }
  if (!(await askToProceed(io, options, [`## Package plan for ${prefix}`, "", ...lines.map((x) => `  ${x}`), ""]))) {
    return { exitCode: 1, output: "Cancelled: nothing was changed.\n" };
  }
  const outcome = await installLockedPackages(prefix, { ...base, onFetch: fetchProgress(io.progress) });
  io.progress.stop();
  return changeResult({ ...outcome, warnings: [...warnings, ...outcome.warnings] }, lines, options, target.lockPath ? { lockfile: target.lockPath } : {}, notes);
}
