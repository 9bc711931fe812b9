import { join } from "node:path";
import { parseFeatureList } from "../conda/index.js";
import { metadataError, readInfoJson } from "./metadata_file.js";

/** `info/index.json` of a package, with conda's loose spellings normalised. */
export interface IndexJson {
  name: string;
  version: string;
  build: string;
  build_number: number;
  depends: string[];
  constrains: string[];
  subdir?: string;
  arch?: string;
  platform?: string;
  /** `"python"` or `"generic"`; old packages' `noarch: true` reads as generic and `noarch_python: true` as python. */
  noarch?: "python" | "generic";
  license?: string;
  license_family?: string;
  /** As written in the file (conda uses milliseconds since 2019, seconds before). */
  timestamp?: number;
  track_features: string[];
  features: string[];
  /** Every key of the file, untouched, for fields this type does not name. */
  raw: Record<string, unknown>;
}

function stringArray(file: string, raw: Record<string, unknown>, key: string): string[] {
  const value = raw[key];
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || !value.every((v) => typeof v === "string")) {
    throw metadataError(file, `has a "${key}" that is not a list of strings`);
  }
  return value as string[];
}

function optionalString(file: string, raw: Record<string, unknown>, key: string): string | undefined {
  const value = raw[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") throw metadataError(file, `has a "${key}" that is not a string`);
  return value;
}

function noarchOf(file: string, raw: Record<string, unknown>): "python" | "generic" | undefined {
  const value = raw.noarch;
  if (value === "python" || value === "generic") return value;
  if (value === true) return "generic";
  if (raw.noarch_python === true) return "python";
  if (value === undefined || value === null || value === false) return undefined;
  throw metadataError(file, `has an unknown "noarch" value ${JSON.stringify(value)} (expected "python" or "generic")`);
}

/** Reads and checks `info/index.json` of an extracted package. */
export async function readIndexJson(extractedDir: string): Promise<IndexJson> {
  const file = join(extractedDir, "info", "index.json");
  const raw = await readInfoJson(extractedDir, "index.json");
  if (raw === undefined) throw metadataError(file, "is missing (every conda package has one)");
  for (const key of ["name", "version", "build"] as const) {
    if (typeof raw[key] !== "string" || raw[key] === "") throw metadataError(file, `has no "${key}" string`);
  }
  const buildNumber = raw.build_number ?? 0;
  if (typeof buildNumber !== "number" || !Number.isInteger(buildNumber) || buildNumber < 0) {
    throw metadataError(file, `has a "build_number" that is not a non-negative integer`);
  }
  const timestamp = raw.timestamp;
  if (timestamp !== undefined && timestamp !== null && (typeof timestamp !== "number" || !Number.isFinite(timestamp))) {
    throw metadataError(file, `has a "timestamp" that is not a number`);
  }
  const index: IndexJson = {
    name: raw.name as string,
    version: raw.version as string,
    build: raw.build as string,
    build_number: buildNumber,
    depends: stringArray(file, raw, "depends"),
    constrains: stringArray(file, raw, "constrains"),
    track_features: parseFeatureList(raw.track_features),
    features: parseFeatureList(raw.features),
    raw,
  };
  const subdir = optionalString(file, raw, "subdir");
  if (subdir !== undefined) index.subdir = subdir;
  const arch = optionalString(file, raw, "arch");
  if (arch !== undefined) index.arch = arch;
  const platform = optionalString(file, raw, "platform");
  if (platform !== undefined) index.platform = platform;
  const noarch = noarchOf(file, raw);
  if (noarch !== undefined) index.noarch = noarch;
  const license = optionalString(file, raw, "license");
  if (license !== undefined) index.license = license;
  const family = optionalString(file, raw, "license_family");
  if (family !== undefined) index.license_family = family;
  if (typeof timestamp === "number") index.timestamp = timestamp;
  return index;
}
