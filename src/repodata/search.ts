import { compareVersions, type Channel, type MatchSpec, type PackageRecord } from "../conda/index.js";
import type { RepodataGateway } from "./gateway.js";

export interface SearchScope {
  channels: Channel[];
  /** Subdirs to look in, e.g. `["linux-64", "noarch"]`. */
  subdirs: string[];
}

export interface SearchResult {
  /** Matching records, newest first. */
  records: PackageRecord[];
  /** Channel subdirs that do not exist (a 404 on a platform subdir counts as empty). */
  missingSubdirs: { channel: Channel; subdir: string }[];
}

/** Newest version first, then highest build number, then newest timestamp; names alphabetical. */
export function newestFirst(a: PackageRecord, b: PackageRecord): number {
  return (
    (a.name < b.name ? -1 : a.name > b.name ? 1 : 0) ||
    compareVersions(b.version, a.version) ||
    b.build_number - a.build_number ||
    (b.timestamp ?? 0) - (a.timestamp ?? 0)
  );
}

function globToRegExp(glob: string): RegExp {
  const body = glob.split("*").map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*");
  return new RegExp(`^${body}$`);
}

/**
 * Every record matching `spec` in the given channels and subdirs, newest
 * first. A name with `*` is matched against the names each subdir lists, so
 * only those names' records are materialised.
 */
export async function searchRecords(gateway: RepodataGateway, spec: MatchSpec, scope: SearchScope): Promise<SearchResult> {
  const pattern = spec.name.includes("*") ? globToRegExp(spec.name) : undefined;
  const found = new Set<string>(pattern === undefined ? [spec.name] : []);
  const missingSubdirs: SearchResult["missingSubdirs"] = [];
  for (const channel of scope.channels) {
    for (const subdir of scope.subdirs) {
      if (channel.platforms !== undefined && !channel.platforms.includes(subdir)) continue;
      // The gateway keeps loaded subdirs, so the query below does not load them again.
      const index = await gateway.subdir(channel, subdir);
      if (index.missing === true) missingSubdirs.push({ channel, subdir });
      if (pattern !== undefined) for (const name of index.names()) if (pattern.test(name)) found.add(name);
    }
  }
  const byName = await gateway.query({ channels: scope.channels, subdirs: scope.subdirs, names: [...found] });
  const records: PackageRecord[] = [];
  for (const list of byName.values()) for (const r of list) if (spec.match(r)) records.push(r);
  return { records: records.sort(newestFirst), missingSubdirs };
}
