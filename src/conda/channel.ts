/**
 * A channel after its name was resolved to a location (see src/env for the
 * resolution rules). Only the location matters to fetching; `name` is what a
 * user sees in output and in `channel::package` specs.
 */
export interface Channel {
  /** Canonical name as conda prints it: `conda-forge`, `pkgs/main`, or the redacted URL of a custom channel. */
  readonly name: string;
  /** Channel root without subdir and without trailing slash (`https://…/conda-forge`, `file:///…`). May carry credentials: print it only through `redactUrl`. */
  readonly baseUrl: string;
  /** Subdirs this channel is restricted to (`conda-forge/linux-64::pkg`, `[linux-64]`); undefined means all. */
  readonly platforms?: readonly string[];
}

/**
 * Removes credentials from a URL for printing: the `user:pass@` part and
 * anaconda.org-style `/t/<token>` path tokens are replaced by three stars.
 */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@\s]*@/i, "$1***@").replace(/\/t\/[^/]+(?=\/|$)/g, "/t/***");
}

/** The URL of one subdir of a channel, e.g. `…/conda-forge/linux-64`. */
export function subdirUrl(channel: Channel, subdir: string): string {
  return `${channel.baseUrl.replace(/\/+$/, "")}/${subdir}`;
}
