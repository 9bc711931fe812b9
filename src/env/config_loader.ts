import { readdir, readFile, stat } from "node:fs/promises";
import { homedir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { _parseCondarcLayer, type ConfigLayer, type CondarcSettings } from "./condarc.js";
import { _mergeList, _mergeMap, _mergeValue } from "./config_merge.js";
import { _defaultDirs, defaultChannelsFor, DEFAULT_CHANNEL_ALIAS, type ChannelPriority, type CondaConfig } from "./config.js";
import { EnvFileError, ENV_ERROR_CODES } from "./errors.js";
import { expandPath, expandUser, expandVars } from "./expand.js";

export interface LoadCondaConfigOptions {
  /** Read exactly these files (lowest precedence first) instead of conda's search path. */
  files?: string[];
  /** Variables for `CONDA_*` overrides, `$VARS` in paths and the search path; defaults to `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** Home folder for `~`; defaults to the user's. */
  home?: string;
  /** Operating system whose conda defaults apply; defaults to the running one. */
  platform?: NodeJS.Platform;
  /** The conda base installation; otherwise `root_prefix`, `$CONDA_ROOT` or the folder above `$CONDA_EXE`'s `bin`. */
  rootPrefix?: string;
}

/**
 * conda's .condarc search path, lowest precedence first. Entries ending in
 * `/` are folders whose `*.yml`/`*.yaml` files are read in name order.
 */
export function condarcSearchPath(platform: NodeJS.Platform = process.platform): string[] {
  const system =
    platform === "win32"
      ? ["C:/ProgramData/conda/.condarc", "C:/ProgramData/conda/condarc", "C:/ProgramData/conda/condarc.d/"]
      : ["/etc/conda/.condarc", "/etc/conda/condarc", "/etc/conda/condarc.d/", "/var/lib/conda/.condarc", "/var/lib/conda/condarc", "/var/lib/conda/condarc.d/"];
  const perBase = (base: string) => [`${base}/.condarc`, `${base}/condarc`, `${base}/condarc.d/`];
  return [
    ...system,
    ...perBase("$CONDA_ROOT"),
    ...perBase("$XDG_CONFIG_HOME/conda"),
    ...perBase("~/.config/conda"),
    ...perBase("~/.conda"),
    "~/.condarc",
    ...perBase("$CONDA_PREFIX"),
    "$CONDARC",
  ];
}

async function _kind(path: string): Promise<"file" | "dir" | undefined> {
  try {
    const info = await stat(path);
    return info.isDirectory() ? "dir" : info.isFile() ? "file" : undefined;
  } catch {
    return undefined;
  }
}

/** The files a search-path entry stands for; entries whose variable is unset stand for none. */
async function _expandEntry(entry: string, env: NodeJS.ProcessEnv, home: string): Promise<string[]> {
  const withVars = expandVars(entry, { ...env, XDG_CONFIG_HOME: env.XDG_CONFIG_HOME || join(home, ".config") });
  if (withVars.includes("$")) return [];
  const path = resolve(expandUser(withVars, home));
  const kind = await _kind(path);
  if (kind === "file") return [path];
  if (kind === "dir" && (entry.endsWith("/") || entry === "$CONDARC")) {
    const names = (await readdir(path)).filter((n) => /\.ya?ml$/i.test(n)).sort();
    const files: string[] = [];
    for (const name of names) if ((await _kind(join(path, name))) === "file") files.push(join(path, name));
    return files;
  }
  return [];
}

async function _readLayer(file: string, required: boolean): Promise<ConfigLayer | undefined> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    if (!required) return undefined;
    throw new EnvFileError(ENV_ERROR_CODES.condarc, `${file}: Cannot read the .condarc file: ${(error as NodeJS.ErrnoException).code === "ENOENT" ? "the file does not exist" : (error as Error).message}.`, {
      file,
      hint: "Check the path, or leave it out to use conda's usual search path.",
      cause: error,
    });
  }
  return _parseCondarcLayer(text, file);
}

function _split(value: string, delimiter: string): string[] {
  return value
    .split(delimiter)
    .map((item) => item.trim())
    .filter((item) => item !== "");
}

/**
 * `CONDA_<SETTING>` variables, which conda ranks above every file. Lists are
 * comma separated, except `envs_dirs`, which uses the PATH separator.
 */
function _environmentLayer(env: NodeJS.ProcessEnv, platform: NodeJS.Platform): ConfigLayer | undefined {
  const values: CondarcSettings = {};
  const names: string[] = [];
  const take = (...keys: string[]): string | undefined => {
    for (const key of keys) {
      const value = env[key];
      if (value !== undefined && value.trim() !== "") {
        names.push(key);
        return value;
      }
    }
    return undefined;
  };
  const channels = take("CONDA_CHANNELS", "CONDA_CHANNEL");
  if (channels !== undefined) values.channels = _split(channels, ",");
  const defaults = take("CONDA_DEFAULT_CHANNELS");
  if (defaults !== undefined) values.defaultChannels = _split(defaults, ",");
  const alias = take("CONDA_CHANNEL_ALIAS");
  if (alias !== undefined) values.channelAlias = alias.trim();
  const priority = take("CONDA_CHANNEL_PRIORITY");
  if (priority !== undefined) {
    const normalised = priority.trim().toLowerCase();
    const mapped = normalised === "true" ? "flexible" : normalised === "false" ? "disabled" : normalised;
    if (mapped !== "strict" && mapped !== "flexible" && mapped !== "disabled") {
      throw new EnvFileError(ENV_ERROR_CODES.condarc, `CONDA_CHANNEL_PRIORITY must be \`strict\`, \`flexible\` or \`disabled\`, found \`${priority}\`.`, {
        input: priority,
        hint: "Set CONDA_CHANNEL_PRIORITY=strict, or unset it.",
      });
    }
    values.channelPriority = mapped as ChannelPriority;
  }
  const pkgs = take("CONDA_PKGS_DIRS");
  if (pkgs !== undefined) values.pkgsDirs = _split(pkgs, ",");
  const envs = take("CONDA_ENVS_DIRS", "CONDA_ENVS_PATH");
  if (envs !== undefined) values.envsDirs = _split(envs, platform === "win32" ? ";" : ":");
  const root = take("CONDA_ROOT_PREFIX");
  if (root !== undefined) values.rootPrefix = root.trim();
  if (names.length === 0) return undefined;
  return { source: `environment variables (${names.join(", ")})`, values, finalKeys: new Set(), lineFlags: {} };
}

function _guessRootPrefix(env: NodeJS.ProcessEnv): string | undefined {
  if (env.CONDA_ROOT) return env.CONDA_ROOT;
  // $CONDA_EXE is <base>/bin/conda (or <base>\Scripts\conda.exe) once conda's shell hook ran.
  if (env.CONDA_EXE) return dirname(dirname(env.CONDA_EXE));
  if (env.MAMBA_ROOT_PREFIX) return env.MAMBA_ROOT_PREFIX;
  return undefined;
}

/**
 * Builds the effective configuration from layers (lowest precedence first):
 * conda's defaults, then merged settings, with `~` and `$VARS` expanded in
 * folders and channel locations as conda does.
 */
export function _configFromLayers(layers: readonly ConfigLayer[], options: Omit<LoadCondaConfigOptions, "files"> = {}): CondaConfig {
  const env = options.env ?? process.env;
  const home = options.home ?? (env.HOME !== undefined && env.HOME !== "" ? env.HOME : homedir());
  const platform = options.platform ?? process.platform;
  const rootSetting = options.rootPrefix ?? _mergeValue(layers, "rootPrefix") ?? _guessRootPrefix(env);
  const rootPrefix = rootSetting === undefined ? undefined : expandPath(rootSetting, env, home);
  const vars = (items: readonly string[]) => items.map((item) => expandVars(item, env));
  const dirs = (items: readonly string[]) => [...new Set(items.map((item) => expandPath(item, env, home)))];

  const custom = _mergeMap(layers, "customChannels") ?? {};
  const config: CondaConfig = {
    channels: vars(_mergeList(layers, "channels") ?? ["defaults"]),
    defaultChannels: vars(_mergeList(layers, "defaultChannels") ?? defaultChannelsFor(platform)).map((url) => url.replace(/\/+$/, "")),
    channelAlias: expandVars(_mergeValue(layers, "channelAlias") ?? DEFAULT_CHANNEL_ALIAS, env).replace(/\/+$/, ""),
    customChannels: Object.fromEntries(Object.entries(custom).map(([name, url]) => [name, expandVars(url, env).replace(/\/+$/, "")])),
    channelPriority: _mergeValue(layers, "channelPriority") ?? "flexible",
    // A configured pkgs_dirs replaces the defaults; configured envs_dirs come before them (conda keeps both).
    pkgsDirs: dirs(_mergeList(layers, "pkgsDirs") ?? _defaultDirs("pkgs", home, rootPrefix)),
    envsDirs: dirs([...(_mergeList(layers, "envsDirs") ?? []), ..._defaultDirs("envs", home, rootPrefix)]),
    sources: layers.map((layer) => layer.source),
  };
  if (rootPrefix !== undefined) config.rootPrefix = rootPrefix;
  return config;
}

/**
 * Reads conda's configuration the way conda does: every .condarc on the
 * search path (or `options.files`), then `CONDA_*` variables on top.
 *
 * @example const config = await loadCondaConfig(); config.channels // ["conda-forge"]
 */
export async function loadCondaConfig(options: LoadCondaConfigOptions = {}): Promise<CondaConfig> {
  const env = options.env ?? process.env;
  const home = options.home ?? (env.HOME !== undefined && env.HOME !== "" ? env.HOME : homedir());
  const platform = options.platform ?? process.platform;
  const layers: ConfigLayer[] = [];
  if (options.files !== undefined) {
    for (const file of options.files) {
      const layer = await _readLayer(file, true);
      if (layer !== undefined) layers.push(layer);
    }
  } else {
    const seen = new Set<string>();
    const searchEnv = { ...env };
    if (!searchEnv.CONDA_ROOT) {
      const root = options.rootPrefix ?? _guessRootPrefix(env);
      if (root !== undefined) searchEnv.CONDA_ROOT = root;
    }
    for (const entry of condarcSearchPath(platform)) {
      for (const file of await _expandEntry(entry, searchEnv, home)) {
        if (seen.has(file)) continue;
        seen.add(file);
        const layer = await _readLayer(file, false);
        if (layer !== undefined) layers.push(layer);
      }
    }
  }
  const fromEnv = _environmentLayer(env, platform);
  if (fromEnv !== undefined) layers.push(fromEnv);
  return _configFromLayers(layers, { env, home, platform, ...(options.rootPrefix === undefined ? {} : { rootPrefix: options.rootPrefix }) });
}
