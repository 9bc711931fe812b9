import { isKnownSubdir } from "./platform.js";

/** Hosts whose channel names are the URL path (`https://conda.anaconda.org/conda-forge` is `conda-forge`). */
const ANACONDA_HOSTS = new Set(["conda.anaconda.org", "conda-static.anaconda.org", "repo.anaconda.com", "repo.anaconda.cloud"]);
/** What conda's `defaults` stands for. */
const DEFAULTS = new Set(["pkgs/main", "pkgs/r", "pkgs/msys2", "pkgs/free", "pkgs/pro"]);

/** A channel given in a spec (`conda-forge/linux-64`, a URL), split into channel and subdir. */
export interface ChannelParts {
  channel?: string;
  subdir?: string;
}

const isUrl = (value: string): boolean => /^[a-z][a-z0-9+.-]*:\/\//i.test(value);

/** Drops `user:password@` and `/t/<token>` from a channel URL: they grant access but do not name the channel. */
export function stripChannelCredentials(value: string): string {
  return value.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@\s]*@/i, "$1").replace(/^([a-z][a-z0-9+.-]*:\/\/[^/]+)\/t\/[^/]+(?=\/|$)/i, "$1");
}

/**
 * Splits `conda-forge/linux-64` or `https://…/conda-forge/noarch` into the
 * channel and the subdir, as conda does for `channel/subdir::name`.
 * Trailing slashes go; `*` as a channel means any channel.
 */
export function splitChannel(value: string): ChannelParts {
  let text = value.trim().replace(/\/+$/, "");
  if (text === "") return {};
  let subdir: string | undefined;
  const slash = text.lastIndexOf("/");
  if (slash >= 0 && isKnownSubdir(text.slice(slash + 1)) && !text.endsWith("//")) {
    subdir = text.slice(slash + 1);
    text = text.slice(0, slash).replace(/\/+$/, "");
  }
  const out: ChannelParts = {};
  if (text !== "" && text !== "*") out.channel = text;
  if (subdir !== undefined) out.subdir = subdir;
  return out;
}

interface ChannelLocation {
  /** conda's channel name: the URL path for any host (`conda-forge`, `pkgs/main`, `channels/foo`). */
  name: string;
  /** Scheme, host and path without credentials, token or subdir; undefined for a bare name. */
  url?: string;
  /** Lower-cased host (with port) of `url`. */
  host?: string;
}

// A run sees a handful of channels but matches millions of records against them.
const located = new Map<string, ChannelLocation>();

function locate(value: string): ChannelLocation {
  let hit = located.get(value);
  if (hit === undefined) {
    if (located.size >= 1000) located.clear();
    hit = locateUncached(value);
    located.set(value, hit);
  }
  return hit;
}

function locateUncached(value: string): ChannelLocation {
  const { channel = "" } = splitChannel(value);
  if (!isUrl(channel)) return { name: channel };
  let url: URL;
  try {
    url = new URL(channel);
  } catch {
    return { name: channel };
  }
  // Tokens (`/t/<token>/`) and credentials never take part in identity.
  const path = url.pathname.replace(/^\/t\/[^/]+/, "").replace(/\/+$/, "");
  const name = decodeURIComponent(path.replace(/^\/+/, ""));
  const host = url.host.toLowerCase();
  return { name: name === "" ? host : name, url: `${url.protocol}//${host}${path}`, host };
}

/**
 * Whether a record's channel (usually its base URL) is the channel a spec
 * names. A name matches the URL's path, or its last segments (so
 * `conda-forge` matches `https://mirror.example/x/conda-forge`); a URL in
 * the spec must match the record's URL, except that anaconda.org hosts
 * compare by name. `defaults` matches conda's default channels.
 */
export function channelMatches(specChannel: string, recordChannel: string): boolean {
  const spec = locate(specChannel);
  const record = locate(recordChannel);
  if (spec.url !== undefined) {
    if (record.url === undefined) return spec.name === record.name;
    if (spec.url === record.url) return true;
    return ANACONDA_HOSTS.has(spec.host ?? "") && ANACONDA_HOSTS.has(record.host ?? "") && spec.name === record.name;
  }
  if (spec.name === record.name) return true;
  if (spec.name === "defaults") return DEFAULTS.has(record.name);
  return record.url !== undefined && record.name.endsWith(`/${spec.name}`);
}

/** The name a user sees for a channel value: the path for anaconda.org URLs, else the value without subdir. */
export function channelDisplayName(value: string): string {
  const where = locate(value);
  if (where.url === undefined) return where.name;
  return ANACONDA_HOSTS.has(where.host ?? "") ? where.name : where.url;
}
