import { existsSync } from "node:fs";
import { join } from "node:path";
import { currentSubdir } from "../../conda/index.js";
import { verifyPrefix, type LockedPackageLike, type VerifyIssue } from "../../install/index.js";
import { packagesForPlatform, readLockfile } from "../../lock/index.js";
import { jsonResult, type CommandResult } from "../command.js";
import { usageError } from "./command_options.js";
import { resolvePrefixFlag, type PrefixFlags } from "./prefix_flags.js";

export interface VerifyCommandOptions extends PrefixFlags {
  lock?: string;
  platform?: string;
  json?: boolean;
}

const TITLES: Record<VerifyIssue["kind"], string> = {
  missing: "missing files",
  modified: "modified files",
  unexpected: "files no package installed",
  "lock-missing": "locked packages not installed",
  "lock-extra": "installed packages the lock does not list",
  "lock-mismatch": "packages that differ from the lock",
  "pip-installed": "Python packages installed by pip that no lock entry explains",
};

/**
 * `condaguard verify -p PREFIX [--lock FILE]`: every file against the
 * size and sha256 conda-meta recorded, and the packages against the lock.
 * Exit 1 when anything is found.
 */
export async function verifyCommand(options: VerifyCommandOptions, env: NodeJS.ProcessEnv): Promise<CommandResult> {
  const prefix = await resolvePrefixFlag(options, env);
  if (!existsSync(join(prefix, "conda-meta"))) {
    throw usageError(`${prefix} is not a conda environment (no conda-meta/ folder).`, "Pass the prefix of an installed environment with -p or -n.");
  }
  let lock: LockedPackageLike[] | undefined;
  if (options.lock !== undefined) {
    const lockfile = await readLockfile(options.lock);
    const platform = options.platform ?? (lockfile.platforms.length === 1 ? lockfile.platforms[0] : undefined) ?? currentSubdir(env);
    lock = packagesForPlatform(lockfile, platform).map((p) => ({
      name: p.name,
      version: p.version,
      manager: p.manager,
      url: p.url,
      ...(p.build !== undefined ? { build: p.build } : {}),
      ...(p.sha256 !== undefined ? { sha256: p.sha256 } : {}),
    }));
  }
  const report = await verifyPrefix(prefix, lock === undefined ? {} : { lock });
  const exitCode = report.issues.length > 0 ? 1 : 0;
  if (options.json) return jsonResult(report, exitCode);
  const pending =
    report.uncommittedTransaction === undefined
      ? []
      : [`warning: transaction ${report.uncommittedTransaction} on this prefix was interrupted; the next install, update or remove rolls it back first.`];
  const head = `Verified ${report.packages} packages, ${report.checkedFiles} files (${(report.hashedBytes / 1024 / 1024).toFixed(1)} MiB hashed) in ${prefix}`;
  if (exitCode === 0) return { exitCode, output: `${head}: no findings.\n`, diagnostics: pending };
  const lines = [`${head}: ${report.summary.total} finding(s).`];
  for (const kind of Object.keys(TITLES) as Array<VerifyIssue["kind"]>) {
    const issues = report.issues.filter((i) => i.kind === kind);
    if (issues.length === 0) continue;
    lines.push("", `${TITLES[kind]} (${issues.length}):`);
    for (const issue of issues) lines.push(`  ${issue.detail}`);
  }
  return { exitCode, output: lines.join("\n") + "\n", diagnostics: pending };
}
