import { readFile } from "node:fs/promises";
import { isMap, isScalar, isSeq, type Node, type Pair, type Scalar, type YAMLMap } from "yaml";
import { isKnownSubdir, KNOWN_SUBDIRS, isCondaguardError, redactUrl } from "../conda/index.js";
import { _checkChannelReference } from "./channel_syntax.js";
import { EnvFileError, ENV_ERROR_CODES, _quote, _redactCredentials, _wherePrefix, type EnvWarning } from "./errors.js";
import { expandVars, unexpandedVars } from "./expand.js";
import { _findPipOnlySyntax } from "./pip_syntax.js";
import { _commentSelector, _mambaSelector } from "./selectors.js";
import { defaultSpecParser, _specErrorReason, type SpecParser } from "./spec_parser.js";
import { _suggestKey } from "./suggest.js";
import {
  _contentColumn,
  _nodeLocation,
  _parseYamlSource,
  _restOfLine,
  type SourceLocation,
  type YamlSource,
} from "./yaml_source.js";

/** Where one dependency was written, and the conditions attached to it. */
export interface SpecLocation extends SourceLocation {
  /** Platform selector (`linux64`, `osx`, `not win`) from a `# [..]` comment or a mamba `sel(..)` key. */
  readonly selector?: string;
  /** conda-lock category of the file the entry came from (`main`, `dev`, ...), when the file names one. */
  readonly category?: string;
}

/** The content of an environment.yml, as written (specs are validated, not normalised). */
export interface EnvironmentSpec {
  /** The path the spec was read from, as the caller gave it. */
  file?: string;
  name?: string;
  prefix?: string;
  /** Channel names, URLs or paths in file order, `${VARS}` expanded; may include `nodefaults`. */
  channels: string[];
  /** conda MatchSpec strings as written, in file order. */
  dependencies: string[];
  /** pip requirement lines (`-e .`, `--index-url ...` included) as written. */
  pip: string[];
  variables: Record<string, string>;
  /** conda-lock's `platforms:` key: subdirs to lock for. */
  platforms?: string[];
  /** conda-lock's `category:` key. */
  category?: string;
  /** conda-lock's `pip-repositories:` key, as written (they may hold `$VARS` for credentials). */
  pipRepositories?: string[];
  /** conda-lock's `allow-pypi-requests:` key. */
  allowPypiRequests?: boolean;
  /** Position of each entry of `dependencies` (same index). */
  specLocations?: SpecLocation[];
  /** Position of each entry of `pip` (same index). */
  pipLocations?: SpecLocation[];
  /** Position of each entry of `channels` (same index). */
  channelLocations?: SourceLocation[];
  /** Things that did not stop parsing but deserve a look (unknown keys, mamba-only syntax). */
  warnings?: EnvWarning[];
}

export interface ParseEnvironmentOptions {
  /**
   * Validates one conda dependency string by throwing on bad input (a
   * `CondaguardError` with a 1-based `column` gives the best message).
   * Defaults to the MatchSpec parser of src/conda.
   */
  parseSpec?: SpecParser;
  /** Variables for `${VAR}` in channel entries, as conda expands them; defaults to `process.env`. */
  env?: NodeJS.ProcessEnv;
}

const KNOWN_KEYS = [
  "name",
  "prefix",
  "channels",
  "dependencies",
  "variables",
  "platforms",
  "category",
  "pip-repositories",
  "allow-pypi-requests",
] as const;

interface Draft {
  spec: EnvironmentSpec;
  specLocations: SpecLocation[];
  pipLocations: SpecLocation[];
  channelLocations: SourceLocation[];
  warnings: EnvWarning[];
  /** Bad dependencies; the first is thrown, the rest are counted in its message. */
  specErrors: EnvFileError[];
}

function _kind(node: unknown): string {
  if (node === null || node === undefined) return "nothing";
  if (isMap(node)) return "a mapping";
  if (isSeq(node)) return "a list";
  if (isScalar(node)) {
    const value = node.value;
    if (value === null) return "nothing";
    if (typeof value === "string") return `the text ${_quote(value, 40)}`;
    return `the ${typeof value} ${String(value)}`;
  }
  return "an unsupported YAML value";
}

function _schemaError(source: YamlSource, node: Node | null | undefined, message: string, hint: string): EnvFileError {
  const at = _nodeLocation(source, node);
  return new EnvFileError(ENV_ERROR_CODES.schema, `${_wherePrefix(source.file, at?.line, at?.column)}${message}`, {
    file: source.file,
    line: at?.line,
    column: at?.column,
    hint,
  });
}

function _isNullNode(node: unknown): boolean {
  return node === null || node === undefined || (isScalar(node) && node.value === null);
}

/** A scalar as text; YAML reads `name: 2024` as a number, conda as the string "2024". */
function _scalarText(source: YamlSource, node: unknown, key: string): string | undefined {
  if (_isNullNode(node)) return undefined;
  if (isScalar(node) && (typeof node.value === "string" || typeof node.value === "number" || typeof node.value === "boolean")) {
    return String(node.value);
  }
  throw _schemaError(source, node as Node, `\`${key}\` must be a single value, found ${_kind(node)}.`, `Write \`${key}: <value>\` on one line.`);
}

/** Items of a list of strings; `key:` with nothing after it is an empty list, as in conda. */
function _stringItems(source: YamlSource, node: unknown, key: string, example: string): Array<{ text: string; node: Scalar }> {
  if (_isNullNode(node)) return [];
  if (!isSeq(node)) {
    throw _schemaError(source, node as Node, `\`${key}\` must be a list, found ${_kind(node)}.`, `Write one entry per line, e.g.\n${key}:\n  - ${example}`);
  }
  return node.items.map((item) => {
    if (isScalar(item) && typeof item.value === "string" && item.value.trim() !== "") return { text: item.value, node: item };
    throw _schemaError(
      source,
      item as Node,
      `Each entry of \`${key}\` must be text, found ${_kind(item)}.`,
      `Write the entry as a plain string such as \`${example}\`.`,
    );
  });
}

function _pairKey(source: YamlSource, pair: Pair): string {
  if (isScalar(pair.key) && (typeof pair.key.value === "string" || typeof pair.key.value === "number")) return String(pair.key.value);
  throw _schemaError(source, pair.key as Node, `Keys must be plain names, found ${_kind(pair.key)}.`, "Use keys such as `name`, `channels` and `dependencies`.");
}

function _parseChannels(source: YamlSource, node: unknown, draft: Draft, env: NodeJS.ProcessEnv): void {
  for (const item of _stringItems(source, node, "channels", "conda-forge")) {
    const at = _nodeLocation(source, item.node);
    const expanded = expandVars(item.text.trim(), env);
    const unset = unexpandedVars(expanded);
    if (unset.length > 0) {
      draft.warnings.push({
        code: "CG_ENV_UNSET_VARIABLE",
        message: `${_wherePrefix(source.file, at?.line, at?.column)}Channel ${_quote(redactUrl(expanded))} uses ${unset.map((v) => `\`$${v}\``).join(", ")}, which is not set; it is kept as written.`,
        file: source.file,
        line: at?.line,
        column: at?.column,
      });
    }
    if (expanded !== "nodefaults") _checkChannelReference(expanded, { file: source.file, line: at?.line, column: at?.column });
    draft.spec.channels.push(expanded);
    if (at !== undefined) draft.channelLocations.push(at);
  }
}

function _specError(source: YamlSource, at: SourceLocation, spec: string, offset: number, message: string, hint: string): EnvFileError {
  const column = at.column + offset;
  return new EnvFileError(ENV_ERROR_CODES.spec, `${_wherePrefix(source.file, at.line, column)}${message}`, {
    file: source.file,
    line: at.line,
    column,
    input: _redactCredentials(spec),
    hint,
  });
}

function _addCondaSpec(source: YamlSource, node: Scalar, text: string, selector: string | undefined, draft: Draft, parseSpec: SpecParser): void {
  const start = _nodeLocation(source, node) ?? { line: 1, column: 1 };
  const at: SourceLocation = { file: source.file, line: start.line, column: _contentColumn(source, node, start) };
  const pipOnly = _findPipOnlySyntax(text);
  if (pipOnly !== undefined) {
    const hint = pipOnly.reason.includes("marker")
      ? "Move it under `- pip:` in `dependencies` (pip reads markers there), or drop the marker and add a `# [linux64]`-style selector comment."
      : "Move it under `- pip:` in `dependencies`; conda installs only conda packages from this list.";
    draft.specErrors.push(
      _specError(source, at, text, pipOnly.offset, `Dependency ${_quote(text)} is a pip requirement, not a conda package spec: ${pipOnly.reason}.`, hint),
    );
    return;
  }
  try {
    parseSpec(text);
  } catch (error) {
    if (!isCondaguardError(error)) throw error;
    const offset = error.column !== undefined && error.column >= 1 ? error.column - 1 : 0;
    const reason = _specErrorReason(error);
    draft.specErrors.push(
      _specError(
        source,
        at,
        text,
        offset,
        `Dependency ${_quote(text)} is not a valid conda package spec: ${reason.charAt(0).toLowerCase()}${reason.slice(1)}.${
          /\bexpected\b/i.test(reason) ? "" : " Expected a spec such as `numpy`, `numpy=1.26`, `numpy >=1.26,<2` or `conda-forge::numpy`."
        }`,
        error.hint ?? "Fix the spec, or move it under `- pip:` if it is a pip requirement.",
      ),
    );
    return;
  }
  draft.spec.dependencies.push(text);
  draft.specLocations.push(_withConditions(at, selector, draft.spec.category));
}

function _withConditions(at: SourceLocation, selector: string | undefined, category: string | undefined): SpecLocation {
  return {
    ...at,
    ...(selector === undefined ? {} : { selector }),
    ...(category === undefined ? {} : { category }),
  };
}

function _parsePipList(source: YamlSource, node: unknown, draft: Draft): void {
  if (_isNullNode(node)) return;
  for (const item of _stringItems(source, node, "pip", "requests==2.31.0")) {
    const start = _nodeLocation(source, item.node) ?? { line: 1, column: 1 };
    const at: SourceLocation = { file: source.file, line: start.line, column: _contentColumn(source, item.node, start) };
    draft.spec.pip.push(item.text);
    draft.pipLocations.push(_withConditions(at, _commentSelector(_restOfLine(source, item.node)), draft.spec.category));
  }
}

function _parseDependencyMapping(source: YamlSource, map: YAMLMap, draft: Draft, parseSpec: SpecParser): void {
  for (const pair of map.items) {
    const key = _pairKey(source, pair);
    if (key === "pip") {
      _parsePipList(source, pair.value, draft);
      continue;
    }
    const selector = _mambaSelector(key);
    if (selector !== undefined && isScalar(pair.value) && typeof pair.value.value === "string") {
      const at = _nodeLocation(source, pair.key as Node);
      draft.warnings.push({
        code: "CG_ENV_MAMBA_SELECTOR",
        message: `${_wherePrefix(source.file, at?.line, at?.column)}\`${key}:\` is a mamba extension; conda rejects this file, mamba and condaguard apply it per platform.`,
        file: source.file,
        line: at?.line,
        column: at?.column,
      });
      _addCondaSpec(source, pair.value, pair.value.value, selector, draft, parseSpec);
      continue;
    }
    throw _schemaError(
      source,
      pair.key as Node,
      `A dependency must be a package spec string or a \`pip:\` list, found a mapping with key \`${key}\`.`,
      key.toLowerCase() === "pip"
        ? "Write the key in lower case: `- pip:`."
        : `Write \`- ${key}\` as a plain entry if it is a package, or nest pip requirements under \`- pip:\`.`,
    );
  }
}

function _parseDependencies(source: YamlSource, node: unknown, draft: Draft, parseSpec: SpecParser): void {
  if (_isNullNode(node)) return;
  if (!isSeq(node)) {
    throw _schemaError(
      source,
      node as Node,
      `\`dependencies\` must be a list, found ${_kind(node)}.`,
      "Write one package per line, e.g.\ndependencies:\n  - python=3.11\n  - numpy",
    );
  }
  for (const item of node.items) {
    if (isScalar(item) && typeof item.value === "string" && item.value.trim() !== "") {
      _addCondaSpec(source, item, item.value, _commentSelector(_restOfLine(source, item)), draft, parseSpec);
    } else if (isMap(item)) {
      _parseDependencyMapping(source, item, draft, parseSpec);
    } else {
      throw _schemaError(
        source,
        item as Node,
        `Each dependency must be a package spec string or a \`pip:\` list, found ${_kind(item)}.`,
        _isNullNode(item) ? "Remove the empty `-` entry." : "Quote the entry so it reads as text, e.g. `- \"numpy\"`.",
      );
    }
  }
}

function _parseVariables(source: YamlSource, node: unknown, draft: Draft): void {
  if (_isNullNode(node)) return;
  if (!isMap(node)) {
    throw _schemaError(source, node as Node, `\`variables\` must be a mapping of names to values, found ${_kind(node)}.`, "Write e.g.\nvariables:\n  MY_VAR: value");
  }
  for (const pair of node.items) {
    const key = _pairKey(source, pair);
    const value = _isNullNode(pair.value) ? "" : _scalarText(source, pair.value, `variables.${key}`);
    draft.spec.variables[key] = value ?? "";
  }
}

function _parsePlatforms(source: YamlSource, node: unknown, draft: Draft): void {
  const platforms: string[] = [];
  for (const item of _stringItems(source, node, "platforms", "linux-64")) {
    const platform = item.text.trim();
    if (!isKnownSubdir(platform)) {
      const at = _nodeLocation(source, item.node);
      throw new EnvFileError(ENV_ERROR_CODES.schema, `${_wherePrefix(source.file, at?.line, at?.column)}Unknown platform ${_quote(platform)} in \`platforms\`.`, {
        file: source.file,
        line: at?.line,
        column: at?.column,
        input: platform,
        hint: `Use conda subdir names: ${KNOWN_SUBDIRS.filter((s) => s !== "noarch").join(", ")}.`,
      });
    }
    platforms.push(platform);
  }
  draft.spec.platforms = platforms;
}

function _warnUnknownKey(source: YamlSource, pair: Pair, key: string, draft: Draft): void {
  const at = _nodeLocation(source, pair.key as Node);
  const guess = _suggestKey(key, KNOWN_KEYS);
  draft.warnings.push({
    code: "CG_ENV_UNKNOWN_KEY",
    message: `${_wherePrefix(source.file, at?.line, at?.column)}Unknown key \`${key}\` is ignored${guess === undefined ? "" : `; did you mean \`${guess}\`?`}`,
    file: source.file,
    line: at?.line,
    column: at?.column,
  });
}

function _hasPipPackage(dependencies: readonly string[]): boolean {
  return dependencies.some((spec) => /^(?:[^\s:]+::)?pip(?:$|[\s=<>!~[])/i.test(spec.trim()));
}

/**
 * Parses the text of an environment.yml (conda's keys plus conda-lock's
 * `platforms`, `category`, `pip-repositories` and `allow-pypi-requests`).
 * Throws `EnvFileError` at the first problem, with the file position.
 *
 * @example parseEnvironmentYaml("channels: [conda-forge]\ndependencies: [numpy]\n", "environment.yml")
 */
export function parseEnvironmentYaml(text: string, file?: string, options: ParseEnvironmentOptions = {}): EnvironmentSpec {
  const source = _parseYamlSource(text.replace(/^\uFEFF/, ""), file, ENV_ERROR_CODES.yaml, "The environment file");
  const root = source.doc.contents;
  if (_isNullNode(root)) {
    throw new EnvFileError(ENV_ERROR_CODES.schema, `${file === undefined ? "" : `${file}: `}The environment file is empty.`, {
      file,
      hint: "Add at least `dependencies:` with one package, e.g. `dependencies: [python=3.11]`.",
    });
  }
  if (!isMap(root)) {
    throw _schemaError(
      source,
      root as Node,
      `An environment file must be a mapping with keys such as \`name\`, \`channels\` and \`dependencies\`, found ${_kind(root)}.`,
      "Start the file with `name:`, `channels:` or `dependencies:` at the left margin.",
    );
  }
  const parseSpec = options.parseSpec ?? defaultSpecParser;
  const env = options.env ?? process.env;
  const draft: Draft = {
    spec: { channels: [], dependencies: [], pip: [], variables: {} },
    specLocations: [],
    pipLocations: [],
    channelLocations: [],
    warnings: [],
    specErrors: [],
  };
  if (file !== undefined) draft.spec.file = file;

  // The category applies to every dependency, wherever the key sits in the file.
  const categoryPair = root.items.find((pair) => isScalar(pair.key) && pair.key.value === "category");
  if (categoryPair !== undefined) {
    const category = _scalarText(source, categoryPair.value, "category");
    if (category !== undefined) draft.spec.category = category;
  }

  for (const pair of root.items) {
    const key = _pairKey(source, pair);
    switch (key) {
      case "name": {
        const name = _scalarText(source, pair.value, key);
        if (name !== undefined) draft.spec.name = name;
        break;
      }
      case "prefix": {
        const prefix = _scalarText(source, pair.value, key);
        if (prefix !== undefined) draft.spec.prefix = prefix;
        break;
      }
      case "channels":
        _parseChannels(source, pair.value, draft, env);
        break;
      case "dependencies":
        _parseDependencies(source, pair.value, draft, parseSpec);
        break;
      case "variables":
        _parseVariables(source, pair.value, draft);
        break;
      case "platforms":
        _parsePlatforms(source, pair.value, draft);
        break;
      case "category":
        break;
      case "pip-repositories":
        draft.spec.pipRepositories = _stringItems(source, pair.value, key, "https://pypi.example/simple").map((item) => item.text);
        break;
      case "allow-pypi-requests": {
        if (!isScalar(pair.value) || typeof pair.value.value !== "boolean") {
          throw _schemaError(source, pair.value as Node, `\`allow-pypi-requests\` must be \`true\` or \`false\`, found ${_kind(pair.value)}.`, "Write `allow-pypi-requests: true` or `allow-pypi-requests: false`.");
        }
        draft.spec.allowPypiRequests = pair.value.value;
        break;
      }
      default:
        _warnUnknownKey(source, pair, key, draft);
    }
  }

  const [firstError, ...moreErrors] = draft.specErrors;
  if (firstError !== undefined) {
    if (moreErrors.length === 0) throw firstError;
    const lines = moreErrors.map((e) => e.line).join(", ");
    throw new EnvFileError(
      firstError.code,
      `${firstError.message} ${moreErrors.length} more ${moreErrors.length === 1 ? "dependency has" : "dependencies have"} problems (line${moreErrors.length === 1 ? "" : "s"} ${lines}).`,
      { file: firstError.file, line: firstError.line, column: firstError.column, input: firstError.input, hint: firstError.hint },
    );
  }

  if (draft.spec.pip.length > 0 && !_hasPipPackage(draft.spec.dependencies)) {
    const at = draft.pipLocations[0];
    draft.warnings.push({
      code: "CG_ENV_PIP_NOT_LISTED",
      message: `${_wherePrefix(source.file, at?.line, at?.column)}The file has a \`pip:\` section but does not list \`pip\` as a conda dependency; add \`- pip\` so the environment's own pip installs these.`,
      file: source.file,
      line: at?.line,
      column: at?.column,
    });
  }

  return {
    ...draft.spec,
    specLocations: draft.specLocations,
    pipLocations: draft.pipLocations,
    channelLocations: draft.channelLocations,
    warnings: draft.warnings,
  };
}

/** Reads and parses an environment file; errors name `path` as given. */
export async function readEnvironmentFile(path: string, options: ParseEnvironmentOptions = {}): Promise<EnvironmentSpec> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === "ENOENT" ? "the file does not exist" : (error as Error).message;
    throw new EnvFileError(ENV_ERROR_CODES.read, `${path}: Cannot read the environment file: ${reason}.`, {
      file: path,
      hint: "Check the path given with `-f/--file`.",
      cause: error,
    });
  }
  return parseEnvironmentYaml(text, path, options);
}
