import type { InstallRecord, LinkRequest, PrefixRecord, TransactionPlan } from "./types.js";

const SUBDIR_SUFFIX = /\/(noarch|linux-[\w]+|osx-[\w]+|win-[\w]+|zos-z|emscripten-wasm32|wasi-wasm32)\/?$/;

/** Channel URL without a trailing subdir, so `.../main/linux-64` and `.../main` compare equal. */
export function channelRoot(channel: string | undefined): string {
  return (channel ?? "").replace(SUBDIR_SUFFIX, "").replace(/\/+$/, "");
}

/** Same package build from the same channel, and the same archive when both know its sha256. */
export function sameBuild(a: InstallRecord, b: InstallRecord): boolean {
  if (a.name !== b.name || a.version !== b.version || a.build !== b.build) return false;
  if (channelRoot(a.channel) !== channelRoot(b.channel)) return false;
  if (a.sha256 !== undefined && b.sha256 !== undefined && a.sha256 !== b.sha256) return false;
  return true;
}

/**
 * What turns the installed records into the desired set: records whose
 * build (name, version, build, channel, sha256) is wanted stay, every other
 * installed record is unlinked and every other request linked. `desired` is
 * the whole environment, so names absent from it are removed.
 */
export function planTransaction(installed: PrefixRecord[], desired: LinkRequest[]): TransactionPlan {
  const wanted = new Map<string, LinkRequest>();
  for (const request of desired) wanted.set(request.record.name, request);
  const unlink: PrefixRecord[] = [];
  const unchanged: PrefixRecord[] = [];
  const keep = new Set<string>();
  for (const record of installed) {
    const request = wanted.get(record.name);
    if (request !== undefined && sameBuild(record, request.record)) {
      unchanged.push(record);
      keep.add(record.name);
    } else {
      unlink.push(record);
    }
  }
  const link = desired.filter((r) => !keep.has(r.record.name));
  return { unlink, link, unchanged };
}
