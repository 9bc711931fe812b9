import { createWriteStream } from "node:fs";
import { lstat, mkdir, readdir, readFile, readlink, rename, rm, symlink, writeFile } from "node:fs/promises";
import { dirname, join, relative, sep } from "node:path";
import { pipeline } from "node:stream/promises";
import tar from "tar-stream";
import yazl from "yazl";
import { CompressStream } from "zstd-napi";
import { distName } from "./extract.js";
import { sha256File } from "./hash.js";

/** One entry of a tar built in memory; `type` defaults to a file. */
export interface TarEntrySpec {
  name: string;
  type?: "file" | "directory" | "symlink" | "link" | "character-device" | "block-device" | "fifo";
  data?: Uint8Array | string;
  /** Target of a symlink or hard link. */
  linkname?: string;
  mode?: number;
  mtime?: Date;
}

/** Fixed time for entries without one, so the same folder always packs to the same bytes. */
const EPOCH = new Date(0);

/** Builds an uncompressed tar from entries exactly as given (no checks: tests use it to make hostile archives). */
export async function buildTar(entries: readonly TarEntrySpec[]): Promise<Buffer> {
  return packEntries(entries, undefined);
}

/** Like buildTar, zstd-compressed (one frame) as a .conda member. */
export async function buildTarZst(entries: readonly TarEntrySpec[], level = 3): Promise<Buffer> {
  return packEntries(entries, new CompressStream({ compressionLevel: level }));
}

/** Compresses a finished tar (or any bytes) as one zstd frame. */
export async function zstdCompress(data: Uint8Array, level = 3): Promise<Buffer> {
  const compressor = new CompressStream({ compressionLevel: level });
  const out: Buffer[] = [];
  compressor.on("data", (c: Buffer) => out.push(c));
  compressor.end(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
  await new Promise<void>((ok, fail) => {
    compressor.on("end", ok);
    compressor.on("error", fail);
  });
  return Buffer.concat(out);
}

async function packEntries(entries: readonly TarEntrySpec[], compressor: CompressStream | undefined): Promise<Buffer> {
  const pack = tar.pack();
  const out: Buffer[] = [];
  const tail = compressor ?? (pack as unknown as NodeJS.ReadableStream);
  tail.on("data", (c: Buffer) => out.push(c));
  const done =
    compressor === undefined
      ? new Promise<void>((ok, fail) => {
          tail.on("end", ok);
          tail.on("error", fail);
        })
      : pipeline(pack as unknown as NodeJS.ReadableStream, compressor);
  for (const e of entries) {
    const type = e.type ?? "file";
    const data = e.data === undefined ? Buffer.alloc(0) : Buffer.from(e.data);
    const header = {
      name: e.name,
      type,
      mode: e.mode ?? (type === "directory" ? 0o755 : 0o644),
      mtime: e.mtime ?? EPOCH,
      ...(e.linkname === undefined ? {} : { linkname: e.linkname }),
      ...(type === "file" ? { size: data.length } : {}),
    };
    await new Promise<void>((ok, fail) => {
      pack.entry(header, type === "file" ? data : Buffer.alloc(0), (err) => (err ? fail(err) : ok()));
    });
  }
  pack.finalize();
  await done;
  return Buffer.concat(out);
}

/** Writes a `.conda` zip from already compressed members; `pkg` may be left out (an info-only package). */
export async function writeCondaArchive(options: { outPath: string; infoTarZst: Buffer; pkgTarZst?: Buffer; mtime?: Date }): Promise<void> {
  const dist = distName(options.outPath);
  const zip = new yazl.ZipFile();
  const mtime = options.mtime ?? new Date(Date.UTC(2020, 0, 1));
  // conda writes metadata.json first, then the package payload, then info; entries are stored, not deflated.
  zip.addBuffer(Buffer.from(JSON.stringify({ conda_pkg_format_version: 2 })), "metadata.json", { compress: false, mtime });
  if (options.pkgTarZst !== undefined) zip.addBuffer(options.pkgTarZst, `pkg-${dist}.tar.zst`, { compress: false, mtime });
  zip.addBuffer(options.infoTarZst, `info-${dist}.tar.zst`, { compress: false, mtime });
  zip.end();
  await mkdir(dirname(options.outPath), { recursive: true });
  const tmp = `${options.outPath}.writing-${process.pid}`;
  try {
    await pipeline(zip.outputStream, createWriteStream(tmp));
    await rename(tmp, options.outPath);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

/** Every entry under `dir` (sorted, folders before their content), as tar entry specs relative to `root`. */
async function collect(root: string, dir: string, out: TarEntrySpec[]): Promise<void> {
  const names = (await readdir(dir)).sort();
  for (const name of names) {
    const full = join(dir, name);
    const rel = relative(root, full).split(sep).join("/");
    const st = await lstat(full);
    if (st.isSymbolicLink()) out.push({ name: rel, type: "symlink", linkname: await readlink(full), mode: 0o777 });
    else if (st.isDirectory()) {
      const before = out.length;
      await collect(root, full, out);
      // Empty folders need an entry of their own; others appear through their files.
      if (out.length === before) out.push({ name: rel, type: "directory", mode: st.mode & 0o777 });
    } else if (st.isFile()) out.push({ name: rel, data: await readFile(full), mode: st.mode & 0o777, mtime: st.mtime });
  }
}

/**
 * Packs a folder holding `info/index.json`, `info/paths.json` and the payload
 * into a valid `.conda` at `outPath` (its file name gives the dist name).
 */
export async function writeCondaPackage(options: { sourceDir: string; outPath: string; compressionLevel?: number }): Promise<void> {
  const entries: TarEntrySpec[] = [];
  await collect(options.sourceDir, options.sourceDir, entries);
  const info = entries.filter((e) => e.name === "info" || e.name.startsWith("info/"));
  const pkg = entries.filter((e) => !(e.name === "info" || e.name.startsWith("info/")));
  const level = options.compressionLevel ?? 3;
  await writeCondaArchive({
    outPath: options.outPath,
    infoTarZst: await buildTarZst(info, level),
    pkgTarZst: await buildTarZst(pkg, level),
  });
}

/** One payload file for buildPackageFolder. */
export interface PackageFileSpec {
  data: Uint8Array | string;
  mode?: number;
  /** Marks the file as holding this build prefix (written to paths.json as prefix_placeholder). */
  prefixPlaceholder?: string;
  fileMode?: "text" | "binary";
  noLink?: boolean;
}

/** What buildPackageFolder writes into info/index.json; unset lists default to empty. */
export interface PackageIndexSpec {
  name: string;
  version: string;
  build: string;
  build_number?: number;
  depends?: string[];
  constrains?: string[];
  subdir?: string;
  noarch?: "python" | "generic";
  license?: string;
  timestamp?: number;
  [key: string]: unknown;
}

/**
 * Writes a package folder (payload files, symlinks, `info/index.json`,
 * `info/paths.json` with sha256 and sizes, optional `info/link.json`) ready
 * for writeCondaPackage.
 */
export async function buildPackageFolder(options: {
  dir: string;
  index: PackageIndexSpec;
  files: Record<string, PackageFileSpec | string>;
  symlinks?: Record<string, string>;
  linkJson?: Record<string, unknown>;
}): Promise<string> {
  const { dir } = options;
  await mkdir(join(dir, "info"), { recursive: true });
  const paths: Array<Record<string, unknown>> = [];
  for (const [path, spec0] of Object.entries(options.files).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const spec: PackageFileSpec = typeof spec0 === "string" ? { data: spec0 } : spec0;
    const full = join(dir, path);
    await mkdir(dirname(full), { recursive: true });
    await writeFile(full, spec.data, { mode: spec.mode ?? 0o644 });
    const digest = await sha256File(full);
    const entry: Record<string, unknown> = { _path: path, path_type: "hardlink", sha256: digest.sha256, size_in_bytes: digest.size };
    if (spec.prefixPlaceholder !== undefined) {
      entry.prefix_placeholder = spec.prefixPlaceholder;
      entry.file_mode = spec.fileMode ?? "text";
    }
    if (spec.noLink === true) entry.no_link = true;
    paths.push(entry);
  }
  for (const [path, target] of Object.entries(options.symlinks ?? {})) {
    const full = join(dir, path);
    await mkdir(dirname(full), { recursive: true });
    await symlink(target, full);
    paths.push({ _path: path, path_type: "softlink", size_in_bytes: 0 });
  }
  paths.sort((a, b) => (String(a._path) < String(b._path) ? -1 : 1));
  const index = { build_number: 0, depends: [], constrains: [], ...options.index };
  await writeFile(join(dir, "info", "index.json"), JSON.stringify(index, null, 2) + "\n");
  await writeFile(join(dir, "info", "paths.json"), JSON.stringify({ paths, paths_version: 1 }, null, 2) + "\n");
  await writeFile(join(dir, "info", "files"), paths.map((p) => p._path).join("\n") + "\n");
  if (options.linkJson !== undefined) await writeFile(join(dir, "info", "link.json"), JSON.stringify(options.linkJson, null, 2) + "\n");
  return dir;
}

/** The `.conda` file name conda uses for a package: `name-version-build.conda`. */
export function condaFileName(index: { name: string; version: string; build: string }): string {
  return `${index.name}-${index.version}-${index.build}.conda`;
}

