import type { EnvironmentSpec } from "../env/index.js";
import { computeContentHashes, type ContentHashOptions } from "./content_hash.js";
import { LockError } from "./errors.js";
import { lockChannel } from "./lock_channels.js";
import type { Lockfile } from "./model.js";

/** Whether a lock still matches its environment file(s), and if not, why. */
export interface LockCheck {
  upToDate: boolean;
  /** One sentence per difference, in platform order. Empty when up to date. */
  reasons: string[];
}

/**
 * Compares a lock with the environment file(s) it claims to come from: the
 * platforms, the channels, and per platform the content hash (conda-lock's
 * algorithm, so locks written by conda-lock check too). `platforms`
 * defaults to the lock's own. Pass `options.env` when channel URLs carry
 * credentials, so they compare in the `${VAR}` form the lock stores.
 */
export function checkLock(
  spec: EnvironmentSpec | readonly EnvironmentSpec[],
  lock: Lockfile,
  platforms: readonly string[] = lock.platforms,
  options: ContentHashOptions = {},
): LockCheck {
  const reasons: string[] = [];
  const files = Array.isArray(spec) ? (spec as readonly EnvironmentSpec[]) : [spec as EnvironmentSpec];
  const missing = platforms.filter((p) => !lock.platforms.includes(p));
  if (missing.length > 0) reasons.push(`the lock has no ${missing.join(", ")} (it holds ${lock.platforms.join(", ") || "no platform"}).`);
  let wanted: string[] = [];
  for (const f of files) {
    const channels = f.channels.filter((c) => c !== "nodefaults");
    if (channels.length > wanted.length) wanted = channels;
  }
  const env = options.env;
  if (env !== undefined) wanted = wanted.map((url) => lockChannel(url, env).channel.url);
  const have = lock.channels.map((c) => c.url);
  if (options.channels === undefined && (wanted.length !== have.length || wanted.some((c, i) => c !== have[i]))) {
    reasons.push(`channels changed: the lock has [${have.join(", ")}], the environment file [${wanted.join(", ")}].`);
  }
  const present = platforms.filter((p) => lock.platforms.includes(p));
  const hashes = computeContentHashes(files, present, options);
  for (const platform of present) {
    const locked = lock.contentHash[platform];
    if (locked === undefined) reasons.push(`${platform}: the lock records no content hash, so it cannot be checked.`);
    else if (locked !== hashes[platform]) reasons.push(`${platform}: the dependencies, pip requirements or channels of the environment file changed since the lock was made (content hash ${locked.slice(0, 12)}… is now ${(hashes[platform] ?? "").slice(0, 12)}…).`);
  }
  return { upToDate: reasons.length === 0, reasons };
}

/** The `CG_LOCK_STALE` error for a failed check, for callers that stop on it (`lock --check`). */
export function staleLockError(check: LockCheck, lockFile?: string): LockError {
  return new LockError("CG_LOCK_STALE", `The lock${lockFile === undefined ? "" : ` ${lockFile}`} is out of date:\n${check.reasons.map((r) => `  - ${r}`).join("\n")}`, {
    ...(lockFile === undefined ? {} : { file: lockFile }),
    hint: "Re-lock with `condaguard lock` and commit the new lock together with the environment file.",
    exitCode: 1,
  });
}
