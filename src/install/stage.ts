// Writes one package's files into a staging root (a new prefix being
// assembled, or a transaction's `new/` folder inside an existing prefix).
// Synchronous fs calls on purpose: staging is a long run of tiny metadata
// operations where the promise overhead costs more than it saves, and a
// fixed order makes fault-injection tests deterministic.
import {
  chmodSync,
  constants as fsConstants,
  copyFileSync,
  linkSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import { createHash } from "node:crypto";
import { dirname, join, posix, sep } from "node:path";
import { readLinkJson, readPackagePaths, type EntryPoint, type PackagePathEntry } from "../package/index.js";
import { InstallError, ioError } from "./errors.js";
import { entryPointScript, noarchPythonPath, type PythonLayout } from "./noarch_python.js";
import { replaceBinary, replaceText } from "./placeholder.js";
import { distName } from "./prefix_records.js";
import type { LinkRequest, PathsDataEntry } from "./types.js";

/** A package read and mapped to prefix paths, before anything is written. */
export interface PreparedPackage {
  request: LinkRequest;
  dist: string;
  items: Array<{ entry: PackagePathEntry; dest: string }>;
  entryPoints: EntryPoint[];
  noarchPython: boolean;
  /** Paths (in the package) of pre-link / post-link / pre-unlink scripts. */
  scripts: { preLink?: string; postLink?: string; preUnlink?: string };
}

/** Shared state while staging several packages. */
export interface StageContext {
  root: string;
  targetPrefix: string;
  hardlinks: boolean;
  /** The cache and the prefix are on different filesystems (checked up front, or after an EXDEV). */
  crossDevice: boolean;
  madeDirs: Set<string>;
}

/** A path from package metadata: relative, `/`-separated, never leaving the prefix. */
export function checkPrefixPath(path: string, dist: string): string {
  const norm = posix.normalize(path);
  if (path === "" || path.includes("\0") || posix.isAbsolute(path) || norm === ".." || norm.startsWith("../") || path.split("/").includes("..")) {
    throw new InstallError("CG_INSTALL_UNSAFE_PATH", `Package ${dist} lists the path ${JSON.stringify(path)}, which leaves the prefix`, {
      packageName: dist,
      path,
    });
  }
  return norm;
}

/** Reads paths.json and link.json and maps every path to where it goes in the prefix. */
export async function preparePackage(request: LinkRequest, layout: PythonLayout | undefined): Promise<PreparedPackage> {
  const dist = distName(request.record);
  let entries: PackagePathEntry[];
  let link;
  try {
    entries = await readPackagePaths(request.extractedDir);
    link = await readLinkJson(request.extractedDir);
  } catch (err) {
    if (err instanceof InstallError) throw err;
    throw new InstallError("CG_INSTALL_BAD_PACKAGE", `Cannot read the metadata of package ${dist} in ${request.extractedDir}: ${(err as Error).message}`, {
      packageName: dist,
      path: request.extractedDir,
      cause: err,
    });
  }
  const noarchPython = request.record.noarch === "python" || link?.noarch?.type === "python";
  if (noarchPython && layout === undefined) {
    throw new InstallError(
      "CG_INSTALL_BAD_PACKAGE",
      `Package ${dist} is noarch: python but the environment has no python package and no Python version was given`,
      { packageName: dist, hint: "Add python to the environment or pass the Python version (python: { version })." },
    );
  }
  const items = entries.map((entry) => {
    checkPrefixPath(entry.path, dist);
    const dest = noarchPython && layout !== undefined ? noarchPythonPath(entry.path, layout) : entry.path;
    return { entry, dest: checkPrefixPath(dest, dist) };
  });
  const scripts: PreparedPackage["scripts"] = {};
  const name = request.record.name;
  for (const { entry } of items) {
    if (entry.path === `bin/.${name}-pre-link.sh`) scripts.preLink = entry.path;
    else if (entry.path === `bin/.${name}-post-link.sh`) scripts.postLink = entry.path;
    else if (entry.path === `bin/.${name}-pre-unlink.sh`) scripts.preUnlink = entry.path;
  }
  return { request, dist, items, entryPoints: noarchPython ? (link?.noarch?.entryPoints ?? []) : [], noarchPython, scripts };
}

function ensureParent(ctx: StageContext, rel: string): void {
  const dir = dirname(join(ctx.root, rel));
  if (ctx.madeDirs.has(dir)) return;
  mkdirSync(dir, { recursive: true });
  ctx.madeDirs.add(dir);
}

function removeIfPresent(path: string): void {
  try {
    unlinkSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
}

const NO_HARDLINK = new Set(["EXDEV", "EPERM", "EMLINK", "ENOTSUP", "EOPNOTSUPP", "EACCES"]);

/** Hard links when allowed and possible, else copies; returns 1 (hardlink) or 3 (copy), conda's link types. */
function linkOrCopy(ctx: StageContext, source: string, dest: string, mode: number, forceCopy: boolean): 1 | 3 {
  if (!forceCopy && ctx.hardlinks && !ctx.crossDevice) {
    try {
      linkSync(source, dest);
      return 1;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? "";
      if (!NO_HARDLINK.has(code)) throw err;
      if (code === "EXDEV") ctx.crossDevice = true;
    }
  }
  copyFileSync(source, dest, fsConstants.COPYFILE_FICLONE);
  chmodSync(dest, mode);
  return 3;
}

/** The source file of an entry: a regular file or link inside the extracted folder, never through a symlinked directory. */
function sourceOf(extractedReal: string, extractedDir: string, path: string, dist: string): string {
  const source = join(extractedDir, path);
  let parentReal: string;
  try {
    parentReal = realpathSync(dirname(source));
  } catch (err) {
    throw new InstallError("CG_INSTALL_BAD_PACKAGE", `Package ${dist} lists ${path}, which is not in ${extractedDir}`, {
      packageName: dist,
      path,
      cause: err,
    });
  }
  if (parentReal !== extractedReal && !parentReal.startsWith(extractedReal + sep)) {
    throw new InstallError("CG_INSTALL_UNSAFE_PATH", `Package ${dist}: ${path} resolves outside the extracted package`, { packageName: dist, path });
  }
  return source;
}

/** A relative symlink target must resolve inside the prefix; absolute targets are refused. */
function checkLinkTarget(dest: string, target: string, dist: string): void {
  const resolved = posix.normalize(posix.join(posix.dirname(dest), target));
  if (posix.isAbsolute(target) || resolved === ".." || resolved.startsWith("../")) {
    throw new InstallError("CG_INSTALL_UNSAFE_PATH", `Package ${dist}: the link ${dest} -> ${target} points outside the prefix`, {
      packageName: dist,
      path: dest,
    });
  }
}

function sha256(data: Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}

/** Result of staging one package. */
export interface StagedPackage {
  paths: PathsDataEntry[];
  /** 1 when at least one file was hard linked, else 3 (copy). */
  linkType: 1 | 3;
  /** Repairs made while staging (e.g. links the archive lost). */
  warnings: string[];
  /** Entry point scripts written (conda records them after the pyc files). */
  entryPoints: PathsDataEntry[];
  /** Staged .py files (prefix paths) of a noarch: python package, to compile. */
  pythonSources: string[];
}

/**
 * Writes the package's files under `ctx.root`. `destOverride` renames paths
 * that lost a clobber (their copy is kept aside). Entry point scripts are
 * written for noarch: python packages.
 */
export function stagePackage(
  ctx: StageContext,
  pkg: PreparedPackage,
  layout: PythonLayout | undefined,
  destOverride: Map<string, string>,
): StagedPackage {
  const { dist, request } = pkg;
  let extractedReal: string;
  try {
    extractedReal = realpathSync(request.extractedDir);
  } catch (err) {
    throw new InstallError("CG_INSTALL_BAD_PACKAGE", `The extracted package ${request.extractedDir} of ${dist} is missing`, {
      packageName: dist,
      path: request.extractedDir,
      cause: err,
    });
  }
  const paths: PathsDataEntry[] = [];
  const pythonSources: string[] = [];
  const warnings: string[] = [];
  let anyHardlink = false;
  for (const { entry, dest: mapped } of pkg.items) {
    const dest = destOverride.get(mapped) ?? mapped;
    const out = join(ctx.root, dest);
    try {
      ensureParent(ctx, dest);
      const record: PathsDataEntry = { _path: dest, path_type: entry.pathType };
      if (entry.pathType === "directory") {
        mkdirSync(out, { recursive: true });
      } else {
        const source = sourceOf(extractedReal, request.extractedDir, entry.path, dist);
        const st = lstatSync(source);
        removeIfPresent(out);
        if (entry.pathType === "softlink") {
          let target: string;
          if (st.isSymbolicLink()) {
            target = readlinkSync(source);
          } else {
            // Some archives lost their links (tar-ed without them): paths.json still says
            // softlink, and its sha256 is the target's. Relink to the one file of the
            // package in the same folder with that digest, or refuse.
            const sibling = pkg.items.filter(
              (i) => i.entry.pathType === "hardlink" && i.entry.sha256 !== undefined && i.entry.sha256 === entry.sha256 && posix.dirname(i.entry.path) === posix.dirname(entry.path),
            );
            if (sibling.length !== 1) {
              throw new InstallError("CG_INSTALL_BAD_PACKAGE", `Package ${dist}: ${entry.path} is listed as a softlink but is not one`, {
                packageName: dist,
                path: entry.path,
              });
            }
            target = posix.basename(sibling[0].entry.path);
            warnings.push(`Package ${dist}: ${entry.path} is not a link in the archive; linked it to ${target}, the package file with its recorded sha256`);
          }
          checkLinkTarget(dest, target, dist);
          symlinkSync(target, out);
        } else {
          if (!st.isFile()) {
            throw new InstallError("CG_INSTALL_UNSAFE_PATH", `Package ${dist}: ${entry.path} should be a regular file but is ${st.isSymbolicLink() ? "a symlink" : "not a file"}; refusing to link it`, {
              packageName: dist,
              path: entry.path,
            });
          }
          // setuid/setgid/sticky bits are never carried into a prefix.
          const mode = st.mode & 0o777;
          const special = (st.mode & 0o7000) !== 0;
          if (entry.prefixPlaceholder !== undefined) {
            const original = readFileSync(source);
            const where = { packageName: dist, path: dest };
            const data =
              entry.fileMode === "binary"
                ? replaceBinary(original, entry.prefixPlaceholder, ctx.targetPrefix, where)
                : replaceText(original, entry.prefixPlaceholder, ctx.targetPrefix);
            writeFileSync(out, data, { mode });
            chmodSync(out, mode);
            if (data !== original && !data.equals(original)) record.sha256_in_prefix = sha256(data);
            record.file_mode = entry.fileMode ?? "text";
            record.prefix_placeholder = entry.prefixPlaceholder;
          } else if (linkOrCopy(ctx, source, out, mode, entry.noLink === true || special) === 1) {
            anyHardlink = true;
          }
          if (pkg.noarchPython && dest.endsWith(".py") && layout !== undefined && dest.startsWith(`${layout.sitePackages}/`)) {
            pythonSources.push(dest);
          }
        }
      }
      if (entry.sha256 !== undefined) record.sha256 = entry.sha256;
      if (entry.sizeInBytes !== undefined) record.size_in_bytes = entry.sizeInBytes;
      if (entry.noLink === true) record.no_link = true;
      paths.push(record);
    } catch (err) {
      throw ioError(err, "linking", { packageName: dist, path: dest });
    }
  }
  const entryPoints: PathsDataEntry[] = [];
  if (layout !== undefined) {
    for (const ep of pkg.entryPoints) {
      const rel = checkPrefixPath(`${layout.scripts}/${ep.command}`, dist);
      const dest = destOverride.get(rel) ?? rel;
      try {
        ensureParent(ctx, dest);
        removeIfPresent(join(ctx.root, dest));
        writeFileSync(join(ctx.root, dest), entryPointScript(ep, layout, ctx.targetPrefix), { mode: 0o755 });
        chmodSync(join(ctx.root, dest), 0o755);
      } catch (err) {
        throw ioError(err, "writing the entry point", { packageName: dist, path: dest });
      }
      entryPoints.push({ _path: dest, path_type: "unix_python_entry_point" });
    }
  }
  return { paths, entryPoints, warnings, linkType: anyHardlink || pkg.items.length === 0 ? 1 : 3, pythonSources };
}
