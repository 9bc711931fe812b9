import { BuildNumberSpec } from "./build_number_spec.js";
import { channelDisplayName, channelMatches } from "./channel_match.js";
import { MatchSpecError } from "./errors.js";
import { parseMatchSpecText } from "./match_spec_parse.js";
import type { MatchSpecFields } from "./match_spec_parse.js";
import { parseFeatureList } from "./package_record.js";
import type { PackageRecord } from "./package_record.js";
import { VersionSpec } from "./version_spec.js";

type StringTest = (value: string) => boolean;

const CACHE_LIMIT = 20_000;
const cache = new Map<string, MatchSpec>();

/** Fields for `MatchSpec.create`; version and build number may be given as text. */
export interface MatchSpecInit extends Omit<MatchSpecFields, "version" | "buildNumber"> {
  version?: VersionSpec | string;
  buildNumber?: BuildNumberSpec | number | string;
}

/**
 * conda's package query: `conda-forge/linux-64::numpy >=1.2,<2 py39*`,
 * `numpy=1.2=py39_0`, `numpy[version='>=1.2', build_number='>=3']` …
 * Parsed once; `match` checks a record against every given field.
 *
 * @example MatchSpec.parse("numpy >=1.2,<2").match(record)
 */
export class MatchSpec {
  /** The text it was parsed from; undefined when built with `create`. */
  readonly source: string | undefined;
  /** Lower-cased name; `*`, a glob or a `^...$` regex when the spec matches several names. */
  readonly name: string;
  readonly version: VersionSpec | undefined;
  readonly build: string | undefined;
  readonly buildNumber: BuildNumberSpec | undefined;
  readonly channel: string | undefined;
  readonly subdir: string | undefined;
  readonly namespace: string | undefined;
  readonly md5: string | undefined;
  readonly sha256: string | undefined;
  readonly license: string | undefined;
  readonly licenseFamily: string | undefined;
  readonly trackFeatures: readonly string[] | undefined;
  readonly features: readonly string[] | undefined;
  readonly url: string | undefined;
  readonly fn: string | undefined;
  readonly optional: boolean;
  readonly when: string | undefined;
  readonly extras: readonly string[] | undefined;

  private readonly nameTest: StringTest;
  private readonly buildTest: StringTest | undefined;
  private readonly licenseTest: StringTest | undefined;
  private readonly licenseFamilyTest: StringTest | undefined;
  private text: string | undefined;
  /** Channel verdicts by record channel: records share a few channel URLs. */
  private readonly channelVerdicts = new Map<string, boolean>();

  private constructor(fields: MatchSpecFields, source: string | undefined) {
    this.source = source;
    this.name = fields.name;
    this.version = fields.version;
    this.build = fields.build;
    this.buildNumber = fields.buildNumber;
    this.channel = fields.channel;
    this.subdir = fields.subdir;
    this.namespace = fields.namespace;
    this.md5 = fields.md5;
    this.sha256 = fields.sha256;
    this.license = fields.license;
    this.licenseFamily = fields.licenseFamily;
    this.trackFeatures = fields.trackFeatures;
    this.features = fields.features;
    this.url = fields.url;
    this.fn = fields.fn;
    this.optional = fields.optional ?? false;
    this.when = fields.when;
    this.extras = fields.extras;
    const where = source ?? fields.name;
    this.nameTest = globTest(fields.name, where);
    this.buildTest = fields.build === undefined ? undefined : globTest(fields.build, where);
    this.licenseTest = fields.license === undefined ? undefined : globTest(fields.license.toLowerCase(), where);
    this.licenseFamilyTest =
      fields.licenseFamily === undefined ? undefined : globTest(fields.licenseFamily.toLowerCase(), where);
  }

  /** Parses a spec; throws `MatchSpecError` with the column of the bad character. Results are cached by text. */
  static parse(text: string): MatchSpec {
    const hit = cache.get(text);
    if (hit !== undefined) return hit;
    const spec = new MatchSpec(parseMatchSpecText(text), text);
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(text, spec);
    return spec;
  }

  /**
   * Builds a spec from fields, e.g. `MatchSpec.create({ name: "numpy", version: ">=1.2" })`.
   * Throws `VersionSpecError` for a bad version or build number text.
   */
  static create(init: MatchSpecInit): MatchSpec {
    const { version, buildNumber, ...rest } = init;
    const fields: MatchSpecFields = { ...rest, name: init.name.toLowerCase() };
    if (version !== undefined) fields.version = typeof version === "string" ? VersionSpec.parse(version) : version;
    if (buildNumber !== undefined) {
      fields.buildNumber = buildNumber instanceof BuildNumberSpec ? buildNumber : BuildNumberSpec.parse(buildNumber);
    }
    return new MatchSpec(fields, undefined);
  }

  /** True when only a name is given (`numpy`), as conda's `is_name_only_spec`. */
  get isNameOnly(): boolean {
    return this.toString() === this.name && this.name !== "*";
  }

  /** Whether `record` satisfies every field of the spec. */
  match(record: PackageRecord): boolean {
    if (!this.nameTest(record.name)) return false;
    if (this.version !== undefined && !this.version.matches(record.version)) return false;
    if (this.buildTest !== undefined && !this.buildTest(record.build)) return false;
    if (this.buildNumber !== undefined && !this.buildNumber.matches(record.build_number)) return false;
    if (this.subdir !== undefined && record.subdir !== this.subdir) return false;
    if (this.channel !== undefined && !this.channelMatches(record.channel)) return false;
    if (this.md5 !== undefined && record.md5?.toLowerCase() !== this.md5) return false;
    if (this.sha256 !== undefined && record.sha256?.toLowerCase() !== this.sha256) return false;
    if (this.licenseTest !== undefined && !this.licenseTest((record.license ?? "").toLowerCase())) return false;
    if (this.licenseFamilyTest !== undefined && !this.licenseFamilyTest((record.license_family ?? "").toLowerCase())) {
      return false;
    }
    // conda compares feature lists as sets: the record must have exactly these.
    if (this.trackFeatures !== undefined && !sameSet(this.trackFeatures, record.track_features)) return false;
    if (this.features !== undefined && !sameSet(this.features, parseFeatureList(record.features ?? ""))) return false;
    if (this.url !== undefined && record.url !== this.url) return false;
    if (this.fn !== undefined && record.fn !== this.fn) return false;
    return true;
  }

  /** Whether a build string passes the spec's build pattern (true when it has none). */
  matchesBuild(build: string): boolean {
    return this.buildTest === undefined || this.buildTest(build);
  }

  private channelMatches(recordChannel: string): boolean {
    let verdict = this.channelVerdicts.get(recordChannel);
    if (verdict === undefined) {
      if (this.channelVerdicts.size >= 64) this.channelVerdicts.clear();
      verdict = channelMatches(this.channel ?? "", recordChannel);
      this.channelVerdicts.set(recordChannel, verdict);
    }
    return verdict;
  }

  /**
   * conda's canonical form (`conda-forge::numpy[version='>=1.2,<2']`,
   * `numpy==1.2=py39_0`, `numpy=1.2`). Parsing it again gives the same
   * spec; unlike conda, grouped version specs keep their parentheses and a
   * package URL is kept next to the channel.
   */
  toString(): string {
    this.text ??= formatSpec(this);
    return this.text;
  }

  /** Same fields with the same values (compared through the canonical form). */
  equals(other: MatchSpec): boolean {
    return this === other || (this.toString() === other.toString() && this.optional === other.optional);
  }
}

function sameSet(want: readonly string[], have: readonly string[]): boolean {
  const a = new Set(want);
  const b = new Set(have);
  if (a.size !== b.size) return false;
  for (const x of a) if (!b.has(x)) return false;
  return true;
}

/** conda's string matching: `^...$` is a regex, `*` a glob, anything else exact. */
function globTest(pattern: string, where: string): StringTest {
  if (pattern === "*") return () => true;
  let source: string | undefined;
  if (pattern.startsWith("^") && pattern.endsWith("$")) source = pattern;
  else if (pattern.includes("*")) source = `^(?:${pattern.split("*").map(escapeRegex).join(".*")})$`;
  if (source === undefined) return (value) => value === pattern;
  let regex: RegExp;
  try {
    regex = new RegExp(source);
  } catch {
    throw new MatchSpecError(where, `expected a valid regular expression, found '${pattern}'`, Math.max(1, where.indexOf(pattern) + 1));
  }
  return (value) => regex.test(value);
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\\/-]/g, "\\$&");
}

const NEEDS_BRACKETS = /[><$^|,]/;

function quoteValue(key: string, value: string): string {
  if (!/[,= \]'"]/.test(value)) return `${key}=${value}`;
  return value.includes("'") ? `${key}="${value}"` : `${key}='${value}'`;
}

function formatSpec(spec: MatchSpec): string {
  let head = "";
  const brackets: string[] = [];
  const channelIsGlob = spec.channel !== undefined && spec.channel.includes("*");
  if (spec.channel !== undefined && !channelIsGlob) head += channelDisplayName(spec.channel);
  else if (spec.channel !== undefined) brackets.push(quoteValue("channel", spec.channel));
  if (spec.subdir !== undefined) {
    if (head !== "") head += `/${spec.subdir}`;
    else brackets.push(quoteValue("subdir", spec.subdir));
  }
  head += head === "" ? spec.name : `::${spec.name}`;

  let versionExact = false;
  let buildInline = false;
  if (spec.version !== undefined) {
    const v = spec.version.toExpressionString();
    if (v === "*") {
      head += " *";
      buildInline = true;
    } else if (NEEDS_BRACKETS.test(v) || v.includes("@")) {
      brackets.push(`version='${v}'`);
    } else if (v.startsWith("!=") || v.startsWith("~=")) {
      if (spec.build !== undefined) brackets.push(`version='${v}'`);
      else head += v;
    } else if (spec.version.isExact) {
      head += `==${v.replace(/^==/, "")}`;
      versionExact = true;
    } else if (/^=?[^=*]+\.\*$/.test(v) || /^=[^=*]+$/.test(v)) {
      // Prefix specs (`1.2.*`, `=1.2`) print as `=1.2`, which conda reads back as the same prefix.
      head += `=${v.replace(/^=/, "").replace(/\.\*$/, "")}`;
    } else {
      brackets.push(`version='${v}'`);
    }
  }
  if (spec.build !== undefined) {
    const b = spec.build;
    const plain = !NEEDS_BRACKETS.test(b) && !/[\s=\]'"]/.test(b);
    if (versionExact && plain && !b.includes("*")) head += `=${b}`;
    else if (buildInline && plain) head += ` ${b}`;
    else brackets.push(NEEDS_BRACKETS.test(b) ? `build='${b}'` : quoteValue("build", b));
  }
  if (spec.buildNumber !== undefined) brackets.push(quoteValue("build_number", spec.buildNumber.toString()));
  if (spec.trackFeatures !== undefined) brackets.push(quoteValue("track_features", [...spec.trackFeatures].sort().join(" ")));
  if (spec.features !== undefined) brackets.push(quoteValue("features", [...spec.features].sort().join(" ")));
  if (spec.url !== undefined) brackets.push(quoteValue("url", spec.url));
  if (spec.md5 !== undefined) brackets.push(quoteValue("md5", spec.md5));
  if (spec.sha256 !== undefined) brackets.push(quoteValue("sha256", spec.sha256));
  if (spec.license !== undefined) brackets.push(quoteValue("license", spec.license));
  if (spec.licenseFamily !== undefined) brackets.push(quoteValue("license_family", spec.licenseFamily));
  if (spec.fn !== undefined && spec.url === undefined) brackets.push(quoteValue("fn", spec.fn));
  if (spec.when !== undefined) brackets.push(quoteValue("when", spec.when));
  let out = brackets.length > 0 ? `${head}[${brackets.join(",")}]` : head;
  if (spec.optional) out += " (optional)";
  return out;
}
