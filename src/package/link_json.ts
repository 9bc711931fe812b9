import { join } from "node:path";
import { metadataError, readInfoJson } from "./metadata_file.js";

/** One `name = module:function` console script of a noarch python package. */
export interface EntryPoint {
  command: string;
  module: string;
  func: string;
}

/** `info/link.json`: how install must treat the package. */
export interface LinkJson {
  noarch?: { type: "python" | "generic"; entryPoints: EntryPoint[] };
  preferredEnv?: string;
  packageMetadataVersion?: number;
  raw: Record<string, unknown>;
}

/** Parses `"jupyter-lab = jupyterlab.labapp:main"`; undefined when the line has another shape. */
export function parseEntryPoint(line: string): EntryPoint | undefined {
  const m = /^\s*([^=\s][^=]*?)\s*=\s*([\w.]+)\s*:\s*([\w.]+)\s*$/.exec(line);
  if (m === null) return undefined;
  return { command: m[1], module: m[2], func: m[3] };
}

/** Reads `info/link.json`; undefined when the package has none (most packages). */
export async function readLinkJson(extractedDir: string): Promise<LinkJson | undefined> {
  const raw = await readInfoJson(extractedDir, "link.json");
  if (raw === undefined) return undefined;
  const file = join(extractedDir, "info", "link.json");
  const link: LinkJson = { raw };
  const noarch = raw.noarch;
  if (noarch !== undefined && noarch !== null) {
    if (typeof noarch !== "object" || Array.isArray(noarch)) throw metadataError(file, `has a "noarch" that is not an object`);
    const n = noarch as Record<string, unknown>;
    if (n.type !== "python" && n.type !== "generic") {
      throw metadataError(file, `has a noarch "type" of ${JSON.stringify(n.type)} (expected "python" or "generic")`);
    }
    const entryPoints: EntryPoint[] = [];
    const lines = n.entry_points ?? [];
    if (!Array.isArray(lines)) throw metadataError(file, `has "entry_points" that are not a list`);
    for (const line of lines) {
      const ep = typeof line === "string" ? parseEntryPoint(line) : undefined;
      if (ep === undefined) {
        throw metadataError(file, `has an entry point ${JSON.stringify(line)} not of the form "name = module:function"`);
      }
      entryPoints.push(ep);
    }
    link.noarch = { type: n.type, entryPoints };
  }
  if (typeof raw.preferred_env === "string") link.preferredEnv = raw.preferred_env;
  if (typeof raw.package_metadata_version === "number") link.packageMetadataVersion = raw.package_metadata_version;
  return link;
}
