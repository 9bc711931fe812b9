import { dirname, join, resolve } from "node:path";
import { CondaguardError, currentSubdir, detectVirtualPackages, parseVirtualPackage, type VirtualPackage } from "../../conda/index.js";
import { readEnvironmentFile, type ChannelPriority, type EnvironmentSpec } from "../../env/index.js";

const PRIORITIES: readonly ChannelPriority[] = ["strict", "flexible", "disabled"];

export function usageError(message: string, hint: string): CondaguardError {
  return new CondaguardError("CG_USAGE", message, { hint });
}

/** Reads every `-f` file; at least one is required. */
export async function readEnvironmentFiles(files: readonly string[] | undefined, command: string): Promise<EnvironmentSpec[]> {
  if (files === undefined || files.length === 0) {
    throw usageError(`${command} needs an environment file.`, `Example: condaguard ${command} -f environment.yml`);
  }
  return Promise.all(files.map((f) => readEnvironmentFile(resolve(f))));
}

/** `--platform` values, else the files' `platforms:` key, else this machine's subdir. */
export function targetPlatforms(flags: readonly string[] | undefined, specs: readonly EnvironmentSpec[], env: NodeJS.ProcessEnv): string[] {
  if (flags !== undefined && flags.length > 0) return [...new Set(flags)];
  const fromFiles = [...new Set(specs.flatMap((s) => s.platforms ?? []))];
  return fromFiles.length > 0 ? fromFiles : [currentSubdir(env)];
}

/** The default lock path: `conda-lock.yml` beside the (first) environment file. */
export function defaultLockPath(specs: readonly EnvironmentSpec[]): string {
  const file = specs[0]?.file;
  return join(file === undefined ? process.cwd() : dirname(resolve(file)), "conda-lock.yml");
}

export function channelPriority(value: string | undefined): ChannelPriority | undefined {
  if (value === undefined) return undefined;
  if (!(PRIORITIES as readonly string[]).includes(value)) {
    throw usageError(`--channel-priority must be strict, flexible or disabled, not \`${value}\`.`, "Use --channel-priority strict for reproducible channel selection.");
  }
  return value as ChannelPriority;
}

/**
 * Virtual packages per target platform: that platform's defaults with the
 * `--virtual-package [PLATFORM:]NAME=VERSION=BUILD` overrides applied (an
 * override without a platform applies to every target).
 */
export function virtualPackagesByPlatform(platforms: readonly string[], overrides: readonly string[] | undefined, env: NodeJS.ProcessEnv): Record<string, VirtualPackage[]> {
  const out: Record<string, VirtualPackage[]> = {};
  for (const platform of platforms) {
    const byName = new Map(detectVirtualPackages({ subdir: platform, env }).map((v) => [v.name, v]));
    for (const text of overrides ?? []) {
      const m = /^([a-z0-9]+-[a-z0-9_]+):(__.*)$/.exec(text);
      if (m !== null && m[1] !== platform) continue;
      const vp = parseVirtualPackage(m === null ? text : (m[2] as string));
      byName.set(vp.name, vp);
    }
    out[platform] = [...byName.values()];
  }
  return out;
}

/** Seconds from `--timeout`, as milliseconds. */
export function timeoutMs(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds <= 0) {
    throw usageError(`--timeout expects a positive number of seconds, got \`${value}\`.`, "Write e.g. --timeout 30.");
  }
  return Math.round(seconds * 1000);
}

/**
 * The environment files with `-c` channels put first (searched before the
 * file's own), or in place of them with `--override-channels`, as conda does
 * for `conda env create -c`.
 */
export function withCommandChannels(specs: readonly EnvironmentSpec[], channels: readonly string[] | undefined, override: boolean | undefined): EnvironmentSpec[] {
  const extra = channels ?? [];
  if (extra.length === 0 && override !== true) return [...specs];
  return specs.map((s, i) => {
    const own = override === true ? s.channels.filter((c) => c === "nodefaults") : s.channels;
    return { ...s, channels: i === 0 ? [...extra, ...own.filter((c) => !extra.includes(c))] : override === true ? own : s.channels };
  });
}
