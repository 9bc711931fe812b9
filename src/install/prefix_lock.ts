// One transaction per prefix at a time. proper-lockfile makes the lock
// (an atomic mkdir, refreshed while held); we add the owner's pid inside it
// so that a lock left by a process killed with SIGKILL is recognised at once
// instead of after the staleness timeout.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import lockfile from "proper-lockfile";
import { InstallError } from "./errors.js";

const LOCK_NAME = ".condaguard.lock";
const OWNER_FILE = "owner.json";
// Long: our staging runs synchronous fs work that can delay the refresh timer,
// and a dead owner is detected by pid anyway.
const STALE_MS = 5 * 60 * 1000;

function lockDir(prefix: string): string {
  return join(prefix, "conda-meta", LOCK_NAME);
}

function ownerIsDead(dir: string): boolean {
  try {
    const owner = JSON.parse(readFileSync(join(dir, OWNER_FILE), "utf8")) as { pid?: number; host?: string };
    if (owner.host !== hostname() || typeof owner.pid !== "number") return false;
    if (owner.pid === process.pid) return false;
    try {
      process.kill(owner.pid, 0);
      return false;
    } catch (err) {
      return (err as NodeJS.ErrnoException).code === "ESRCH";
    }
  } catch {
    // No owner file yet: the holder is between mkdir and writing it.
    return false;
  }
}

/** Takes the prefix lock (creating conda-meta if needed); resolves to its release function. */
export async function lockPrefix(prefix: string): Promise<() => Promise<void>> {
  mkdirSync(join(prefix, "conda-meta"), { recursive: true });
  const dir = lockDir(prefix);
  const options = { lockfilePath: dir, realpath: false, stale: STALE_MS, onCompromised: () => undefined };
  let release: () => Promise<void>;
  try {
    release = await lockfile.lock(prefix, options);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ELOCKED") throw err;
    if (!ownerIsDead(dir)) {
      throw new InstallError("CG_INSTALL_PREFIX_LOCKED", `The prefix ${prefix} is locked by another condaguard process (${dir})`, {
        path: prefix,
        cause: err,
      });
    }
    rmSync(dir, { recursive: true, force: true });
    try {
      release = await lockfile.lock(prefix, options);
    } catch (again) {
      throw new InstallError("CG_INSTALL_PREFIX_LOCKED", `The prefix ${prefix} is locked by another condaguard process (${dir})`, {
        path: prefix,
        cause: again,
      });
    }
  }
  writeFileSync(join(dir, OWNER_FILE), JSON.stringify({ pid: process.pid, host: hostname() }));
  return async () => {
    try {
      // proper-lockfile removes its folder with rmdir, so it must be empty again.
      rmSync(join(dir, OWNER_FILE), { force: true });
      await release();
    } catch {
      // Already released or removed (e.g. the prefix was deleted meanwhile).
    }
  };
}
