// Locates ../shared/data. Tests that need it skip with a printed reason when it
// is absent, so a fresh clone without ../shared still passes `npm test`.
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));

function findRepoRoot(start: string): string {
  let dir = start;
  for (;;) {
    if (existsSync(join(dir, "package.json")) && existsSync(join(dir, "src"))) return dir;
    const parent = dirname(dir);
    if (parent === dir) return resolve(start, "..", "..", "..");
    dir = parent;
  }
}

export const REPO_ROOT = findRepoRoot(here);

/** Absolute path of the shared data folder (it may not exist). */
export const SHARED_DATA = process.env.CONDAGUARD_SHARED_DATA ?? resolve(REPO_ROOT, "..", "shared", "data");

export function sharedPath(...parts: string[]): string {
  return join(SHARED_DATA, ...parts);
}

/**
 * Returns `false` (run) when every given path under ../shared/data exists,
 * otherwise a skip reason string for node:test's `skip` option, printed once.
 */
export function needsShared(...parts: string[]): string | false {
  const missing = parts.map((p) => sharedPath(p)).find((p) => !existsSync(p));
  if (missing === undefined && existsSync(SHARED_DATA)) return false;
  const reason = `shared data not found: ${missing ?? SHARED_DATA} (clone ../shared beside the repository)`;
  console.log(`# SKIP ${reason}`);
  return reason;
}
