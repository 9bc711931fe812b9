import { existsSync, statSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { basename, join, resolve } from "node:path";
import { parseDocument } from "yaml";
import { CondaguardError, currentSubdir } from "../../conda/index.js";
import { readEnvironmentFile } from "../../env/index.js";
import { readPrefix } from "../../install/index.js";
import { lockEnvironment, packagesFromPrefixRecords, parseLockfile, type LockedPackage, type Lockfile } from "../../lock/index.js";
import { commandContext, type ChannelFlags } from "../context.js";

/** One side of `diff` or the input of `export`: what it was and its packages. */
export interface PackageSource {
  kind: "lockfile" | "environment" | "prefix";
  path: string;
  lock: Lockfile;
}

function looksLikeEnvironmentFile(text: string): boolean {
  try {
    const doc = parseDocument(text).toJS() as unknown;
    if (typeof doc !== "object" || doc === null || Array.isArray(doc)) return false;
    const keys = Object.keys(doc);
    return keys.includes("dependencies") && !keys.includes("package") && !keys.includes("version");
  } catch {
    return false;
  }
}

/** A lock-shaped view of an installed prefix (conda-meta records), for diff and export. */
export async function prefixAsLock(prefix: string, platform: string): Promise<Lockfile> {
  const records = await readPrefix(prefix);
  const packages: LockedPackage[] = packagesFromPrefixRecords(records, platform);
  return { version: 1, format: "conda-lock-v1", platforms: [platform], channels: [], contentHash: {}, sources: [prefix], packages };
}

/**
 * Reads a package set from a path that is a prefix (a folder with
 * conda-meta), a lockfile (conda-lock, pixi, @EXPLICIT) or an environment
 * file (solved for `platform` through the channels it names).
 */
export async function readPackageSource(path: string, platform: string | undefined, flags: ChannelFlags, env: NodeJS.ProcessEnv): Promise<PackageSource> {
  const full = resolve(path);
  if (!existsSync(full)) {
    throw new CondaguardError("CG_USAGE", `${path} does not exist.`, { hint: "Pass a lockfile, an environment.yml or an environment prefix (a folder with conda-meta/)." });
  }
  if (statSync(full).isDirectory()) {
    if (!existsSync(join(full, "conda-meta"))) {
      throw new CondaguardError("CG_USAGE", `${path} is a folder but not a conda environment (no conda-meta/).`, { hint: "Pass the prefix of an environment, a lockfile or an environment.yml." });
    }
    return { kind: "prefix", path: full, lock: await prefixAsLock(full, platform ?? currentSubdir(env)) };
  }
  const text = await readFile(full, "utf8");
  if (looksLikeEnvironmentFile(text)) {
    const spec = await readEnvironmentFile(full);
    const target = platform ?? spec.platforms?.[0] ?? currentSubdir(env);
    const ctx = await commandContext({ ...flags, platform: target }, env);
    const lock = await lockEnvironment({ spec, platforms: [target], gateway: ctx.gateway, config: ctx.config, env, sources: [basename(full)] });
    return { kind: "environment", path: full, lock };
  }
  return { kind: "lockfile", path: full, lock: parseLockfile(text, full) };
}
