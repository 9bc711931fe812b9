import { existsSync } from "node:fs";
import { join } from "node:path";
import { isKnownSubdir, redactUrl } from "../../conda/index.js";
import { readPrefix } from "../../install/index.js";
import { formatTable, jsonResult, type CommandResult } from "../command.js";
import { usageError } from "./command_options.js";
import { resolvePrefixFlag, type PrefixFlags } from "./prefix_flags.js";

export interface ListOptions extends PrefixFlags {
  json?: boolean;
  explicit?: boolean;
}

function channelLabel(channel: string | undefined): string {
  if (channel === undefined || channel === "") return "";
  const tail = channel.replace(/\/+$/, "").split("/").pop() ?? "";
  const root = isKnownSubdir(tail) ? channel.replace(/\/+$/, "").slice(0, -tail.length - 1) : channel;
  const m = /^https?:\/\/conda\.anaconda\.org\/([^/]+)$/.exec(root);
  if (m !== null) return m[1] as string;
  if (/^https?:\/\/repo\.anaconda\.com\/pkgs\//.test(root)) return root.replace(/^https?:\/\/repo\.anaconda\.com\/pkgs\//, "pkgs/");
  return redactUrl(root);
}

/** `condaguard list -p PREFIX`: the installed packages, as `conda list` prints them. */
export async function listCommand(options: ListOptions, env: NodeJS.ProcessEnv): Promise<CommandResult> {
  const prefix = await resolvePrefixFlag(options, env);
  if (!existsSync(join(prefix, "conda-meta"))) {
    throw usageError(`${prefix} is not a conda environment (no conda-meta/ folder).`, "Create one with `condaguard create -p PREFIX -f environment.yml`.");
  }
  const records = (await readPrefix(prefix)).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  if (options.json) {
    return jsonResult(
      records.map((r) => ({
        name: r.name,
        version: r.version,
        build_string: r.build,
        build_number: r.build_number ?? 0,
        channel: channelLabel(r.channel),
        platform: r.subdir,
        url: r.url === undefined ? undefined : redactUrl(r.url),
        sha256: r.sha256,
      })),
    );
  }
  if (options.explicit) {
    const lines = [`# platform: ${records.find((r) => r.subdir !== "noarch")?.subdir ?? "noarch"}`, "@EXPLICIT"];
    for (const r of records) if (r.url !== undefined) lines.push(`${r.url}${r.sha256 !== undefined ? `#${r.sha256}` : r.md5 !== undefined ? `#${r.md5}` : ""}`);
    return { exitCode: 0, output: lines.join("\n") + "\n" };
  }
  const table = formatTable(
    ["# Name", "Version", "Build", "Channel"],
    records.map((r) => [r.name, r.version, r.build, channelLabel(r.channel)]),
  );
  return { exitCode: 0, output: `# packages in environment at ${prefix}:\n#\n${table}` };
}
