import { existsSync } from "node:fs";
import { join } from "node:path";
import { currentSubdir, type Channel } from "../../conda/index.js";
import { resolveChannels } from "../../env/index.js";
import { installRecordsIntoPrefix, readPrefix, solveEnvironmentChange } from "../../install/index.js";
import { parseArchiveUrl } from "../../lock/index.js";
import type { CommandResult } from "../command.js";
import { commandContext, type ChannelFlags } from "../context.js";
import { askToProceed, changeResult, describeChange, fetchProgress, type ChangeFlags, type ChangeIO } from "./environment_ops.js";
import { channelPriority, timeoutMs, usageError, virtualPackagesByPlatform } from "./command_options.js";
import { resolvePrefixFlag, type PrefixFlags } from "./prefix_flags.js";

export interface UpdateOptions extends Omit<ChannelFlags, "platform">, PrefixFlags, ChangeFlags {
  all?: boolean;
  virtualPackage?: string[];
  channelPriority?: string;
  timeout?: string;
}

type Mode = "install" | "update" | "remove";

/**
 * `condaguard install -p PREFIX SPEC...`, `update -p PREFIX [SPEC...|--all]`
 * and `remove -p PREFIX SPEC...`: re-solve the installed environment with
 * minimal change, show the change, then apply it in one transaction.
 */
export async function changeCommand(mode: Mode, specs: string[], options: UpdateOptions, env: NodeJS.ProcessEnv, io: ChangeIO, command: string): Promise<CommandResult> {
  const prefix = await resolvePrefixFlag(options, env);
  if (!existsSync(join(prefix, "conda-meta"))) {
    throw usageError(`${prefix} is not a conda environment (no conda-meta/ folder).`, "Create it first with `condaguard create -p PREFIX -f environment.yml`.");
  }
  if ((mode === "remove" || mode === "install") && specs.length === 0) throw usageError(`${mode} needs at least one package spec.`, `Example: condaguard ${mode} -p ${prefix} numpy`);
  if (mode === "update" && specs.length === 0 && options.all !== true) throw usageError("update needs package specs or --all.", `Example: condaguard update -p ${prefix} --all`);
  const platform = currentSubdir(env);
  const ctx = await commandContext({ ...options, platform }, env);
  const installed = await readPrefix(prefix);
  // The channels the environment's packages came from are searched too, after the configured ones.
  const channels: Channel[] = [...ctx.channels];
  for (const record of installed) {
    const root = record.url === undefined ? undefined : parseArchiveUrl(record.url)?.channel;
    if (root === undefined || root === "" || channels.some((c) => c.baseUrl === root)) continue;
    const [resolved] = resolveChannels([root], ctx.config, { includeConfigChannels: false });
    if (resolved !== undefined) channels.push(resolved);
  }
  const priority = channelPriority(options.channelPriority);
  const limit = timeoutMs(options.timeout);
  const solution = await solveEnvironmentChange({
    prefix,
    installed,
    ...(mode === "remove" ? { remove: specs } : { specs }),
    updateAll: options.all === true,
    channels,
    subdir: platform,
    gateway: ctx.gateway,
    virtualPackages: virtualPackagesByPlatform([platform], options.virtualPackage, env)[platform] ?? [],
    ...(priority === undefined ? {} : { channelPriority: priority }),
    ...(limit === undefined ? {} : { timeoutMs: limit }),
  });
  const base = {
    pkgsDirs: ctx.config.pkgsDirs,
    requestedSpecs: solution.requestedSpecs,
    command: `condaguard ${command}`,
    ...(mode === "remove" ? { removeSpecs: solution.historySpecs } : { updateSpecs: solution.historySpecs }),
    ...(options.allowUnverified ? { allowUnverified: true } : {}),
    ...(options.allowLinkScripts ? { allowLinkScripts: true } : {}),
  };
  const planned = await installRecordsIntoPrefix(prefix, solution.records, { ...base, dryRun: true });
  const lines = describeChange(planned.change, platform);
  if (options.dryRun === true || lines.length === 0) return changeResult(planned, lines, options);
  if (!(await askToProceed(io, options, [`## Package plan for ${prefix}`, "", ...lines.map((x) => `  ${x}`), ""]))) {
    return { exitCode: 1, output: "Cancelled: nothing was changed.\n" };
  }
  const outcome = await installRecordsIntoPrefix(prefix, solution.records, { ...base, onFetch: fetchProgress(io.progress) });
  io.progress.stop();
  return changeResult(outcome, lines, options);
}
