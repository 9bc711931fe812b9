import type { Channel, PackageRecord } from "../conda/index.js";
import type { RepodataGateway } from "../repodata/index.js";
import { specName } from "./request.js";
import type { RecordSource } from "./task.js";

function nameOf(text: string): string | undefined {
  try {
    const name = specName(text);
    return name.includes("*") || name.startsWith("^") ? undefined : name;
  } catch {
    return undefined;
  }
}

/**
 * Fetches, through the gateway, the repodata of the channels' subdirs and
 * returns the lookup a `SolveTask` needs. Where every subdir can answer at
 * once (whole-subdir repodata), the lookup reads a name's records when the
 * solver first asks for it, so a solve parses only the names its search
 * reaches. Otherwise (sharded repodata, fetched per name) the records of
 * every name the specs can reach are fetched first (following `depends`
 * names recursively; constrains are not followed) and names never fetched
 * answer `[]`.
 */
export async function loadSolveRecords(
  gateway: RepodataGateway,
  request: { channels: Channel[]; subdirs: string[]; specs: readonly string[] },
): Promise<RecordSource> {
  const lazy = await gateway.lookup(request);
  if (lazy !== undefined) return lazy;
  const names = [...new Set(request.specs.map(nameOf).filter((n): n is string => n !== undefined && !n.startsWith("__")))];
  const found = await gateway.query({ channels: request.channels, subdirs: request.subdirs, names, recursive: true });
  const empty: readonly PackageRecord[] = [];
  return (name) => found.get(name) ?? empty;
}
