import { channelRoot } from "./plan.js";
import { distName } from "./prefix_records.js";
import type { InstallRecord } from "./types.js";

/** The channel as conda's history names it: `defaults`, a conda.anaconda.org name, or the URL. */
export function historyChannel(channel: string | undefined): string {
  const root = channelRoot(channel);
  if (root === "") return "<unknown>";
  if (/^https?:\/\/repo\.anaconda\.com\/pkgs\/(main|r|msys2|free|pro)$/.test(root)) return "defaults";
  const m = /^https?:\/\/conda\.anaconda\.org\/(.+)$/.exec(root);
  if (m !== null) return m[1];
  return root;
}

/** Python's repr of a str, as conda prints specs in `# update specs: [...]`. */
function pyRepr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  const body = s.replace(/\\/g, "\\\\").replace(new RegExp(quote, "g"), `\\${quote}`);
  return `${quote}${body}${quote}`;
}

function pad(n: number): string {
  return String(n).padStart(2, "0");
}

/** `2020-12-11 16:40:57` in local time, conda's header format. */
export function historyTimestamp(date: Date): string {
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}

/** One conda-meta/history block: header, `# cmd:`, our version, `-dist` then `+dist` lines, specs. */
export function historyBlock(options: {
  date: Date;
  command: string;
  version: string;
  unlinked: InstallRecord[];
  linked: InstallRecord[];
  updateSpecs?: string[];
  removeSpecs?: string[];
}): string {
  const lines = [`==> ${historyTimestamp(options.date)} <==`, `# cmd: ${options.command}`, `# condaguard version: ${options.version}`];
  for (const r of options.unlinked) lines.push(`-${historyChannel(r.channel)}::${distName(r)}`);
  for (const r of options.linked) lines.push(`+${historyChannel(r.channel)}::${distName(r)}`);
  if (options.updateSpecs !== undefined && options.updateSpecs.length > 0) {
    lines.push(`# update specs: [${options.updateSpecs.map(pyRepr).join(", ")}]`);
  }
  if (options.removeSpecs !== undefined && options.removeSpecs.length > 0) {
    lines.push(`# remove specs: [${options.removeSpecs.map(pyRepr).join(", ")}]`);
  }
  return `${lines.join("\n")}\n`;
}
