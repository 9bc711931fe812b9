/**
 * One package as repodata.json describes it, plus where it came from.
 * Field names follow repodata.json and conda-meta so that records serialise
 * back unchanged.
 */
export interface PackageRecord {
  name: string;
  version: string;
  build: string;
  build_number: number;
  /** The subdir the record was listed in (`linux-64`, `noarch`). */
  subdir: string;
  /** Archive file name, `name-version-build.conda` or `.tar.bz2`. */
  fn: string;
  /** Full download URL of the archive. */
  url: string;
  /** Base URL of the channel (no subdir). May carry credentials: print through `redactUrl`. */
  channel: string;
  depends: string[];
  constrains: string[];
  /** Parsed from the comma/space separated repodata string; empty when absent. */
  track_features: string[];
  /** Legacy `features` string (conda < 4.x), kept verbatim. */
  features?: string;
  noarch?: "python" | "generic";
  /** Milliseconds since the epoch (repodata stores ms or s; normalised here). */
  timestamp?: number;
  md5?: string;
  sha256?: string;
  size?: number;
  license?: string;
  license_family?: string;
  arch?: string | null;
  platform?: string | null;
  python_site_packages_path?: string;
}

/** Timestamps below this are seconds (conda's own threshold: year 2286 in seconds). */
const SECONDS_THRESHOLD = 253402300799;

/** Normalises a repodata timestamp to milliseconds, as conda does. */
export function normaliseTimestamp(value: unknown): number | undefined {
  if (typeof value !== "number" || !Number.isFinite(value)) return undefined;
  return value > SECONDS_THRESHOLD ? Math.trunc(value) : Math.trunc(value * 1000);
}

function stringList(value: unknown): string[] {
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === "string");
  return [];
}

/** `"a,b c"` or `["a","b"]` to `["a","b","c"]`. */
export function parseFeatureList(value: unknown): string[] {
  if (Array.isArray(value)) return stringList(value).flatMap((s) => s.split(/[\s,]+/)).filter(Boolean);
  if (typeof value === "string") return value.split(/[\s,]+/).filter(Boolean);
  return [];
}

function optionalString(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

/**
 * Builds a record from one entry of a repodata.json `packages` /
 * `packages.conda` map. `raw` is the JSON object, `fn` its key.
 * `baseUrl` is the channel root, `subdirBaseUrl` where archives are
 * downloaded from (repodata v2 `base_url`, else the subdir URL).
 */
export function recordFromRepodata(
  fn: string,
  raw: Record<string, unknown>,
  source: { channel: string; subdir: string; downloadBaseUrl: string },
): PackageRecord {
  const noarch = raw.noarch;
  const record: PackageRecord = {
    name: String(raw.name ?? ""),
    version: String(raw.version ?? ""),
    build: String(raw.build ?? ""),
    build_number: typeof raw.build_number === "number" ? raw.build_number : 0,
    subdir: optionalString(raw.subdir) ?? source.subdir,
    fn,
    url: `${source.downloadBaseUrl.replace(/\/+$/, "")}/${fn}`,
    channel: source.channel,
    depends: stringList(raw.depends),
    constrains: stringList(raw.constrains),
    track_features: parseFeatureList(raw.track_features),
  };
  if (noarch === "python" || noarch === "generic") record.noarch = noarch;
  else if (noarch === true) record.noarch = "generic";
  const features = optionalString(raw.features);
  if (features !== undefined && features !== "") record.features = features;
  const timestamp = normaliseTimestamp(raw.timestamp);
  if (timestamp !== undefined) record.timestamp = timestamp;
  for (const key of ["md5", "sha256", "license", "license_family", "python_site_packages_path"] as const) {
    const v = optionalString(raw[key]);
    if (v !== undefined) record[key] = v;
  }
  if (typeof raw.size === "number") record.size = raw.size;
  if (raw.arch !== undefined) record.arch = (raw.arch as string | null) ?? null;
  if (raw.platform !== undefined) record.platform = (raw.platform as string | null) ?? null;
  return record;
}
