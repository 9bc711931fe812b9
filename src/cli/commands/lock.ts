import { readFile, rename, writeFile } from "node:fs/promises";
import { basename, resolve } from "node:path";
import { checkLock, lockEnvironment, parseLockfile, staleLockError, writeCondaLock } from "../../lock/index.js";
import { jsonResult, type CommandResult } from "../command.js";
import { commandContext, type ChannelFlags } from "../context.js";
import {
  channelPriority,
  defaultLockPath,
  readEnvironmentFiles,
  targetPlatforms,
  timeoutMs,
  virtualPackagesByPlatform,
  withCommandChannels,
} from "./command_options.js";

export interface LockOptions extends Omit<ChannelFlags, "platform"> {
  file?: string[];
  platform?: string[];
  output?: string;
  check?: boolean;
  virtualPackage?: string[];
  channelPriority?: string;
  timeout?: string;
  json?: boolean;
}

/** Writes `text` to `path` through a temporary file, so a crash never leaves half a lock. */
export async function writeFileAtomic(path: string, text: string): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, text);
  await rename(tmp, path);
}

/**
 * `condaguard lock -f environment.yml [--platform P]... [-o FILE]`: one solve
 * per platform, written as a conda-lock v1 file; `--check` only compares
 * the lock with the environment file and exits 1 when it is stale.
 */
export async function lockCommand(options: LockOptions, env: NodeJS.ProcessEnv): Promise<CommandResult> {
  const specs = await readEnvironmentFiles(options.file, "lock");
  const platforms = targetPlatforms(options.platform, specs, env);
  const output = options.output !== undefined ? resolve(options.output) : defaultLockPath(specs);
  if (options.check === true) {
    const lock = parseLockfile(await readFile(output, "utf8").catch((err: NodeJS.ErrnoException) => {
      throw staleLockError({ upToDate: false, reasons: [`there is no lock at ${output} (${err.code ?? err.message}).`] }, output);
    }), output);
    const check = checkLock(specs, lock, options.platform !== undefined && options.platform.length > 0 ? platforms : lock.platforms, { env });
    if (options.json) return jsonResult({ lockfile: output, up_to_date: check.upToDate, reasons: check.reasons }, check.upToDate ? 0 : 1);
    if (!check.upToDate) throw staleLockError(check, output);
    return { exitCode: 0, output: `${output} is up to date with ${specs.map((s) => s.file ?? "the environment file").join(", ")}.\n` };
  }
  const ctx = await commandContext({ ...options, platform: platforms[0] as string }, env);
  const priority = channelPriority(options.channelPriority);
  const limit = timeoutMs(options.timeout);
  const lock = await lockEnvironment({
    spec: withCommandChannels(specs, options.channel, options.overrideChannels),
    platforms,
    gateway: ctx.gateway,
    config: ctx.config,
    // Only explicit overrides: the defaults are what conda-lock hashes, so `--check` agrees.
    ...(options.virtualPackage !== undefined && options.virtualPackage.length > 0
      ? { virtualPackages: virtualPackagesByPlatform(platforms, options.virtualPackage, env) }
      : {}),
    env,
    sources: specs.map((s) => basename(s.file ?? "environment.yml")),
    ...(priority === undefined ? {} : { channelPriority: priority }),
    ...(limit === undefined ? {} : { timeoutMs: limit }),
  });
  await writeFileAtomic(output, writeCondaLock(lock, { fileName: basename(output) }));
  const counts = platforms.map((p) => `${p}: ${lock.packages.filter((x) => x.platform === p).length}`);
  if (options.json) {
    return jsonResult({ lockfile: output, platforms, packages: Object.fromEntries(platforms.map((p) => [p, lock.packages.filter((x) => x.platform === p).length])), warnings: lock.warnings });
  }
  return {
    exitCode: 0,
    output: `Locked ${platforms.length} platform(s) into ${output} (${counts.join(", ")} packages).\n`,
    diagnostics: lock.warnings.map((w) => `warning: ${w}`),
  };
}
