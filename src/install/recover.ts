import { existsSync, readdirSync, rmSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { readJournal, removeTxnDir, rollBack, TXN_DIR_PREFIX } from "./journal.js";
import { lockPrefix } from "./prefix_lock.js";
import type { RecoveryResult } from "./types.js";

/** `<parent>/.<name>.condaguard-staging-`; the creator's pid and a random part follow. */
export function stagingPrefixFor(prefix: string): string {
  return join(dirname(prefix), `.${basename(prefix)}.condaguard-staging-`);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code !== "ESRCH";
  }
}

/** Removes staging folders beside the prefix whose creating process is gone; returns their names. */
export function removeStaleStaging(prefix: string): string[] {
  const base = basename(stagingPrefixFor(prefix));
  let names: string[];
  try {
    names = readdirSync(dirname(prefix));
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    if (!name.startsWith(base)) continue;
    const pid = Number.parseInt(name.slice(base.length), 10);
    if (Number.isFinite(pid) && pid !== process.pid && alive(pid)) continue;
    if (pid === process.pid) continue;
    rmSync(join(dirname(prefix), name), { recursive: true, force: true });
    removed.push(name);
  }
  return removed;
}

/** Recovery with the prefix lock already held. */
export async function recoverLocked(prefix: string): Promise<RecoveryResult | undefined> {
  const details: string[] = [];
  const journal = readJournal(prefix);
  if (journal !== undefined) {
    rollBack(prefix, journal);
    details.push(`rolled back transaction ${journal.id} (${journal.steps.length} steps) started by pid ${journal.pid}`);
  }
  for (const name of readdirSync(prefix)) {
    if (name.startsWith(TXN_DIR_PREFIX)) {
      removeTxnDir(prefix, name);
      details.push(`removed the leftover transaction folder ${name}`);
    }
  }
  const metaDir = join(prefix, "conda-meta");
  if (existsSync(metaDir)) {
    for (const name of readdirSync(metaDir)) {
      if (/^\.condaguard-transaction\.json\.tmp-\d+$/.test(name)) {
        rmSync(join(metaDir, name), { force: true });
        details.push(`removed the unfinished journal ${name}`);
      }
    }
  }
  if (details.length === 0) return undefined;
  return { action: journal !== undefined ? "rolled-back" : "cleaned", transactionId: journal?.id, details };
}

/**
 * Finishes what an interrupted transaction left: rolls back an uncommitted
 * one (its journal exists), removes leftover transaction and staging folders.
 * Resolves to undefined when there was nothing to do.
 */
export async function recoverPrefix(prefixPath: string): Promise<RecoveryResult | undefined> {
  const prefix = resolve(prefixPath);
  const staging = removeStaleStaging(prefix);
  if (!existsSync(join(prefix, "conda-meta"))) {
    return staging.length === 0 ? undefined : { action: "cleaned", details: staging.map((s) => `removed the stale staging folder ${s}`) };
  }
  const release = await lockPrefix(prefix);
  try {
    const found = await recoverLocked(prefix);
    if (staging.length === 0) return found;
    const details = [...staging.map((s) => `removed the stale staging folder ${s}`), ...(found?.details ?? [])];
    return { action: found?.action ?? "cleaned", transactionId: found?.transactionId, details };
  } finally {
    await release();
  }
}
