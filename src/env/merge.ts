import type { EnvironmentSpec, SpecLocation } from "./environment_file.js";
import type { EnvWarning } from "./errors.js";
import type { SourceLocation } from "./yaml_source.js";

/** The package name a conda spec is about (`conda-forge::NumPy >=1` -> `numpy`). */
function _condaName(spec: string): string {
  const body = spec.trim().replace(/^.*::/, "");
  return (/^[^\s=<>!~\[]+/.exec(body)?.[0] ?? body).toLowerCase();
}

/** pip's normalised project name (PEP 503), or undefined for option lines such as `-e .`. */
function _pipName(line: string): string | undefined {
  const match = /^\s*([A-Za-z0-9][A-Za-z0-9._-]*)/.exec(line);
  if (match?.[1] === undefined || line.trimStart().startsWith("-")) return undefined;
  if (/^(?:git|hg|svn|bzr)\+|:\/\//i.test(line.trim()) && !/\s@\s/.test(line)) return undefined;
  return match[1].toLowerCase().replace(/[-_.]+/g, "-");
}

interface Entry {
  text: string;
  location: SpecLocation | undefined;
}

/** Later entries replace earlier ones with the same key, in the earlier one's place. */
function _mergeEntries(lists: Array<{ items: readonly string[]; locations: readonly SpecLocation[] | undefined }>, keyOf: (text: string) => string | undefined, conditionKey: (location: SpecLocation | undefined) => string): Entry[] {
  const out: Entry[] = [];
  const index = new Map<string, number>();
  for (const { items, locations } of lists) {
    items.forEach((text, i) => {
      const location = locations?.[i];
      const name = keyOf(text);
      // Option lines and URLs have no name: keep each distinct line once.
      const key = `${name ?? `\u0001${text.trim()}`}\u0000${conditionKey(location)}`;
      const at = index.get(key);
      if (at === undefined) {
        index.set(key, out.length);
        out.push({ text, location });
      } else {
        out[at] = { text, location };
      }
    });
  }
  return out;
}

/**
 * Union of channel lists that keeps every file's relative order: a channel
 * first seen in a later file goes just before the next channel of that file
 * already in the result. So a GPU overlay listing `pytorch, nvidia,
 * conda-forge` on top of a base listing `conda-forge` gives `pytorch, nvidia,
 * conda-forge`, not `conda-forge, pytorch, nvidia` (which would let
 * conda-forge shadow the CUDA builds).
 */
function _mergeChannels(specs: readonly EnvironmentSpec[], warnings: EnvWarning[]): { channels: string[]; locations: SourceLocation[] } {
  const channels: string[] = [];
  const locations: (SourceLocation | undefined)[] = [];
  for (const spec of specs) {
    spec.channels.forEach((channel, i) => {
      if (channels.includes(channel)) return;
      const next = spec.channels.slice(i + 1).find((later) => channels.includes(later));
      const at = next === undefined ? channels.length : channels.indexOf(next);
      channels.splice(at, 0, channel);
      locations.splice(at, 0, spec.channelLocations?.[i]);
    });
    const order = spec.channels.filter((c) => channels.includes(c)).map((c) => channels.indexOf(c));
    if (order.some((pos, i) => i > 0 && pos < (order[i - 1] ?? 0))) {
      warnings.push({
        code: "CG_ENV_CHANNEL_ORDER",
        message: `${spec.file ?? "An environment file"}: channel order (${spec.channels.join(", ")}) disagrees with an earlier file; the earlier order is kept.`,
        ...(spec.file === undefined ? {} : { file: spec.file }),
      });
    }
  }
  return { channels, locations: locations.filter((l): l is SourceLocation => l !== undefined).length === channels.length ? (locations as SourceLocation[]) : [] };
}

/**
 * Combines several environment files into one, as conda-lock does with
 * repeated `-f`: channels united keeping each file's order, dependencies and
 * pip lines concatenated with a later file's entry replacing an earlier one
 * for the same package (and selector), variables merged (later wins), platforms
 * united, `name`/`prefix` from the last file that sets them.
 */
export function mergeEnvironmentSpecs(specs: readonly EnvironmentSpec[]): EnvironmentSpec {
  const warnings: EnvWarning[] = specs.flatMap((spec) => spec.warnings ?? []);
  const condition = (location: SpecLocation | undefined) => location?.selector ?? "";
  const dependencies = _mergeEntries(
    specs.map((spec) => ({ items: spec.dependencies, locations: spec.specLocations })),
    _condaName,
    condition,
  );
  const pip = _mergeEntries(
    specs.map((spec) => ({ items: spec.pip, locations: spec.pipLocations })),
    _pipName,
    condition,
  );
  const { channels, locations: channelLocations } = _mergeChannels(specs, warnings);
  const merged: EnvironmentSpec = {
    channels,
    dependencies: dependencies.map((entry) => entry.text),
    pip: pip.map((entry) => entry.text),
    variables: Object.assign({}, ...specs.map((spec) => spec.variables)),
    warnings,
  };
  const last = <K extends "name" | "prefix" | "category" | "allowPypiRequests">(key: K): EnvironmentSpec[K] | undefined =>
    [...specs].reverse().find((spec) => spec[key] !== undefined)?.[key];
  const name = last("name");
  if (name !== undefined) merged.name = name;
  const prefix = last("prefix");
  if (prefix !== undefined) merged.prefix = prefix;
  const allow = last("allowPypiRequests");
  if (allow !== undefined) merged.allowPypiRequests = allow;
  const platformLists = specs.flatMap((spec) => spec.platforms ?? []);
  if (specs.some((spec) => spec.platforms !== undefined)) merged.platforms = [...new Set(platformLists)];
  const repos = specs.flatMap((spec) => spec.pipRepositories ?? []);
  if (repos.length > 0) merged.pipRepositories = [...new Set(repos)];
  if (dependencies.every((entry) => entry.location !== undefined)) merged.specLocations = dependencies.map((entry) => entry.location as SpecLocation);
  if (pip.every((entry) => entry.location !== undefined)) merged.pipLocations = pip.map((entry) => entry.location as SpecLocation);
  if (channelLocations.length === channels.length) merged.channelLocations = channelLocations;
  return merged;
}
