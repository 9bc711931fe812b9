import { homedir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { isKnownSubdir, redactUrl, type Channel } from "../conda/index.js";
import { _channelReferenceKind, _checkChannelReference, type ChannelOrigin } from "./channel_syntax.js";
import { defaultCondaConfig, type CondaConfig } from "./config.js";
import { EnvFileError, ENV_ERROR_CODES, _wherePrefix } from "./errors.js";
import { expandUser } from "./expand.js";
import type { SourceLocation } from "./yaml_source.js";

export interface ResolveChannelOptions extends ChannelOrigin {
  /** Folder that relative channel paths are relative to (the environment file's folder); defaults to the working folder. */
  baseDir?: string;
  /** Home folder for `~`. */
  home?: string;
}

export interface ResolveChannelsOptions {
  /** Folder for relative channel paths; defaults to the folder of `file`, then the working folder. */
  baseDir?: string;
  home?: string;
  /**
   * Append the configured `channels` (from .condarc, usually `defaults`) after
   * the given ones, as `conda env create` does, unless the list holds
   * `nodefaults`. Default true; pass false for `--override-channels`.
   */
  includeConfigChannels?: boolean;
  /** The file the names came from, and the position of each name (same index), for error messages. */
  file?: string;
  locations?: readonly (SourceLocation | undefined)[];
}

/** Names that stand for several channels or for none. */
const MULTI = new Set(["defaults", "nodefaults", "local"]);

/** The URL without `user:pass@` and without a `/t/<token>` path part, for comparing locations. */
function _bare(url: string): string {
  return url
    .replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@\s]*@/i, "$1")
    .replace(/\/t\/[^/]+(?=\/|$)/g, "")
    .replace(/\/+$/, "");
}

/** Splits a trailing known subdir off a location: `…/conda-forge/linux-64` -> (`…/conda-forge`, `linux-64`). */
function _splitSubdir(location: string): { root: string; subdir?: string } {
  const trimmed = location.replace(/\/+$/, "");
  const slash = trimmed.lastIndexOf("/");
  const last = trimmed.slice(slash + 1);
  if (slash > 0 && isKnownSubdir(last)) return { root: trimmed.slice(0, slash), subdir: last };
  return { root: trimmed };
}

/** The name a default channel answers to: its URL path (`pkgs/main`), or the whole URL for local ones. */
function _defaultChannelName(url: string): string {
  if (/^file:/i.test(url)) return url;
  try {
    return new URL(_bare(url)).pathname.replace(/^\/+|\/+$/g, "") || redactUrl(url);
  } catch {
    return redactUrl(url);
  }
}

/**
 * conda's canonical name for a channel location: relative to the channel
 * alias (`conda-forge`), the default channels (`pkgs/main`) or a custom
 * channel's server; anything else is its URL with credentials removed.
 */
function _canonicalName(url: string, config: CondaConfig): string {
  const bare = _bare(url);
  for (const channel of config.defaultChannels) {
    if (_bare(channel) === bare) return _defaultChannelName(channel);
  }
  for (const [name, server] of Object.entries(config.customChannels)) {
    const root = `${_bare(server)}/${name}`;
    if (bare === root || bare.startsWith(`${root}/`)) return name + bare.slice(root.length);
  }
  const alias = _bare(config.channelAlias);
  if (bare.startsWith(`${alias}/`)) return bare.slice(alias.length + 1);
  return redactUrl(url.replace(/\/+$/, ""));
}

function _channel(name: string, baseUrl: string, subdir: string | undefined): Channel {
  return subdir === undefined ? { name, baseUrl } : { name, baseUrl, platforms: [subdir] };
}

function _fromName(name: string, config: CondaConfig): string {
  // custom_channels wins over the alias; the longest matching name is the most specific.
  const custom = Object.keys(config.customChannels)
    .filter((key) => name === key || name.startsWith(`${key}/`))
    .sort((a, b) => b.length - a.length)[0];
  if (custom !== undefined) return `${(config.customChannels[custom] ?? "").replace(/\/+$/, "")}/${name}`;
  // `pkgs/main` means the configured default channel of that name, mirrors included.
  const byDefault = config.defaultChannels.find((url) => {
    const defaultName = _defaultChannelName(url);
    return defaultName === name || defaultName.endsWith(`/${name}`);
  });
  if (byDefault !== undefined) return byDefault.replace(/\/+$/, "");
  return `${config.channelAlias.replace(/\/+$/, "")}/${name}`;
}

function _localBuildChannel(config: CondaConfig, home: string): Channel {
  const folder = config.rootPrefix === undefined ? join(home, "conda-bld") : join(config.rootPrefix, "conda-bld");
  const url = pathToFileURL(folder).href.replace(/\/+$/, "");
  return { name: url, baseUrl: url };
}

/**
 * Resolves one channel reference to its location, as conda does:
 * `conda-forge` -> `${channel_alias}/conda-forge`; `pkgs/main` -> the default
 * channel of that name; a `custom_channels` name -> its server; URLs as
 * given (trailing `/` and a trailing subdir such as `/linux-64` split off into
 * `platforms`); paths -> `file://` URLs. Credentials stay in `baseUrl` only.
 *
 * @example resolveChannel("conda-forge", config) // { name: "conda-forge", baseUrl: "https://conda.anaconda.org/conda-forge" }
 */
export function resolveChannel(nameOrUrl: string, config: CondaConfig, options: ResolveChannelOptions = {}): Channel {
  const text = nameOrUrl.trim();
  const origin: ChannelOrigin = { file: options.file, line: options.line, column: options.column };
  _checkChannelReference(text, origin);
  if (MULTI.has(text)) {
    throw new EnvFileError(ENV_ERROR_CODES.channelUnknown, `${_wherePrefix(origin.file, origin.line, origin.column)}\`${text}\` names a group of channels, not one channel.`, {
      ...origin,
      input: text,
      hint: "Resolve channel lists with `resolveChannels`, which expands `defaults` and honours `nodefaults`.",
    });
  }
  const kind = _channelReferenceKind(text);
  if (kind === "url") {
    const { root, subdir } = _splitSubdir(text);
    return _channel(_canonicalName(root, config), root, subdir);
  }
  if (kind === "path") {
    const home = options.home ?? homedir();
    const absolute = resolve(options.baseDir ?? process.cwd(), expandUser(text, home));
    const { root, subdir } = _splitSubdir(pathToFileURL(absolute).href);
    return _channel(root, root, subdir);
  }
  const { root: name, subdir } = _splitSubdir(text);
  return _channel(name, _fromName(name, config), subdir);
}

/**
 * Resolves an ordered channel list: `defaults` expands to `default_channels`,
 * duplicates keep their first (highest-priority) place, and the configured
 * channels are appended unless the list says `nodefaults` (conda's rule for
 * environment files: `nodefaults` drops everything not written in the file).
 */
export function resolveChannels(names: readonly string[], config: CondaConfig, options: ResolveChannelsOptions = {}): Channel[] {
  const home = options.home ?? homedir();
  const baseDir = options.baseDir ?? (options.file === undefined ? undefined : dirname(resolve(options.file)));
  // Only names the caller gave carry a file position; configured channels come from .condarc.
  const wanted: Array<{ name: string; origin: ChannelOrigin }> = names.map((name, i) => {
    const location = options.locations?.[i];
    const file = location?.file ?? options.file;
    return { name, origin: { ...(file === undefined ? {} : { file }), ...(location === undefined ? {} : { line: location.line, column: location.column }) } };
  });
  const noDefaults = names.some((name) => name.trim() === "nodefaults");
  if (options.includeConfigChannels !== false && !noDefaults) {
    for (const name of config.channels) wanted.push({ name, origin: {} });
  }
  const out: Channel[] = [];
  const seen = new Set<string>();
  const add = (channel: Channel) => {
    const key = `${channel.baseUrl}\u0000${(channel.platforms ?? []).join(",")}`;
    if (seen.has(key)) return;
    seen.add(key);
    out.push(channel);
  };
  for (const { name, origin } of wanted) {
    const text = name.trim();
    if (text === "nodefaults") continue;
    if (text === "defaults") {
      for (const url of config.defaultChannels) add(resolveChannel(url, config, { home }));
      continue;
    }
    if (text === "local") {
      add(_localBuildChannel(config, home));
      continue;
    }
    add(resolveChannel(text, config, { ...origin, home, ...(baseDir === undefined ? {} : { baseDir }) }));
  }
  return out;
}

/**
 * The name to print for a channel: `conda-forge`, `pkgs/main`, or the URL with
 * credentials removed. Accepts a channel or a bare URL (as lockfiles store it).
 */
export function channelDisplayName(channel: Channel | string, config: CondaConfig = defaultCondaConfig()): string {
  const url = typeof channel === "string" ? channel : channel.baseUrl;
  if (_channelReferenceKind(url.trim()) === "url") {
    const { root } = _splitSubdir(url.trim());
    return _canonicalName(root, config);
  }
  return redactUrl(typeof channel === "string" ? channel : channel.name);
}
