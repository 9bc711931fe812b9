import { homedir } from "node:os";
import { join, resolve } from "node:path";

/**
 * Expands `$NAME` and `${NAME}` the way conda does (Python's
 * `os.path.expandvars`): a variable that is not set is left exactly as
 * written, so the user sees the unexpanded name instead of a silently empty
 * path segment.
 */
export function expandVars(text: string, env: NodeJS.ProcessEnv): string {
  return text.replace(/\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))/g, (whole, braced?: string, bare?: string) => {
    const value = env[braced ?? bare ?? ""];
    return value === undefined ? whole : value;
  });
}

/** Names of variables still unexpanded in `text` after `expandVars`. */
export function unexpandedVars(text: string): string[] {
  return [...text.matchAll(/\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))/g)].map((m) => m[1] ?? m[2] ?? "");
}

/** Replaces a leading `~` (alone or followed by a separator) with the home folder. */
export function expandUser(path: string, home: string = homedir()): string {
  if (path === "~") return home;
  if (path.startsWith("~/") || path.startsWith("~\\")) return join(home, path.slice(2));
  return path;
}

/**
 * conda's `expand()` for folder settings (pkgs_dirs, envs_dirs): variables,
 * then `~`, then an absolute path, so two spellings of one folder compare equal.
 */
export function expandPath(path: string, env: NodeJS.ProcessEnv, home?: string): string {
  return resolve(expandUser(expandVars(path, env), home));
}
