import { loadCondaConfig, resolvePrefix } from "../../env/index.js";

/** `-p/--prefix` and `-n/--name`, as conda spells them. */
export interface PrefixFlags {
  prefix?: string;
  name?: string;
}

/** The prefix path `-p`/`-n` point at (`-n` looks in envs_dirs). */
export async function resolvePrefixFlag(flags: PrefixFlags, env: NodeJS.ProcessEnv): Promise<string> {
  const config = await loadCondaConfig({ env });
  return resolvePrefix({ ...(flags.prefix !== undefined ? { prefix: flags.prefix } : {}), ...(flags.name !== undefined ? { name: flags.name } : {}) }, config);
}
