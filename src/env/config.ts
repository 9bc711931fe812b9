import { homedir } from "node:os";
import { join } from "node:path";

export type ChannelPriority = "strict" | "flexible" | "disabled";

/** The conda settings condaguard honours, after every .condarc and `CONDA_*` variable was merged. */
export interface CondaConfig {
  /** Channels used when an environment file or command line adds none (`channels:`); may hold `defaults`. */
  channels: string[];
  /** What `defaults` expands to. */
  defaultChannels: string[];
  /** Prefix for bare channel names: `conda-forge` -> `${channelAlias}/conda-forge`. */
  channelAlias: string;
  /** Channel name -> server URL, e.g. `{ "my-chan": "https://conda.example" }` gives `https://conda.example/my-chan`. */
  customChannels: Record<string, string>;
  channelPriority: ChannelPriority;
  /** Package cache folders, first writable one wins. */
  pkgsDirs: string[];
  /** Folders that hold named environments. */
  envsDirs: string[];
  /** The files and variables the settings came from, lowest precedence first. */
  sources: string[];
  /** The base installation, when known (it decides the first pkgs/envs folders). */
  rootPrefix?: string;
}

export const DEFAULT_CHANNEL_ALIAS = "https://conda.anaconda.org";

/** conda's `default_channels`; Windows adds msys2 for the unix tools conda packages there. */
export function defaultChannelsFor(platform: NodeJS.Platform = process.platform): string[] {
  const channels = ["https://repo.anaconda.com/pkgs/main", "https://repo.anaconda.com/pkgs/r"];
  if (platform === "win32") channels.push("https://repo.anaconda.com/pkgs/msys2");
  return channels;
}

export interface DefaultConfigOptions {
  home?: string;
  platform?: NodeJS.Platform;
  rootPrefix?: string;
}

/**
 * conda's fallback folders: the base installation's `pkgs`/`envs` first, then
 * the per-user ones under `~/.conda`. conda puts the user folder first when the
 * base is not writable; that needs a disk check, so the caller decides by
 * passing (or not) `rootPrefix`.
 */
export function _defaultDirs(kind: "pkgs" | "envs", home: string, rootPrefix: string | undefined): string[] {
  const dirs = rootPrefix === undefined ? [] : [join(rootPrefix, kind)];
  dirs.push(join(home, ".conda", kind));
  return dirs;
}

/** The configuration conda uses when no .condarc and no `CONDA_*` variable says otherwise. */
export function defaultCondaConfig(options: DefaultConfigOptions = {}): CondaConfig {
  const home = options.home ?? homedir();
  const config: CondaConfig = {
    channels: ["defaults"],
    defaultChannels: defaultChannelsFor(options.platform),
    channelAlias: DEFAULT_CHANNEL_ALIAS,
    customChannels: {},
    channelPriority: "flexible",
    pkgsDirs: _defaultDirs("pkgs", home, options.rootPrefix),
    envsDirs: _defaultDirs("envs", home, options.rootPrefix),
    sources: [],
  };
  if (options.rootPrefix !== undefined) config.rootPrefix = options.rootPrefix;
  return config;
}
