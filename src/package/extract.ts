import { randomBytes } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdir, rename, rm, stat } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import type { Readable } from "node:stream";
import yauzl from "yauzl";
import { bzip2Decoder } from "./bzip2_stream.js";
import { ZstdDecoder } from "./zstd_stream.js";
import { PackageError, isPackageError } from "./errors.js";
import { ExtractBudget, countingStream, resolveLimits, type ExtractLimits } from "./limits.js";
import { TarSink, corruptArchive } from "./tar_sink.js";
import { pathExists } from "./path_exists.js";

/** What an extraction wrote. */
export interface ExtractSummary {
  format: "conda" | "tar.bz2";
  files: number;
  directories: number;
  symlinks: number;
  /** Bytes of file data written (links not counted). */
  bytes: number;
}

export interface ExtractOptions {
  limits?: Partial<ExtractLimits>;
  signal?: AbortSignal;
  /** Runs on the finished hidden folder just before it is renamed into place (the cache writes its record there). */
  beforeCommit?: (extractedTmpDir: string) => Promise<void>;
}

/** `.conda` or `.tar.bz2` from the file name; undefined for anything else. */
export function packageFormat(path: string): "conda" | "tar.bz2" | undefined {
  if (path.endsWith(".conda")) return "conda";
  if (path.endsWith(".tar.bz2")) return "tar.bz2";
  return undefined;
}

/** The dist name (`zlib-1.2.11-h7b6447c_3`) of an archive file name. */
export function distName(fn: string): string {
  const base = basename(fn);
  if (base.endsWith(".conda")) return base.slice(0, -".conda".length);
  if (base.endsWith(".tar.bz2")) return base.slice(0, -".tar.bz2".length);
  return base;
}

function abortedError(archive: string, cause?: unknown): PackageError {
  return new PackageError("CG_PACKAGE_ABORTED", `Extraction of ${archive} was cancelled.`, { archive, file: archive, cause });
}

/** Names a decoder/parser failure as corruption; passes our own errors and file-system errors through. */
function classify(err: unknown, archive: string, member: string, signal: AbortSignal | undefined): unknown {
  if (isPackageError(err)) return err;
  if (signal?.aborted === true || (err as { name?: string }).name === "AbortError") return abortedError(archive, err);
  if (typeof (err as { syscall?: unknown }).syscall === "string") return err;
  const message = err instanceof Error ? err.message : String(err);
  return corruptArchive(archive, `is corrupt: ${member} cannot be read (${message})`, err);
}

async function extractTarBz2(archive: string, sink: TarSink, budget: ExtractBudget, signal?: AbortSignal): Promise<void> {
  const source = createReadStream(archive, { highWaterMark: 1 << 20 });
  try {
    await sink.consume([source, bzip2Decoder(), countingStream(budget)], signal);
  } catch (err) {
    throw classify(err, archive, "the bzip2 tar stream", signal);
  }
}

/** `info-*.tar.zst` and `pkg-*.tar.zst`: the two members a .conda must (info) or may (pkg) hold. */
function condaMemberKind(name: string): "info" | "pkg" | undefined {
  if (/^info-.+\.tar\.zst$/.test(name)) return "info";
  if (/^pkg-.+\.tar\.zst$/.test(name)) return "pkg";
  return undefined;
}

async function extractConda(archive: string, sink: TarSink, budget: ExtractBudget, signal?: AbortSignal): Promise<void> {
  let zip: yauzl.ZipFile;
  try {
    zip = await yauzl.openPromise(archive, { lazyEntries: true, autoClose: false, strictFileNames: true });
  } catch (err) {
    throw corruptArchive(archive, `is not a valid .conda (zip) archive: ${(err as Error).message}`, err);
  }
  const seen = new Set<string>();
  try {
    for await (const entry of iterateEntries(zip, archive)) {
      const kind = condaMemberKind(entry.fileName);
      if (kind === undefined) continue;
      if (seen.has(kind)) throw corruptArchive(archive, `holds two ${kind}-*.tar.zst members`);
      seen.add(kind);
      let stream: Readable;
      try {
        stream = await zip.openReadStreamPromise(entry);
      } catch (err) {
        throw corruptArchive(archive, `is corrupt: member ${entry.fileName} cannot be opened (${(err as Error).message})`, err);
      }
      try {
        await sink.consume([stream, new ZstdDecoder(), countingStream(budget)], signal);
      } catch (err) {
        throw classify(err, archive, `member ${entry.fileName}`, signal);
      }
    }
  } finally {
    zip.close();
  }
  if (!seen.has("info")) throw corruptArchive(archive, "is not a conda package: it has no info-*.tar.zst member");
}

/** Zip entries one by one; yauzl's own name checks (absolute, `..`) become unsafe-entry errors. */
async function* iterateEntries(zip: yauzl.ZipFile, archive: string): AsyncGenerator<yauzl.Entry> {
  const it = zip.eachEntry();
  for (;;) {
    let next: IteratorResult<yauzl.Entry>;
    try {
      next = await it.next();
    } catch (err) {
      const message = (err as Error).message;
      if (/file name|path|filename/i.test(message)) {
        throw new PackageError("CG_PACKAGE_UNSAFE_ENTRY", `${archive}: refusing a zip member with a bad name (${message}).`, { archive, file: archive, cause: err });
      }
      throw corruptArchive(archive, `is not a valid .conda (zip) archive: ${message}`, err);
    }
    if (next.done === true) return;
    yield next.value;
  }
}


/** Puts the finished folder under its final name; a folder already there is replaced as a whole. */
async function moveIntoPlace(tmp: string, dest: string): Promise<void> {
  try {
    await rename(tmp, dest);
    return;
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code !== "ENOTEMPTY" && code !== "EEXIST" && code !== "EISDIR" && code !== "ENOTDIR" && code !== "EPERM") throw err;
  }
  const trash = `${tmp}.old`;
  await rename(dest, trash);
  await rename(tmp, dest);
  await rm(trash, { recursive: true, force: true });
}

/**
 * Extracts a `.conda` or `.tar.bz2` package into `destDir`, streaming, with
 * every entry checked (see TarSink) and the limits enforced. The work happens
 * in a hidden sibling folder renamed into place at the end, so `destDir`
 * never holds a half-extracted package and a failure leaves nothing behind.
 */
export async function extractPackage(archivePath: string, destDir: string, options: ExtractOptions = {}): Promise<ExtractSummary> {
  const archive = resolve(archivePath);
  const dest = resolve(destDir);
  const limits = resolveLimits(options.limits);
  const format = packageFormat(archive);
  if (format === undefined) throw corruptArchive(archive, "is neither a .conda nor a .tar.bz2 package (judged by its name)");
  let size: number;
  try {
    const info = await stat(archive);
    if (!info.isFile()) throw corruptArchive(archive, "is not a file");
    size = info.size;
  } catch (err) {
    if (isPackageError(err)) throw err;
    throw corruptArchive(archive, `cannot be read (${(err as { code?: string }).code ?? (err as Error).message})`, err);
  }
  if (size === 0) throw corruptArchive(archive, "is empty (0 bytes)");
  if (options.signal?.aborted === true) throw abortedError(archive);

  await mkdir(dirname(dest), { recursive: true });
  const tmp = join(dirname(dest), `.${basename(dest)}.extracting-${process.pid}-${randomBytes(4).toString("hex")}`);
  await mkdir(tmp);
  const budget = new ExtractBudget(limits, size, archive);
  const sink = new TarSink(tmp, archive, budget);
  try {
    if (format === "conda") await extractConda(archive, sink, budget, options.signal);
    else await extractTarBz2(archive, sink, budget, options.signal);
    await sink.drain();
    sink.finish();
    if (!(await pathExists(join(tmp, "info", "index.json")))) {
      throw corruptArchive(archive, "is not a conda package: it has no info/index.json");
    }
    await options.beforeCommit?.(tmp);
    await moveIntoPlace(tmp, dest);
  } catch (err) {
    await sink.drain().catch(() => undefined);
    await rm(tmp, { recursive: true, force: true });
    throw err;
  }
  return { format, ...sink.counts };
}
