import { compareVersions, type Channel, type MatchSpec, type PackageRecord } from "../conda/index.js";
import type { RepodataGateway } from "./gateway.js";

export interface SearchScope {
  channels: Channel[];
  /** Subdirs to look in, e.g. `["linux-64", "noarch"]`. */
  subdirs: string[];
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
export async function searchRecords(gateway: RepodataGateway, spec: MatchSpec, scope: SearchScope): Promise<PackageRecord[]> {
  let names: string[];
  if (spec.name.includes("*")) {
    const pattern = globToRegExp(spec.name);
    const found = new Set<string>();
    for (const channel of scope.channels) {
      for (const subdir of scope.subdirs) {
        if (channel.platforms !== undefined && !channel.platforms.includes(subdir)) continue;
        const index = await gateway.subdir(channel, subdir);
        for (const name of index.names()) if (pattern.test(name)) found.add(name);
      }
    }
    names = [...found];
  } else names = [spec.name];
  const byName = await gateway.query({ channels: scope.channels, subdirs: scope.subdirs, names });
  const matches: PackageRecord[] = [];
  for (const records of byName.values()) for (const r of records) if (spec.match(r)) matches.push(r);
  return matches.sort(newestFirst);
}
