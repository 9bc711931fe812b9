import { MatchSpec, redactUrl, type PackageRecord } from "../../conda/index.js";
import { resolveChannels } from "../../env/index.js";
import { searchRecords } from "../../repodata/index.js";
import { formatTable, jsonResult, type CommandResult } from "../command.js";
import { commandContext, type ChannelFlags } from "../context.js";

export interface SearchOptions extends ChannelFlags {
  json?: boolean;
}

/** `condaguard search SPEC`: the records matching a MatchSpec, newest first, like `conda search`. */
export async function searchCommand(
  specText: string,
  options: SearchOptions,
  env: NodeJS.ProcessEnv = process.env,
): Promise<CommandResult> {
  const spec = MatchSpec.parse(specText);
  const ctx = await commandContext(options, env);
  const channels = spec.channel !== undefined ? resolveChannels([spec.channel], ctx.config, { includeConfigChannels: false }) : ctx.channels;
  const subdirs = [...new Set([spec.subdir ?? ctx.subdir, "noarch"])];
  const { records, missingSubdirs } = await searchRecords(ctx.gateway, spec, { channels, subdirs });
  const where = channels.map((c) => c.name).join(", ");
  const notes = missingSubdirs.map(
    (m) => `note: channel ${m.channel.name} has no ${m.subdir} subdir (its ${m.subdir}/repodata.json was not found).`,
  );

  if (options.json) {
    const grouped: Record<string, PackageRecord[]> = {};
    for (const r of records) (grouped[r.name] ??= []).push({ ...r, url: redactUrl(r.url), channel: redactUrl(r.channel) });
    return { ...jsonResult(grouped, records.length === 0 ? 1 : 0), diagnostics: notes };
  }
  if (records.length === 0) {
    return {
      exitCode: 1,
      output: "",
      diagnostics: [
        ...notes,
        `No match found for: ${spec.toString()} in channels ${where} for ${subdirs.join(", ")}.`,
        "Check the spelling, try another --platform, or add a channel with -c.",
      ],
    };
  }
  const nameByChannel = new Map(channels.map((c) => [c.baseUrl, c.name]));
  const rows = records.map((r) => [r.name, r.version, r.build, nameByChannel.get(r.channel) ?? redactUrl(r.channel), r.subdir]);
  return { exitCode: 0, output: formatTable(["# Name", "Version", "Build", "Channel", "Subdir"], rows), diagnostics: notes };
}

