import { MatchSpec, channelMatches } from "../conda/index.js";
import type { CondaProvider } from "./conda_provider.js";
import { newestVersionFirst } from "./request.js";
import type { SolveTask } from "./task.js";

/** Levenshtein distance, stopping early once it exceeds `limit`. */
export function editDistance(a: string, b: string, limit = Infinity): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    let best = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      const v = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + cost);
      row.push(v);
      if (v < best) best = v;
    }
    if (best > limit) return limit + 1;
    prev = row;
  }
  return prev[b.length];
}

/** Up to `max` known names close to `name` (edit distance at most 2, or a third of the name). */
export function closeNames(name: string, known: Iterable<string>, max = 3): string[] {
  const limit = Math.max(1, Math.min(2, Math.floor(name.length / 3)));
  const scored: Array<[number, string]> = [];
  for (const other of known) {
    if (other === name) continue;
    const d = editDistance(name, other, limit);
    if (d <= limit) scored.push([d, other]);
  }
  scored.sort((x, y) => x[0] - y[0] || (x[1] < y[1] ? -1 : 1));
  return scored.slice(0, max).map(([, n]) => n);
}

function listVersions(versions: string[], max = 5): string {
  const unique = [...new Set(versions)].sort(newestVersionFirst);
  const shown = unique.slice(0, max).join(", ");
  return unique.length > max ? `${shown}, … (${unique.length} versions)` : shown;
}

/**
 * The message of a spec that matches nothing: whether the name is unknown
 * (with close names), known with other versions only, or only available for
 * other platforms.
 */
export function notFoundMessage(text: string, task: SolveTask, provider: CondaProvider): string {
  let spec: MatchSpec;
  try {
    spec = MatchSpec.parse(text);
  } catch (err) {
    const detail = err instanceof Error ? (err.message.split("\n")[0] ?? "") : String(err);
    return `No package matches '${text}': ${detail.replace(/^Invalid package spec "[^"]*" at column \d+: /, "")}`;
  }
  const name = spec.name;
  const where = `${task.subdir} (and noarch)`;
  const candidates = provider.sortedCandidates(name).map((s) => provider.record(s));
  if (candidates.length > 0) {
    if (spec.channel !== undefined && !candidates.some((r) => channelMatches(spec.channel as string, r.channel))) {
      return `No package matches '${text}': channel ${spec.channel} has no ${name} for ${where}; other channels do.`;
    }
    return `No package matches '${text}': ${name} exists for ${where}, but only as ${listVersions(candidates.map((r) => r.version))}.`;
  }
  const elsewhere = provider.hiddenRecords.get(name) ?? [];
  const matchingElsewhere = elsewhere.filter((r) => spec.match(r));
  if (matchingElsewhere.length > 0) {
    const subdirs = [...new Set(matchingElsewhere.map((r) => r.subdir))].sort();
    return `No package matches '${text}' for ${where}: ${name} is only available for ${subdirs.join(", ")}.`;
  }
  if (elsewhere.length > 0) {
    const subdirs = [...new Set(elsewhere.map((r) => r.subdir))].sort();
    return `No package matches '${text}' for ${where}: ${name} is only available for ${subdirs.join(", ")}, and not in a matching version there either.`;
  }
  if (name.startsWith("__")) {
    return `No package matches '${text}': ${name} is a virtual package that the target system does not have (declare it with --virtual-package or CONDA_OVERRIDE_${name.slice(2).toUpperCase()}).`;
  }
  let message = `No package matches '${text}': ${name} is not in any channel for ${where}.`;
  if (task.packageNames !== undefined) {
    const close = closeNames(name, task.packageNames());
    if (close.length > 0) message += ` Did you mean ${close.map((n) => `'${n}'`).join(", ")}?`;
  }
  return message;
}
