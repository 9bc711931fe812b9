import type { Channel } from "../conda/index.js";
import { currentSubdir } from "../conda/index.js";
import { loadCondaConfig, resolveChannels, type CondaConfig } from "../env/index.js";
import { RepodataGateway, defaultCacheDir } from "../repodata/index.js";

/** Channel and platform flags shared by the commands that read channels, spelled as conda spells them. */
export interface ChannelFlags {
  channel?: string[];
  overrideChannels?: boolean;
  platform?: string;
  offline?: boolean;
}

export interface CommandContext {
  config: CondaConfig;
  channels: Channel[];
  subdir: string;
  gateway: RepodataGateway;
}

/**
 * Loads the configuration and resolves the channels in effect: `-c` channels
 * first, then the configured ones unless `--override-channels`, as conda does.
 */
export async function commandContext(flags: ChannelFlags, env: NodeJS.ProcessEnv = process.env): Promise<CommandContext> {
  const config = await loadCondaConfig({ env });
  const names = [...(flags.channel ?? []), ...(flags.overrideChannels ? [] : config.channels)];
  const channels = resolveChannels(names, config, { baseDir: process.cwd(), includeConfigChannels: false });
  const subdir = flags.platform ?? currentSubdir(env);
  const gateway = new RepodataGateway({ offline: flags.offline ?? false, cacheDir: defaultCacheDir(env) });
  return { config, channels, subdir, gateway };
}
