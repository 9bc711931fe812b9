import { arch, platform, release } from "node:os";
import { detectVirtualPackages, redactUrl } from "../../conda/index.js";
import { defaultCacheDir } from "../../repodata/index.js";
import { formatTable, jsonResult, type CommandResult } from "../command.js";
import { commandContext, type ChannelFlags } from "../context.js";
import { condaguardVersion as packageVersion } from "../../install/index.js";

export interface InfoOptions extends ChannelFlags {
  json?: boolean;
}

/** `condaguard info`: the platform, virtual packages, channels and folders in effect. */
export async function infoCommand(options: InfoOptions, env: NodeJS.ProcessEnv = process.env): Promise<CommandResult> {
  const ctx = await commandContext(options, env);
  const virtualPackages = detectVirtualPackages({ subdir: ctx.subdir, env });
  const channels = ctx.channels.map((c) => ({
    name: c.name,
    url: redactUrl(c.baseUrl),
    subdirs: (c.platforms ?? [ctx.subdir, "noarch"]).map((s) => `${redactUrl(c.baseUrl)}/${s}`),
  }));
  const info = {
    condaguard_version: packageVersion(),
    node_version: process.version,
    platform: ctx.subdir,
    os: `${platform()} ${release()} (${arch()})`,
    virtual_packages: virtualPackages.map((v) => `${v.name}=${v.version}=${v.build}`),
    channels,
    channel_priority: ctx.config.channelPriority,
    config_files: ctx.config.sources,
    repodata_cache: defaultCacheDir(env),
    pkgs_dirs: ctx.config.pkgsDirs,
    envs_dirs: ctx.config.envsDirs,
    offline: options.offline ?? false,
  };
  if (options.json) return jsonResult(info);

  const field = (label: string, values: string[]): string => {
    const pad = " ".repeat(22);
    const [first, ...rest] = values.length === 0 ? ["(none)"] : values;
    return `${label.padStart(20)} : ${first}\n${rest.map((v) => `${pad}  ${v}\n`).join("")}`;
  };
  let out = "\n";
  out += field("condaguard version", [info.condaguard_version]);
  out += field("node version", [info.node_version]);
  out += field("platform", [info.platform]);
  out += field("operating system", [info.os]);
  out += field("virtual packages", info.virtual_packages);
  out += field("channel URLs", channels.flatMap((c) => c.subdirs));
  out += field("channel priority", [info.channel_priority]);
  out += field("config files", info.config_files);
  out += field("repodata cache", [info.repodata_cache]);
  out += field("package cache", info.pkgs_dirs);
  out += field("envs directories", info.envs_dirs);
  out += field("offline mode", [String(info.offline)]);
  out += "\n" + formatTable(["# Channel", "URL"], channels.map((c) => [c.name, c.url]));
  return { exitCode: 0, output: out };
}
