import { isMap, isScalar, isSeq, type Node, type Pair } from "yaml";
import { _checkChannelReference, _channelReferenceKind } from "./channel_syntax.js";
import type { ChannelPriority, CondaConfig } from "./config.js";
import { EnvFileError, ENV_ERROR_CODES, _quote, _wherePrefix } from "./errors.js";
import { _nodeLocation, _parseYamlSource, _restOfLine, _sourceLine, type YamlSource } from "./yaml_source.js";

/** The settings one .condarc file sets, as written (no `~` or `$VAR` expansion yet). */
export type CondarcSettings = Partial<Omit<CondaConfig, "sources">>;

/** conda's per-line markers on list entries: `- conda-forge  #!top`. */
export type LineFlag = "top" | "bottom" | undefined;

/** One source of settings (a file or the environment), with conda's merge markers. */
export interface ConfigLayer {
  readonly source: string;
  readonly values: CondarcSettings;
  /** Settings marked `#!final`: sources of higher precedence cannot change them. */
  readonly finalKeys: ReadonlySet<keyof CondarcSettings>;
  /** `#!top` / `#!bottom` per list entry, same index as the list. */
  readonly lineFlags: Partial<Record<"channels" | "defaultChannels" | "pkgsDirs" | "envsDirs", readonly LineFlag[]>>;
}

type ListKey = "channels" | "defaultChannels" | "pkgsDirs" | "envsDirs";

/** .condarc keys (with conda's aliases) for the settings we read. Other keys are conda's business and ignored. */
const LIST_KEYS: Record<string, ListKey> = {
  channels: "channels",
  channel: "channels",
  default_channels: "defaultChannels",
  pkgs_dirs: "pkgsDirs",
  envs_dirs: "envsDirs",
  envs_path: "envsDirs",
};

const PRIORITIES: readonly ChannelPriority[] = ["strict", "flexible", "disabled"];

function _error(source: YamlSource, node: Node | null | undefined, code: "CG_CONDARC" | "CG_CHANNEL_UNKNOWN", message: string, hint: string): EnvFileError {
  const at = _nodeLocation(source, node);
  return new EnvFileError(code, `${_wherePrefix(source.file, at?.line, at?.column)}${message}`, {
    file: source.file,
    line: at?.line,
    column: at?.column,
    hint,
  });
}

function _describe(node: unknown): string {
  if (isMap(node)) return "a mapping";
  if (isSeq(node)) return "a list";
  if (isScalar(node)) return node.value === null ? "nothing" : `${_quote(String(node.value), 40)}`;
  return "nothing";
}

/** A channel server location: what `channel_alias`, `default_channels` and `custom_channels` values must be. */
function _checkLocation(source: YamlSource, node: Node, text: string, key: string): void {
  const at = _nodeLocation(source, node);
  _checkChannelReference(text, { file: source.file, line: at?.line, column: at?.column });
  if (_channelReferenceKind(text) === "name") {
    throw _error(
      source,
      node,
      ENV_ERROR_CODES.channelUnknown,
      `\`${key}\` entry ${_quote(text)} is a channel name, but it must be a URL or an absolute path.`,
      "Write the full location, e.g. `https://conda.example.org` or `/srv/conda`.",
    );
  }
}

function _list(source: YamlSource, pair: Pair, key: string): { items: string[]; flags: LineFlag[] } {
  const node = pair.value;
  if (node === null || (isScalar(node) && node.value === null)) return { items: [], flags: [] };
  if (!isSeq(node)) {
    throw _error(source, node as Node, ENV_ERROR_CODES.condarc, `\`${key}\` must be a list, found ${_describe(node)}.`, `Write one entry per line under \`${key}:\`, each starting with \`- \`.`);
  }
  const items: string[] = [];
  const flags: LineFlag[] = [];
  for (const item of node.items) {
    if (!isScalar(item) || (typeof item.value !== "string" && typeof item.value !== "number") || String(item.value).trim() === "") {
      throw _error(source, item as Node, ENV_ERROR_CODES.condarc, `Each entry of \`${key}\` must be text, found ${_describe(item)}.`, "Write each entry as a plain string.");
    }
    const text = String(item.value).trim();
    if (key === "default_channels") _checkLocation(source, item, text, key);
    else if (key === "channels" || key === "channel") {
      const at = _nodeLocation(source, item);
      _checkChannelReference(text, { file: source.file, line: at?.line, column: at?.column });
    }
    items.push(text);
    const rest = _restOfLine(source, item);
    flags.push(/#!top\b/.test(rest) ? "top" : /#!bottom\b/.test(rest) ? "bottom" : undefined);
  }
  return { items, flags };
}

function _text(source: YamlSource, pair: Pair, key: string): string | undefined {
  const node = pair.value;
  if (node === null || (isScalar(node) && node.value === null)) return undefined;
  if (isScalar(node) && (typeof node.value === "string" || typeof node.value === "number")) return String(node.value).trim();
  throw _error(source, node as Node, ENV_ERROR_CODES.condarc, `\`${key}\` must be a single value, found ${_describe(node)}.`, `Write \`${key}: <value>\` on one line.`);
}

/**
 * Reads one .condarc with conda's merge markers kept (`#!final` after a key,
 * `#!top`/`#!bottom` after a list entry). Unknown keys are ignored: conda has
 * hundreds of settings and we read only those that change what gets installed.
 */
export function _parseCondarcLayer(text: string, file: string): ConfigLayer {
  const source = _parseYamlSource(text.replace(/^\uFEFF/, ""), file, ENV_ERROR_CODES.condarc, "The .condarc file");
  const values: CondarcSettings = {};
  const finalKeys = new Set<keyof CondarcSettings>();
  const lineFlags: ConfigLayer["lineFlags"] = {};
  const root = source.doc.contents;
  if (root === null || (isScalar(root) && root.value === null)) return { source: file, values, finalKeys, lineFlags };
  if (!isMap(root)) {
    throw _error(source, root as Node, ENV_ERROR_CODES.condarc, `A .condarc file must be a mapping of settings, found ${_describe(root)}.`, "Write settings as `key: value` lines, e.g. `channels: [conda-forge]`.");
  }
  for (const pair of root.items) {
    if (!isScalar(pair.key)) continue;
    const key = String(pair.key.value);
    const keyAt = _nodeLocation(source, pair.key as Node);
    const isFinal = keyAt !== undefined && /#!final\b/.test(_sourceLine(source, keyAt.line));
    let setting: keyof CondarcSettings | undefined;
    const listKey = LIST_KEYS[key];
    if (listKey !== undefined) {
      const { items, flags } = _list(source, pair, key);
      values[listKey] = items;
      lineFlags[listKey] = flags;
      setting = listKey;
    } else if (key === "channel_alias") {
      const alias = _text(source, pair, key);
      if (alias !== undefined) {
        _checkLocation(source, pair.value as Node, alias, key);
        values.channelAlias = alias;
        setting = "channelAlias";
      }
    } else if (key === "channel_priority") {
      const node = pair.value;
      const raw = isScalar(node) ? node.value : undefined;
      // conda still accepts the old boolean form: true meant "use priority".
      const priority = raw === true ? "flexible" : raw === false ? "disabled" : typeof raw === "string" ? raw.trim().toLowerCase() : undefined;
      if (priority === undefined || !(PRIORITIES as readonly string[]).includes(priority)) {
        throw _error(source, node as Node, ENV_ERROR_CODES.condarc, `\`channel_priority\` must be \`strict\`, \`flexible\` or \`disabled\`, found ${_describe(node)}.`, "Set `channel_priority: strict` (recommended) or `flexible`.");
      }
      values.channelPriority = priority as ChannelPriority;
      setting = "channelPriority";
    } else if (key === "custom_channels") {
      const node = pair.value;
      const map: Record<string, string> = {};
      if (node !== null && !(isScalar(node) && node.value === null)) {
        if (!isMap(node)) {
          throw _error(source, node as Node, ENV_ERROR_CODES.condarc, `\`custom_channels\` must map channel names to URLs, found ${_describe(node)}.`, "Write e.g.\ncustom_channels:\n  my-channel: https://conda.example.org");
        }
        for (const entry of node.items) {
          const name = isScalar(entry.key) ? String(entry.key.value) : "";
          const url = _text(source, entry, `custom_channels.${name}`);
          if (url === undefined) continue;
          _checkLocation(source, entry.value as Node, url, `custom_channels.${name}`);
          map[name.replace(/\/+$/, "")] = url;
        }
      }
      values.customChannels = map;
      setting = "customChannels";
    } else if (key === "root_prefix" || key === "root_dir") {
      const root = _text(source, pair, key);
      if (root !== undefined) {
        values.rootPrefix = root;
        setting = "rootPrefix";
      }
    }
    if (setting !== undefined && isFinal) finalKeys.add(setting);
  }
  return { source: file, values, finalKeys, lineFlags };
}

/**
 * Parses one .condarc into the settings it sets, as written: `~` and `$VARS`
 * stay unexpanded (`loadCondaConfig` expands them after merging).
 */
export function parseCondarc(text: string, file: string): CondarcSettings {
  return _parseCondarcLayer(text, file).values;
}
