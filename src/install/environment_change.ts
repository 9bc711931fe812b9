import { MatchSpec, recordFromRepodata, type Channel, type PackageRecord, type VirtualPackage } from "../conda/index.js";
import type { ChannelPriority } from "../env/index.js";
import { parseArchiveUrl } from "../lock/index.js";
import type { RepodataGateway } from "../repodata/index.js";
import { loadSolveRecords, solveConda, SolverError } from "../solver/index.js";
import { readRequestedSpecs } from "./history_specs.js";
import type { InstallRecord, PrefixRecord } from "./types.js";

/** What `install SPEC`, `update` and `remove` ask of an existing environment. */
export interface EnvironmentChangeRequest {
  prefix: string;
  installed: readonly PrefixRecord[];
  /** `install SPEC...` / `update SPEC...`: specs to add or move forward. */
  specs?: readonly string[];
  /** `remove SPEC...`. */
  remove?: readonly string[];
  /** `update --all`. */
  updateAll?: boolean;
  channels: readonly Channel[];
  subdir: string;
  gateway: RepodataGateway;
  virtualPackages: readonly VirtualPackage[];
  channelPriority?: ChannelPriority;
  timeoutMs?: number;
}

export interface EnvironmentChangeSolution {
  /** The whole environment after the change. */
  records: InstallRecord[];
  /** `requested_spec` per name for the packages the user named. */
  requestedSpecs: Map<string, string>;
  /** The specs to record in the history (`update specs` or `remove specs`). */
  historySpecs: string[];
}

/** An installed conda-meta record as the solver sees it (channel = base URL without the subdir). */
export function installedAsPackageRecord(record: PrefixRecord): PackageRecord {
  const parts = record.url === undefined ? undefined : parseArchiveUrl(record.url);
  const fn = record.fn ?? parts?.fn ?? `${record.name}-${record.version}-${record.build}.conda`;
  const subdir = record.subdir ?? parts?.subdir ?? "noarch";
  const channel = parts?.channel ?? (record.channel ?? "").replace(/\/[^/]+$/, "");
  const downloadBaseUrl = record.url !== undefined ? record.url.slice(0, record.url.lastIndexOf("/")) : `${channel}/${subdir}`;
  return recordFromRepodata(fn, record as unknown as Record<string, unknown>, { channel, subdir, downloadBaseUrl });
}

function nameOf(spec: string): string {
  return MatchSpec.parse(spec).name;
}

/**
 * Re-solves an installed environment with minimal change: installed
 * packages are kept unless a requested spec, an update or a removal needs
 * them to move; the specs asked for in earlier transactions
 * (conda-meta/history) keep constraining, as conda does.
 */
export async function solveEnvironmentChange(request: EnvironmentChangeRequest): Promise<EnvironmentChangeSolution> {
  const history = await readRequestedSpecs(request.prefix);
  const specs = [...(request.specs ?? [])];
  const remove = [...(request.remove ?? [])];
  const installedNames = new Set(request.installed.map((r) => r.name));
  for (const spec of remove) {
    const name = nameOf(spec);
    if (!installedNames.has(name)) {
      throw new SolverError("CG_SOLVE_NOT_FOUND", `\`${spec}\` is not installed in ${request.prefix}, so it cannot be removed.`, {
        hint: "Run `condaguard list -p PREFIX` to see what is installed.",
      });
    }
  }
  const removedNames = new Set(remove.map(nameOf));
  const historySpecs = [...history.entries()].filter(([name]) => !removedNames.has(name)).map(([, spec]) => spec);
  const installed = request.installed.map(installedAsPackageRecord);
  const subdirs = [...new Set([request.subdir, "noarch"])];
  const names = [...specs, ...historySpecs, ...installed.map((r) => r.name)];
  const records = await loadSolveRecords(request.gateway, { channels: [...request.channels], subdirs, specs: names });
  // Installed records stay candidates even when the channel no longer lists them,
  // so "keep what is there" is always a possible answer.
  const lookup = (name: string): readonly PackageRecord[] => {
    const fromChannels = records(name);
    const mine = installed.filter((r) => r.name === name && !fromChannels.some((c) => c.fn === r.fn && c.channel === r.channel));
    return mine.length === 0 ? fromChannels : [...fromChannels, ...mine];
  };
  const outcome = solveConda({
    specs: request.updateAll === true ? [...specs, ...historySpecs.map(nameOf)] : specs,
    records: lookup,
    channels: request.channels.map((c) => c.baseUrl),
    subdir: request.subdir,
    virtualPackages: request.virtualPackages,
    installed,
    historySpecs,
    specsToRemove: remove,
    updateModifier: request.updateAll === true ? "update_all" : "update_specs",
    ...(request.channelPriority ? { channelPriority: request.channelPriority } : {}),
    ...(request.timeoutMs !== undefined ? { timeoutMs: request.timeoutMs } : {}),
  });
  const requestedSpecs = new Map(history);
  for (const name of removedNames) requestedSpecs.delete(name);
  for (const spec of specs) requestedSpecs.set(nameOf(spec), spec);
  return {
    records: outcome.records as InstallRecord[],
    requestedSpecs,
    historySpecs: remove.length > 0 ? remove : specs,
  };
}
