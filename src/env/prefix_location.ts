import { existsSync } from "node:fs";
import { isAbsolute, join, resolve } from "node:path";
import { EnvFileError } from "./errors.js";
import type { CondaConfig } from "./config.js";

/** How a command names its environment: `-p PREFIX` or `-n NAME`, as conda spells them. */
export interface PrefixSelector {
  prefix?: string;
  name?: string;
}

// conda refuses these as environment names because they would escape envs_dirs
// or clash with the base environment's own folders.
const BAD_NAME = /[\\/:#\s]|^\.{1,2}$/;

/**
 * The prefix a command works on: `-p` as given (resolved against `cwd`), or
 * `-n NAME` as the first envs_dirs entry that already holds NAME, else the
 * first writable-looking entry (conda's rule for a new environment).
 */
export function resolvePrefix(selector: PrefixSelector, config: CondaConfig, cwd: string = process.cwd()): string {
  if (selector.prefix !== undefined && selector.name !== undefined) {
    throw new EnvFileError("CG_PREFIX_USAGE", "Give either -p/--prefix or -n/--name, not both.", {
      hint: "-p takes a folder path; -n takes an environment name placed under envs_dirs.",
    });
  }
  if (selector.prefix !== undefined) return isAbsolute(selector.prefix) ? selector.prefix : resolve(cwd, selector.prefix);
  const name = selector.name;
  if (name === undefined) {
    throw new EnvFileError("CG_PREFIX_USAGE", "No environment given.", {
      hint: "Pass -p PREFIX (a folder) or -n NAME (an environment under envs_dirs).",
    });
  }
  if (BAD_NAME.test(name) || name === "") {
    throw new EnvFileError("CG_PREFIX_USAGE", `\`${name}\` is not a valid environment name.`, {
      hint: "Names may not contain spaces, '/', '\\', ':' or '#'; use -p for a path.",
      input: name,
    });
  }
  if (config.envsDirs.length === 0) {
    throw new EnvFileError("CG_PREFIX_USAGE", `Cannot place environment \`${name}\`: envs_dirs is empty.`, {
      hint: "Set envs_dirs in .condarc or CONDA_ENVS_PATH, or use -p PREFIX.",
    });
  }
  const existing = config.envsDirs.map((dir) => join(dir, name)).find((p) => existsSync(p));
  return existing ?? join(config.envsDirs[0] as string, name);
}
