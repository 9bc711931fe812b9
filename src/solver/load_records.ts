import type { Channel, PackageRecord } from "../conda/index.js";
import type { RepodataGateway } from "../repodata/index.js";
import { specName } from "./request.js";

function nameOf(text: string): string | undefined {
  try {
    const name = specName(text);
    return name.includes("*") || name.startsWith("^") ? undefined : name;
  } catch {
    return undefined;
  }
}

/**
 * Fetches, through the gateway, the records of every name the specs can
 * reach (following `depends` names recursively; constrains are not
 * followed), and returns the lookup a `SolveTask` needs. Names never fetched
 * answer `[]`.
 */
export async function loadSolveRecords(
  gateway: RepodataGateway,
  request: { channels: Channel[]; subdirs: string[]; specs: readonly string[] },
): Promise<(name: string) => readonly PackageRecord[]> {
  const names = [...new Set(request.specs.map(nameOf).filter((n): n is string => n !== undefined && !n.startsWith("__")))];
  const found = await gateway.query({ channels: request.channels, subdirs: request.subdirs, names, recursive: true });
  const empty: readonly PackageRecord[] = [];
  return (name) => found.get(name) ?? empty;
}
