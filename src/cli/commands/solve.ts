import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import {
  CondaguardError,
  MatchSpec,
  detectVirtualPackages,
  parseVirtualPackage,
  redactUrl,
  type Channel,
  type VirtualPackage,
} from "../../conda/index.js";
import { resolveChannels } from "../../env/index.js";
import { loadSolveRecords, runConformanceCase, solveConda } from "../../solver/index.js";
import { formatTable, jsonResult, type CommandResult } from "../command.js";
import { commandContext, type ChannelFlags } from "../context.js";
import { channelPriority, timeoutMs, usageError } from "./command_options.js";

export interface SolveOptions extends ChannelFlags {
  json?: boolean;
  channelPriority?: string;
  virtualPackage?: string[];
  /** Seconds. */
  timeout?: string;
  /** A conformance case file, or `-` for standard input. */
  case?: string;
}

/** Detected virtual packages with `--virtual-package NAME=VERSION=BUILD` entries replacing those of the same name. */
function virtualPackages(subdir: string, overrides: readonly string[], env: NodeJS.ProcessEnv): VirtualPackage[] {
  const byName = new Map(detectVirtualPackages({ subdir, env }).map((v) => [v.name, v]));
  for (const text of overrides) {
    const vp = parseVirtualPackage(text);
    byName.set(vp.name, vp);
  }
  return [...byName.values()];
}

/** Channels named by `channel::name` specs that are not already in effect are searched too, after the others. */
function withSpecChannels(channels: Channel[], specs: readonly MatchSpec[], resolveOne: (name: string) => Channel): Channel[] {
  const out = [...channels];
  for (const spec of specs) {
    if (spec.channel === undefined) continue;
    const channel = resolveOne(spec.channel);
    if (!out.some((c) => c.baseUrl === channel.baseUrl)) out.push(channel);
  }
  return out;
}

/** `condaguard solve SPEC...`: one consistent set of packages for one platform, or an explanation of why none exists. */
export async function solveCommand(
  specTexts: string[],
  options: SolveOptions,
  env: NodeJS.ProcessEnv,
  readStdin: () => Promise<string>,
): Promise<CommandResult> {
  if (options.case !== undefined) return solveCase(options.case, readStdin, env);
  if (specTexts.length === 0) throw usageError("solve needs at least one spec (or --case FILE).", "Example: condaguard solve 'python 3.11.*' pip -c conda-forge");
  const priority = channelPriority(options.channelPriority);
  const limit = timeoutMs(options.timeout);
  const specs = specTexts.map((s) => MatchSpec.parse(s));
  const ctx = await commandContext(options, env);
  const channels = withSpecChannels(ctx.channels, specs, (name) => resolveChannels([name], ctx.config, { includeConfigChannels: false })[0] as Channel);
  const subdirs = [...new Set([ctx.subdir, "noarch"])];
  const virtual = virtualPackages(ctx.subdir, options.virtualPackage ?? [], env);
  const records = await loadSolveRecords(ctx.gateway, { channels, subdirs, specs: specTexts });
  // Every name the channels list, for "did you mean" when a spec matches nothing.
  const indexes = await Promise.all(channels.flatMap((c) => subdirs.map((s) => ctx.gateway.subdir(c, s))));
  const packageNames = (): Iterable<string> => new Set(indexes.flatMap((index) => index.names()));
  const outcome = solveConda({
    specs: specTexts,
    records,
    packageNames,
    channels: channels.map((c) => c.baseUrl),
    subdir: ctx.subdir,
    virtualPackages: virtual,
    channelPriority: priority ?? ctx.config.channelPriority,
    ...(limit === undefined ? {} : { timeoutMs: limit }),
  });
  const nameOf = new Map(channels.map((c) => [c.baseUrl, c.name]));
  const packages = [...outcome.records].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  if (options.json) {
    return jsonResult({
      platform: ctx.subdir,
      channels: channels.map((c) => ({ name: c.name, url: redactUrl(c.baseUrl) })),
      virtual_packages: virtual.map((v) => `${v.name}=${v.version}=${v.build}`),
      packages: packages.map((r) => ({ ...r, url: redactUrl(r.url), channel: nameOf.get(r.channel) ?? redactUrl(r.channel) })),
    });
  }
  const rows = packages.map((r) => [r.name, r.version, r.build, nameOf.get(r.channel) ?? redactUrl(r.channel), r.subdir]);
  return {
    exitCode: 0,
    output: formatTable(["# Name", "Version", "Build", "Channel", "Subdir"], rows),
    diagnostics: [`Solved ${specTexts.join(", ")} for ${ctx.subdir}: ${packages.length} packages.`],
  };
}

/** `solve --case FILE|-`: one peer conformance case in, the result in the conformance format out. */
async function solveCase(source: string, readStdin: () => Promise<string>, env: NodeJS.ProcessEnv): Promise<CommandResult> {
  const text = source === "-" ? await readStdin() : await readFile(source, "utf8").catch((err: NodeJS.ErrnoException) => {
    throw new CondaguardError("CG_CASE_READ", `Cannot read the case file ${source}: ${err.code ?? err.message}.`, { file: source, hint: "Check the path, or pass - to read the case from standard input." });
  });
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new CondaguardError("CG_CASE_INVALID", `The case ${source === "-" ? "on standard input" : source} is not valid JSON: ${(err as Error).message}.`, {
      hint: "Pass one case object as described in the solver conformance README.",
      ...(source === "-" ? {} : { file: source }),
    });
  }
  const fromCase = typeof parsed === "object" && parsed !== null ? (parsed as { _data_dir?: unknown })._data_dir : undefined;
  const dataDir = typeof fromCase === "string" ? fromCase : (env.CONDAGUARD_SHARED_DATA ?? resolve("..", "shared", "data"));
  return { exitCode: 0, output: JSON.stringify(runConformanceCase(parsed, dataDir)) + "\n" };
}
