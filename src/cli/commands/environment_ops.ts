import { createInterface } from "node:readline/promises";
import { redactUrl } from "../../conda/index.js";
import type { CacheProgress } from "../../package/index.js";
import type { LockInstallOutcome, PlannedChange } from "../../install/index.js";
import { diffPackageSets, formatPackageDiff, packagesFromPrefixRecords } from "../../lock/index.js";
import { jsonResult, type CommandResult } from "../command.js";
import type { ProgressSink } from "../progress.js";

/** Flags every command that changes an environment accepts. */
export interface ChangeFlags {
  allowUnverified?: boolean;
  allowLinkScripts?: boolean;
  dryRun?: boolean;
  yes?: boolean;
  json?: boolean;
}

/** What a changing command needs from the terminal. */
export interface ChangeIO {
  progress: ProgressSink;
  /** Shows the plan and asks to go on; absent when standard input is not a terminal (then the change proceeds, as with -y). */
  confirm?: (plan: string[]) => Promise<boolean>;
}

/** Lines like `conda` prints before a transaction: what is added, removed, changed. */
export function describeChange(change: PlannedChange, platform: string): string[] {
  const before = packagesFromPrefixRecords([...change.unchanged, ...change.unlink], platform);
  const after = packagesFromPrefixRecords([...change.unchanged, ...change.link], platform);
  return formatPackageDiff(diffPackageSets(before, after, { ignorePlatform: true }));
}

/** Asks `Proceed ([y]/n)?` on a terminal; true when there is nobody to ask. */
export async function askToProceed(io: ChangeIO, flags: ChangeFlags, plan: string[]): Promise<boolean> {
  if (flags.yes === true || flags.json === true || io.confirm === undefined) return true;
  return io.confirm(plan);
}

/** A terminal prompt on the process's stdin/stderr. */
export async function terminalConfirm(plan: string[]): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    process.stderr.write(plan.join("\n") + "\n");
    const answer = (await rl.question("Proceed ([y]/n)? ")).trim().toLowerCase();
    return answer === "" || answer === "y" || answer === "yes";
  } finally {
    rl.close();
  }
}

/** Progress bars for the downloads of a transaction. */
export function fetchProgress(progress: ProgressSink): (event: CacheProgress) => void {
  const tasks = new Map<string, ReturnType<ProgressSink["task"]>>();
  return (event) => {
    if (event.type === "cached" || event.type === "waiting-for-lock") return;
    let task = tasks.get(event.fn);
    if (task === undefined) {
      task = progress.task(event.fn, event.type === "download-start" || event.type === "download-progress" ? event.total : undefined);
      tasks.set(event.fn, task);
    }
    if (event.type === "download-progress") task.update(event.done, event.total);
    if (event.type === "extract-done") task.finish();
  };
}

/** The command's output for a finished (or dry-run) transaction. */
export function changeResult(outcome: LockInstallOutcome, lines: string[], flags: ChangeFlags, extra: Record<string, unknown> = {}, notes: string[] = []): CommandResult {
  const warnings = [...notes, ...outcome.warnings.map((w) => `warning: ${w}`)];
  if (flags.json) {
    return jsonResult({
      prefix: outcome.prefix,
      dry_run: flags.dryRun === true,
      link: outcome.change.link.map((r) => ({ name: r.name, version: r.version, build: r.build, url: r.url === undefined ? undefined : redactUrl(r.url), sha256: r.sha256 })),
      unlink: outcome.change.unlink.map((r) => ({ name: r.name, version: r.version, build: r.build })),
      unchanged: outcome.change.unchanged.length,
      downloaded: outcome.downloaded,
      cached: outcome.cached,
      warnings: outcome.warnings,
      ...extra,
    });
  }
  const out: string[] = [];
  if (lines.length === 0) out.push(`All requested packages already installed in ${outcome.prefix}.`);
  else out.push(`## Package plan for ${outcome.prefix}`, "", ...lines.map((l) => `  ${l}`), "");
  if (flags.dryRun === true) out.push("Dry run: nothing was downloaded or changed.");
  else if (outcome.result !== undefined) {
    out.push(
      `${outcome.result.created ? "Created" : "Updated"} ${outcome.prefix}: ${outcome.result.linked.length} linked, ${outcome.result.unlinked.length} removed, ${outcome.result.unchanged.length} unchanged (${outcome.downloaded} downloaded, ${outcome.cached} from the package cache).`,
    );
  }
  return { exitCode: 0, output: out.join("\n") + "\n", diagnostics: warnings };
}
