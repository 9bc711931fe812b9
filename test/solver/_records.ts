// Small in-memory channels for solver tests.
import type { PackageRecord } from "../../src/conda/index.js";
import type { SolveTask } from "../../src/solver/index.js";

export const FORGE = "https://conda.anaconda.org/conda-forge";
export const MAIN = "https://repo.anaconda.com/pkgs/main";

export interface RecordOptions {
  build?: string;
  build_number?: number;
  subdir?: string;
  channel?: string;
  constrains?: string[];
  track_features?: string[];
  features?: string;
  timestamp?: number;
  noarch?: "python" | "generic";
}

/** A repodata record with defaults: build "0", linux-64, conda-forge. */
export function rec(name: string, version: string, depends: string[] = [], o: RecordOptions = {}): PackageRecord {
  const build = o.build ?? "0";
  const subdir = o.subdir ?? "linux-64";
  const channel = o.channel ?? FORGE;
  const r: PackageRecord = {
    name,
    version,
    build,
    build_number: o.build_number ?? 0,
    subdir,
    fn: `${name}-${version}-${build}.conda`,
    url: `${channel}/${subdir}/${name}-${version}-${build}.conda`,
    channel,
    depends,
    constrains: o.constrains ?? [],
    track_features: o.track_features ?? [],
  };
  if (o.features !== undefined) r.features = o.features;
  if (o.timestamp !== undefined) r.timestamp = o.timestamp;
  if (o.noarch !== undefined) r.noarch = o.noarch;
  return r;
}

/** A task over `records` (by name) with every name known. */
export function taskOver(records: readonly PackageRecord[], specs: string[], extra: Partial<SolveTask> = {}): SolveTask {
  const byName = new Map<string, PackageRecord[]>();
  for (const r of records) byName.set(r.name, [...(byName.get(r.name) ?? []), r]);
  const channels = [...new Set(records.map((r) => r.channel))];
  return {
    specs,
    records: (name) => byName.get(name) ?? [],
    packageNames: () => byName.keys(),
    channels,
    subdir: "linux-64",
    ...extra,
  };
}

/** `name-version-build` of each record, sorted. */
export function names(records: readonly PackageRecord[]): string[] {
  return records.map((r) => `${r.name}-${r.version}-${r.build}`).sort();
}
