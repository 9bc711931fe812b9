import { pathToFileURL } from "node:url";
import { resolve } from "node:path";
import { BuildNumberSpec } from "./build_number_spec.js";
import { splitChannel, stripChannelCredentials } from "./channel_match.js";
import { MatchSpecError, VersionSpecError } from "./errors.js";
import { VersionSpec } from "./version_spec.js";

/** The parts of a MatchSpec, as parsed or as given to `MatchSpec.create`. */
export interface MatchSpecFields {
  /** Package name, lower case; `*` or a glob/regex matches several. */
  name: string;
  version?: VersionSpec;
  /** Build string: exact, glob (`py39*`) or `^...$` regex. */
  build?: string;
  buildNumber?: BuildNumberSpec;
  /** Channel name (`conda-forge`) or URL without subdir and credentials. */
  channel?: string;
  subdir?: string;
  /** conda's reserved `channel:namespace:name` part; not used for matching. */
  namespace?: string;
  md5?: string;
  sha256?: string;
  license?: string;
  licenseFamily?: string;
  trackFeatures?: string[];
  features?: string[];
  url?: string;
  fn?: string;
  /** Legacy `(optional)` marker. */
  optional?: boolean;
  /** Condition of a conditional dependency (`pkg[when="__linux"]`); left to the solver, not used by `match`. */
  when?: string;
  /** Bare words in brackets (`ray[default,data]`): conda ignores them; kept for display only. */
  extras?: string[];
}

/** Keys accepted inside `[...]`, as conda spells them. */
const BRACKET_KEYS = [
  "name",
  "version",
  "build",
  "build_number",
  "channel",
  "subdir",
  "md5",
  "sha256",
  "license",
  "license_family",
  "track_features",
  "features",
  "url",
  "fn",
  "when",
] as const;
type BracketKey = (typeof BRACKET_KEYS)[number];

/**
 * A piece of the input with the original index of every character, so that
 * an error found after conda's rewriting steps still points at the right column.
 */
class Span {
  constructor(
    readonly text: string,
    private readonly pos: readonly number[],
  ) {}

  static of(text: string): Span {
    return new Span(
      text,
      Array.from({ length: text.length }, (_, i) => i),
    );
  }

  /** Original index of character `i`; one past the last character for `i >= length`. */
  at(i: number): number {
    if (i < this.pos.length) return this.pos[Math.max(0, i)];
    return this.pos.length === 0 ? 0 : this.pos[this.pos.length - 1] + 1;
  }

  slice(start: number, end?: number): Span {
    return new Span(this.text.slice(start, end), this.pos.slice(start, end));
  }

  remove(start: number, end: number): Span {
    return new Span(this.text.slice(0, start) + this.text.slice(end), [...this.pos.slice(0, start), ...this.pos.slice(end)]);
  }

  trim(): Span {
    const start = this.text.length - this.text.trimStart().length;
    return this.slice(start, start + this.text.trim().length);
  }

  without(ch: string): Span {
    const keep = [...this.text].map((c, i) => (c === ch ? -1 : i)).filter((i) => i >= 0);
    return new Span(keep.map((i) => this.text[i]).join(""), keep.map((i) => this.pos[i]));
  }

  append(ch: string): Span {
    return new Span(this.text + ch, [...this.pos, this.at(this.text.length)]);
  }
}

interface BracketValue {
  value: string;
  span: Span;
  keyIndex: number;
}

/** Parses a conda MatchSpec string into its fields; throws `MatchSpecError` pointing at the bad character. */
export function parseMatchSpecText(input: string): MatchSpecFields {
  const fail = (reason: string, index: number, hint?: string): never => {
    throw new MatchSpecError(input, reason, index + 1, hint);
  };
  let s = Span.of(input);

  // Old conda spelled "needs feature mkl" as `mkl@`.
  const trimmedInput = input.trim();
  if (trimmedInput.endsWith("@") && trimmedInput.length > 1) {
    return { name: "*", trackFeatures: [trimmedInput.slice(0, -1)] };
  }

  const hash = s.text.indexOf("#");
  if (hash >= 0) s = s.slice(0, hash);
  // conda ignores a trailing ` if <condition>` (reserved for conditional dependencies).
  const condition = s.text.indexOf(" if ");
  if (condition >= 0) s = s.slice(0, condition);
  s = s.trim();
  if (s.text === "") fail("expected a package name, found nothing", s.at(0));

  if (/\.(conda|tar\.bz2)$/.test(s.text)) return parsePackageLocation(s.text, input, s.at(0));

  const brackets = new Map<BracketKey, BracketValue>();
  const extras: string[] = [];
  // The first '[' (names and channels never hold one) up to the last ']', so quoted regexes may hold brackets.
  const close = s.text.lastIndexOf("]");
  const open = s.text.indexOf("[");
  if (open >= 0 && close < 0) fail("found '[' without a closing ']'", s.at(open));
  if (close >= 0 && open < 0) fail("found ']' without an opening '['", s.at(close));
  if (open > close) fail("found '[' without a closing ']'", s.at(open));
  if (open >= 0) {
    parseBrackets(s.slice(open + 1, close), brackets, extras, fail);
    s = s.remove(open, close + 1);
    const extra = s.text.search(/[[\]]/);
    if (extra >= 0) fail("expected a single [...] section", s.at(extra));
  }

  let optional = false;
  const parenClose = s.text.lastIndexOf(")");
  const parenOpen = parenClose >= 0 ? s.text.lastIndexOf("(", parenClose) : s.text.indexOf("(");
  if (parenOpen >= 0 || parenClose >= 0) {
    const content = parenOpen >= 0 && parenClose > parenOpen ? s.text.slice(parenOpen + 1, parenClose).trim() : undefined;
    // conda drops anything else in parentheses silently; refusing it keeps a constraint from vanishing.
    if (content !== "optional") {
      fail(
        "expected parentheses only in '(optional)'",
        s.at(parenOpen >= 0 ? parenOpen : parenClose),
        "Put grouped versions in brackets, e.g. \"numpy[version='(>=1.2,<2)|>=3']\".",
      );
    }
    optional = true;
    s = s.remove(parenOpen, parenClose + 1);
  }

  // `channel:namespace:name`, split at the last two colons so URLs with ports survive.
  let channelParts: { channel?: string; subdir?: string } = {};
  let namespace: string | undefined;
  const lastColon = s.text.lastIndexOf(":");
  if (lastColon >= 0) {
    const prevColon = s.text.lastIndexOf(":", lastColon - 1);
    if (prevColon >= 0) {
      channelParts = splitChannel(s.text.slice(0, prevColon));
      namespace = s.text.slice(prevColon + 1, lastColon);
    } else {
      namespace = s.text.slice(0, lastColon);
    }
    s = s.slice(lastColon + 1);
  }
  const bracketChannel = brackets.get("channel");
  if (bracketChannel !== undefined) {
    const parts = splitChannel(bracketChannel.value);
    if (parts.channel !== undefined) channelParts.channel = parts.channel;
    if (parts.subdir !== undefined) channelParts.subdir = parts.subdir;
  }
  const bracketSubdir = brackets.get("subdir");
  if (bracketSubdir !== undefined) channelParts.subdir = bracketSubdir.value;

  s = s.trim();
  const nameLength = /^[^ =<>!~]*/.exec(s.text)?.[0].length ?? 0;
  if (nameLength === 0) fail(s.text === "" ? "expected a package name, found nothing" : `expected a package name, found '${s.text[0]}'`, s.at(0));
  const nameSpan = s.slice(0, nameLength);
  const badName = nameSpan.text.search(/[,|;'"()[\]\\]/);
  if (badName >= 0) {
    fail(`expected a package name, found '${nameSpan.text[badName]}' in it`, nameSpan.at(badName), "Give one package per spec; versions follow the name, e.g. 'numpy >=1.2,<2'.");
  }

  const fields: MatchSpecFields = { name: nameSpan.text.toLowerCase() };
  if (channelParts.channel !== undefined) fields.channel = stripChannelCredentials(channelParts.channel);
  if (channelParts.subdir !== undefined) fields.subdir = channelParts.subdir;
  if (namespace !== undefined && namespace !== "") fields.namespace = namespace;
  if (optional) fields.optional = true;
  if (extras.length > 0) fields.extras = extras;

  const rest = s.slice(nameLength).trim();
  if (rest.text !== "") {
    const { version, build } = splitVersionAndBuild(rest);
    const versionSpan = translateEquals(version.without(" "), build !== undefined, fail);
    fields.version = compileVersion(versionSpan, fail);
    if (build !== undefined) fields.build = build.text;
  }

  for (const [key, entry] of brackets) {
    applyBracket(fields, key, entry, fail);
  }
  return fields;
}

type Fail = (reason: string, index: number, hint?: string) => never;

function parseBrackets(inner: Span, out: Map<BracketKey, BracketValue>, extras: string[], fail: Fail): void {
  const text = inner.text;
  let i = 0;
  for (;;) {
    while (i < text.length && /[\s,]/.test(text[i])) i++;
    if (i >= text.length) return;
    const keyStart = i;
    while (i < text.length && /[A-Za-z0-9_-]/.test(text[i])) i++;
    const key = text.slice(keyStart, i);
    if (key === "") fail(`expected key=value inside [...], found '${text[i]}'`, inner.at(i));
    if (i >= text.length || /[\s,]/.test(text[i])) {
      // A bare word is an extra (`ray[default,data]`); conda skips these too.
      extras.push(key);
      continue;
    }
    if (text[i] !== "=") fail(`expected '=' after '${key}'`, inner.at(i));
    if (!(BRACKET_KEYS as readonly string[]).includes(key)) {
      fail(`expected one of ${BRACKET_KEYS.join(", ")} inside [...], found '${key}'`, inner.at(keyStart));
    }
    i++;
    let valueStart = i;
    let valueEnd: number;
    const quote = text[i];
    if (quote === "'" || quote === '"') {
      valueStart = i + 1;
      valueEnd = text.indexOf(quote, valueStart);
      if (valueEnd < 0) fail(`expected a closing ${quote}`, inner.at(text.length));
      i = valueEnd + 1;
      if (i < text.length && !/[\s,]/.test(text[i])) fail("expected ',' or ']' after a quoted value", inner.at(i));
    } else {
      while (i < text.length && !/[\s,]/.test(text[i])) {
        if (text[i] === "'" || text[i] === '"') fail("expected a quote only at the start of a value", inner.at(i));
        i++;
      }
      valueEnd = i;
    }
    const value = text.slice(valueStart, valueEnd);
    if (value === "") fail(`expected a value for '${key}'`, inner.at(valueStart));
    out.set(key as BracketKey, { value, span: inner.slice(valueStart, valueEnd), keyIndex: inner.at(keyStart) });
  }
}

const OPERATOR_BEFORE = "=!|,<>~";
const NOT_IN_BUILD = /[-=,|<>~]/;

/**
 * conda's rule for `version build`: the build is the text after the first
 * space or `=` that does not follow an operator character, provided the
 * rest holds no `-=,|<>~` (so `>=1.0 , < 2.0 py34_0` splits before `py34_0`).
 */
function splitVersionAndBuild(rest: Span): { version: Span; build?: Span } {
  const text = rest.text;
  for (let i = 1; i < text.length - 1; i++) {
    if (text[i] !== " " && text[i] !== "=") continue;
    if (OPERATOR_BEFORE.includes(text[i - 1])) continue;
    const tail = text.slice(i + 1);
    if (NOT_IN_BUILD.test(tail)) continue;
    return { version: rest.slice(0, i), build: rest.slice(i + 1).trim() };
  }
  return { version: rest };
}

/** `=1.2` means the prefix `1.2.*`, `==1.2` exactly 1.2, and `=1.2=build` exactly 1.2 (conda's rules). */
function translateEquals(version: Span, hasBuild: boolean, fail: Fail): Span {
  const text = version.text;
  if (!text.startsWith("=")) return version;
  const body = version.slice(1);
  if (text.startsWith("==") && !hasBuild) {
    if (text.length === 2) fail("expected a version after '=='", version.at(2));
    return version.slice(2);
  }
  if (/[=,|]/.test(body.text)) return version;
  if (body.text === "") fail("expected a version after '='", version.at(1));
  return !hasBuild && !body.text.endsWith("*") ? body.append("*") : body;
}

function compileVersion(span: Span, fail: Fail): VersionSpec {
  try {
    return VersionSpec.parse(span.text);
  } catch (error) {
    if (error instanceof VersionSpecError) return fail(error.reason, span.at((error.column ?? 1) - 1));
    throw error;
  }
}

function applyBracket(fields: MatchSpecFields, key: BracketKey, entry: BracketValue, fail: Fail): void {
  const value = entry.value;
  switch (key) {
    case "name":
      fields.name = value.toLowerCase();
      return;
    case "version":
      fields.version = compileVersion(entry.span, fail);
      return;
    case "build":
      fields.build = value;
      return;
    case "build_number":
      try {
        fields.buildNumber = BuildNumberSpec.parse(value);
      } catch (error) {
        if (error instanceof VersionSpecError) fail(`${error.reason} for build_number`, entry.span.at((error.column ?? 1) - 1));
        throw error;
      }
      return;
    case "channel":
    case "subdir":
      return; // applied with the positional channel
    case "md5":
    case "sha256":
      if (!/^[0-9a-fA-F]+$/.test(value)) fail(`expected a hexadecimal ${key}`, entry.span.at(0));
      fields[key] = value.toLowerCase();
      return;
    case "license":
    case "url":
    case "fn":
    case "when":
      fields[key] = value;
      return;
    case "license_family":
      fields.licenseFamily = value;
      return;
    case "track_features":
      fields.trackFeatures = value.split(/[\s,]+/).filter(Boolean);
      return;
    case "features":
      fields.features = value.split(/[\s,]+/).filter(Boolean);
      return;
  }
}

const isUrl = (value: string): boolean => /^[a-z][a-z0-9+.-]*:\/\//i.test(value);

/**
 * A spec that is a package file or URL: name, version and build come from
 * the file name, channel and subdir from the URL when it has a subdir.
 */
function parsePackageLocation(text: string, input: string, index: number): MatchSpecFields {
  let url = text;
  if (!isUrl(url)) {
    const expanded = url.startsWith("~/") ? `${process.env.HOME ?? "~"}${url.slice(1)}` : url;
    url = pathToFileURL(resolve(expanded)).href;
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new MatchSpecError(input, "expected a valid package URL", index + 1);
  }
  const segments = parsed.pathname.split("/").filter(Boolean).map((p) => decodeURIComponent(p));
  const fn = segments[segments.length - 1] ?? "";
  const subdir = segments.length >= 2 ? segments[segments.length - 2] : undefined;
  const channelInfo = subdir !== undefined ? splitChannel(url.slice(0, url.lastIndexOf("/"))) : {};
  if (channelInfo.subdir === undefined) return { name: "*", fn, url };

  const stem = fn.replace(/\.(conda|tar\.bz2)$/, "");
  const last = stem.lastIndexOf("-");
  const middle = last > 0 ? stem.lastIndexOf("-", last - 1) : -1;
  if (middle <= 0) {
    throw new MatchSpecError(input, "expected a package file named name-version-build", index + text.lastIndexOf("/") + 2);
  }
  const fields: MatchSpecFields = {
    name: stem.slice(0, middle).toLowerCase(),
    build: stem.slice(last + 1),
    subdir: channelInfo.subdir,
    fn,
    url,
  };
  try {
    fields.version = VersionSpec.parse(stem.slice(middle + 1, last));
  } catch (error) {
    if (error instanceof VersionSpecError) {
      throw new MatchSpecError(input, `${error.reason} in the file name's version`, index + text.lastIndexOf("/") + 2);
    }
    throw error;
  }
  if (channelInfo.channel !== undefined) fields.channel = stripChannelCredentials(channelInfo.channel);
  return fields;
}
