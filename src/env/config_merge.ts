import type { ConfigLayer, CondarcSettings, LineFlag } from "./condarc.js";

/**
 * conda's precedence rules, layers given lowest precedence first (system
 * files, user files, `$CONDARC`, then `CONDA_*` variables):
 *
 * - A layer that marks a setting `#!final` is the last one consulted for it.
 * - Single values: the last layer that sets it wins.
 * - Mappings: merged key by key, later layers win per key.
 * - Lists: later layers come first (a user's channels go before the system's),
 *   duplicates keep their first place; entries marked `#!top` move to the
 *   front and `#!bottom` to the back.
 */
function _relevant<K extends keyof CondarcSettings>(layers: readonly ConfigLayer[], key: K): ConfigLayer[] {
  const setting = layers.filter((layer) => layer.values[key] !== undefined);
  const finalAt = setting.findIndex((layer) => layer.finalKeys.has(key));
  return finalAt < 0 ? setting : setting.slice(0, finalAt + 1);
}

function _unique(items: Iterable<string>): string[] {
  return [...new Set(items)];
}

export function _mergeList(layers: readonly ConfigLayer[], key: "channels" | "defaultChannels" | "pkgsDirs" | "envsDirs"): string[] | undefined {
  const relevant = _relevant(layers, key);
  if (relevant.length === 0) return undefined;
  const marked = (layer: ConfigLayer, flag: LineFlag): string[] => {
    const flags = layer.lineFlags[key] ?? [];
    return (layer.values[key] ?? []).filter((_, i) => flags[i] === flag);
  };
  const top = relevant.flatMap((layer) => marked(layer, "top"));
  // Bottom entries of earlier (lower-precedence) layers end up last.
  const bottom = [...relevant].reverse().flatMap((layer) => marked(layer, "bottom"));
  const all = [...relevant].reverse().flatMap((layer) => layer.values[key] ?? []);
  const bottomSet = new Set(bottom);
  const head = _unique([...top, ...all]).filter((item) => !bottomSet.has(item));
  return _unique([...head, ..._unique(bottom.reverse()).reverse()]);
}

export function _mergeValue<K extends "channelAlias" | "channelPriority" | "rootPrefix">(layers: readonly ConfigLayer[], key: K): CondarcSettings[K] | undefined {
  const relevant = _relevant(layers, key);
  return relevant[relevant.length - 1]?.values[key];
}

export function _mergeMap(layers: readonly ConfigLayer[], key: "customChannels"): Record<string, string> | undefined {
  const relevant = _relevant(layers, key);
  if (relevant.length === 0) return undefined;
  return Object.assign({}, ...relevant.map((layer) => layer.values[key]));
}
