import { lstat } from "node:fs/promises";
import { join } from "node:path";
import { sha256File } from "./hash.js";
import { metadataError, readInfoJson, readInfoText } from "./metadata_file.js";

/** One file of a package as `info/paths.json` describes it. */
export interface PackagePathEntry {
  /** Relative to the prefix, `/`-separated. */
  path: string;
  pathType: "hardlink" | "softlink" | "directory";
  sha256?: string;
  sizeInBytes?: number;
  /** The build prefix baked into the file, to be replaced by the target prefix at link time. */
  prefixPlaceholder?: string;
  fileMode?: "text" | "binary";
  /** Copy instead of linking (conda's `no_link`). */
  noLink?: boolean;
}

/** The placeholder conda-build wrote before packages named their own. */
export const LEGACY_PREFIX_PLACEHOLDER = "/opt/anaconda1anaconda2anaconda3";

/** A path from package metadata must stay inside the prefix; we refuse the rest here, before install sees it. */
function checkRelative(file: string, path: string): void {
  if (path === "" || path.startsWith("/") || /^[A-Za-z]:[\\/]/.test(path) || path.split(/[\\/]/).includes("..") || path.includes("\0")) {
    throw metadataError(file, `lists the unsafe path ${JSON.stringify(path)} (absolute, empty or with "..")`);
  }
}

function parsePathsJson(file: string, raw: Record<string, unknown>): PackagePathEntry[] {
  if (raw.paths_version !== 1) {
    throw metadataError(file, `has paths_version ${JSON.stringify(raw.paths_version)}; only version 1 is understood`);
  }
  if (!Array.isArray(raw.paths)) throw metadataError(file, `has no "paths" list`);
  return raw.paths.map((item: unknown, i: number) => {
    if (item === null || typeof item !== "object") throw metadataError(file, `has a paths[${i}] that is not an object`);
    const e = item as Record<string, unknown>;
    if (typeof e._path !== "string") throw metadataError(file, `has a paths[${i}] without a "_path" string`);
    checkRelative(file, e._path);
    const type = e.path_type ?? "hardlink";
    if (type !== "hardlink" && type !== "softlink" && type !== "directory") {
      throw metadataError(file, `has paths[${i}] (${e._path}) with unknown path_type ${JSON.stringify(type)}`);
    }
    const entry: PackagePathEntry = { path: e._path, pathType: type };
    if (typeof e.sha256 === "string") entry.sha256 = e.sha256;
    if (typeof e.size_in_bytes === "number") entry.sizeInBytes = e.size_in_bytes;
    if (typeof e.prefix_placeholder === "string") {
      entry.prefixPlaceholder = e.prefix_placeholder;
      const mode = e.file_mode ?? "text";
      if (mode !== "text" && mode !== "binary") {
        throw metadataError(file, `has paths[${i}] (${e._path}) with unknown file_mode ${JSON.stringify(mode)}`);
      }
      entry.fileMode = mode;
    }
    if (e.no_link === true) entry.noLink = true;
    return entry;
  });
}

/** Splits a has_prefix line into tokens, honouring "double" and 'single' quotes. */
function tokens(line: string): Array<{ text: string; end: number }> {
  const out: Array<{ text: string; end: number }> = [];
  const re = /"([^"]*)"|'([^']*)'|(\S+)/g;
  for (let m = re.exec(line); m !== null; m = re.exec(line)) {
    out.push({ text: m[1] ?? m[2] ?? m[3], end: re.lastIndex });
  }
  return out;
}

/** One `info/has_prefix` line: either `path`, or `placeholder mode path` (each part optionally quoted). */
export function parseHasPrefixLine(line: string): { placeholder: string; mode: "text" | "binary"; path: string } | undefined {
  const t = tokens(line);
  if (t.length === 0) return undefined;
  if (t.length === 1) return { placeholder: LEGACY_PREFIX_PLACEHOLDER, mode: "text", path: t[0].text };
  const mode = t[1].text;
  if (mode !== "text" && mode !== "binary") return undefined;
  if (t.length === 3) return { placeholder: t[0].text, mode, path: t[2].text };
  // An unquoted path with spaces: everything after the mode is the path.
  if (!/["']/.test(line)) return { placeholder: t[0].text, mode, path: line.slice(t[1].end).trim() };
  return undefined;
}

function lines(text: string | undefined): string[] {
  if (text === undefined) return [];
  return text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== "");
}

/** Old packages: the file list plus has_prefix/no_link, with types and digests read from the extracted files. */
async function legacyPaths(extractedDir: string): Promise<PackagePathEntry[]> {
  const filesFile = join(extractedDir, "info", "files");
  const filesText = await readInfoText(extractedDir, "files");
  if (filesText === undefined) throw metadataError(join(extractedDir, "info", "paths.json"), "is missing and so is info/files");
  const hasPrefixFile = join(extractedDir, "info", "has_prefix");
  const prefixes = new Map<string, { placeholder: string; mode: "text" | "binary" }>();
  for (const line of lines(await readInfoText(extractedDir, "has_prefix"))) {
    const parsed = parseHasPrefixLine(line);
    if (parsed === undefined) throw metadataError(hasPrefixFile, `has a line that is neither "path" nor "placeholder mode path": ${JSON.stringify(line)}`);
    prefixes.set(parsed.path, parsed);
  }
  const noLink = new Set(lines(await readInfoText(extractedDir, "no_link")));
  const out: PackagePathEntry[] = [];
  for (const path of lines(filesText)) {
    checkRelative(filesFile, path);
    const full = join(extractedDir, path);
    let st;
    try {
      st = await lstat(full);
    } catch {
      throw metadataError(filesFile, `lists ${path}, which is not in the package`);
    }
    const entry: PackagePathEntry = { path, pathType: st.isSymbolicLink() ? "softlink" : st.isDirectory() ? "directory" : "hardlink" };
    if (entry.pathType === "hardlink") {
      const digest = await sha256File(full);
      entry.sha256 = digest.sha256;
      entry.sizeInBytes = digest.size;
    }
    const prefix = prefixes.get(path);
    if (prefix !== undefined) {
      entry.prefixPlaceholder = prefix.placeholder;
      entry.fileMode = prefix.mode;
    }
    if (noLink.has(path)) entry.noLink = true;
    out.push(entry);
  }
  return out;
}

/** Every file of an extracted package: `info/paths.json`, or for old packages `info/files` + `has_prefix` + `no_link`. */
export async function readPackagePaths(extractedDir: string): Promise<PackagePathEntry[]> {
  const raw = await readInfoJson(extractedDir, "paths.json");
  if (raw === undefined) return legacyPaths(extractedDir);
  return parsePathsJson(join(extractedDir, "info", "paths.json"), raw);
}
