import { currentSubdir } from "../../conda/index.js";
import { exportExplicit, packagesForPlatform } from "../../lock/index.js";
import { jsonResult, type CommandResult } from "../command.js";
import type { ChannelFlags } from "../context.js";
import { writeFileAtomic } from "./lock.js";
import { readPackageSource } from "./package_source.js";
import { usageError } from "./command_options.js";
import { resolvePrefixFlag, type PrefixFlags } from "./prefix_flags.js";

export interface ExportOptions extends ChannelFlags, PrefixFlags {
  explicit?: boolean;
  lock?: string;
  file?: string;
  output?: string;
  md5?: boolean;
  json?: boolean;
}

/**
 * `condaguard export --explicit`: an `@EXPLICIT` file (one URL per line with
 * `#sha256`, CEP 23) from a lock (`--lock`), an environment file (`-f`,
 * solved) or an environment (`-p`/`-n`). Without `--explicit`: an
 * environment.yml pinning every package to its exact build.
 */
export async function exportCommand(options: ExportOptions, env: NodeJS.ProcessEnv): Promise<CommandResult> {
  const given = [options.lock, options.file, options.prefix ?? options.name].filter((x) => x !== undefined);
  if (given.length !== 1) throw usageError("export needs exactly one of --lock FILE, -f FILE or -p/-n.", "Example: condaguard export --explicit --lock conda-lock.yml --platform linux-64");
  const path = options.lock ?? options.file ?? (await resolvePrefixFlag(options, env));
  const source = await readPackageSource(path, options.platform, options, env);
  const platform = options.platform ?? (source.lock.platforms.length === 1 ? source.lock.platforms[0] : undefined) ?? currentSubdir(env);
  let text: string;
  if (options.explicit === true) text = exportExplicit(source.lock, platform, { hash: options.md5 === true ? "md5" : "sha256" });
  else {
    const packages = packagesForPlatform(source.lock, platform).filter((p) => p.manager === "conda");
    const pip = packagesForPlatform(source.lock, platform).filter((p) => p.manager === "pip");
    const channels = source.lock.channels.map((c) => c.url);
    const lines = [`# Exported by condaguard from ${source.path} for ${platform}: every package at its exact build.`];
    lines.push(`channels:${channels.length === 0 ? " []" : ""}`, ...channels.map((c) => `  - ${c}`));
    lines.push("dependencies:", ...packages.map((p) => `  - ${p.name}=${p.version}=${p.build ?? "*"}`));
    if (pip.length > 0) lines.push("  - pip:", ...pip.map((p) => `      - ${p.name}==${p.version}`));
    text = lines.join("\n") + "\n";
  }
  if (options.output !== undefined) {
    await writeFileAtomic(options.output, text);
    return options.json ? jsonResult({ output: options.output, platform }) : { exitCode: 0, output: "", diagnostics: [`Wrote ${options.output} (${platform}).`] };
  }
  return options.json ? jsonResult({ platform, text }) : { exitCode: 0, output: text };
}
