import { close, constants, futimes, open, write } from "node:fs";
import { link, mkdir, symlink, unlink } from "node:fs/promises";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import tar from "tar-stream";
import { entryKey, normaliseEntryName, parentParts, resolveInside, unsafeEntry } from "./entry_guard.js";
import { PackageError } from "./errors.js";
import type { ExtractBudget } from "./limits.js";

/** What one or more tar streams put on disk. */
export interface SinkCounts {
  files: number;
  directories: number;
  symlinks: number;
  bytes: number;
}

/** The data of one tar entry. */
type EntryStream = AsyncIterable<Uint8Array>;

type Node = { kind: "file" } | { kind: "dir" } | { kind: "symlink"; target: string };

/** Entries up to this size are gathered in memory and written with one call; larger ones stream. */
const SMALL_ENTRY_BYTES = 4 * 1024 * 1024;
/** Large entries are written in slices of about this size. */
const WRITE_SLICE_BYTES = 1024 * 1024;
/** Small-file writes in flight at once; overlaps disk work with decompression. */
const MAX_PENDING_WRITES = 32;

/** Only the permission bits, without setuid, setgid and sticky; the owner can always read (to verify the file). */
export function safeMode(mode: number | undefined, fallback: number): number {
  return ((mode ?? fallback) & 0o777) | 0o400;
}

const CREATE_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | (constants.O_NOFOLLOW ?? 0);

function openNew(path: string, mode: number): Promise<number> {
  return new Promise((done, fail) => open(path, CREATE_FLAGS, mode, (err, fd) => (err ? fail(err) : done(fd))));
}

function writeAll(fd: number, data: Buffer): Promise<void> {
  return new Promise((done, fail) => {
    let offset = 0;
    const step = (): void => {
      if (offset >= data.length) {
        done();
        return;
      }
      write(fd, data, offset, data.length - offset, null, (err, n) => {
        if (err) return fail(err);
        offset += n;
        step();
      });
    };
    step();
  });
}

function closeFd(fd: number, mtime: Date | undefined): Promise<void> {
  return new Promise((done, fail) => {
    const finish = (): void => close(fd, (err) => (err ? fail(err) : done()));
    // Python compares .pyc headers with the source mtime, so keep the archive's times.
    if (mtime === undefined) finish();
    else futimes(fd, mtime, mtime, () => finish());
  });
}

async function writeSmallFile(path: string, data: Buffer, mode: number, mtime: Date | undefined): Promise<void> {
  const fd = await openNew(path, mode);
  try {
    if (data.length > 0) await writeAll(fd, data);
  } catch (err) {
    await closeFd(fd, undefined).catch(() => undefined);
    throw err;
  }
  await closeFd(fd, mtime);
}

/**
 * Writes tar streams into a fresh, empty root folder, refusing every entry
 * that could land outside it. The root must be new: the sink assumes the only
 * links below it are the ones it made, which is what makes the link checks
 * exact. Several streams (a .conda's info and pkg tars) may share one sink.
 */
export class TarSink {
  readonly counts: SinkCounts = { files: 0, directories: 0, symlinks: 0, bytes: 0 };
  private readonly nodes = new Map<string, Node>();
  private readonly links = new Map<string, string>();
  private readonly pending = new Set<Promise<void>>();
  private failure: unknown;

  constructor(
    private readonly root: string,
    private readonly archive: string,
    private readonly budget: ExtractBudget,
  ) {}

  /** Parses one tar stream into the root; `stages` are the source and its decoders, in order. */
  async consume(stages: readonly NodeJS.ReadableStream[], signal?: AbortSignal): Promise<void> {
    const extract = tar.extract();
    extract.on("entry", (header, stream, next) => {
      // A refused entry tears the tar stream down, which fails this entry's stream too; the
      // pipeline already reports that error, so the entry stream's copy must not go unhandled.
      stream.on("error", () => undefined);
      this.entry(header, stream as unknown as EntryStream).then(
        () => next(),
        (err: unknown) => {
          stream.resume();
          next(err instanceof Error ? err : new Error(String(err)));
        },
      );
    });
    // tar-stream's streams are streamx streams; node's pipeline drives them through their Node-compatible surface.
    const all = [...stages, extract as unknown as NodeJS.WritableStream] as unknown as Parameters<typeof pipeline>;
    await (pipeline as (...streams: unknown[]) => Promise<void>)(...all, signal === undefined ? {} : { signal });
    await this.drain();
  }

  /** Waits for the writes in flight; rethrows the first that failed. */
  async drain(): Promise<void> {
    while (this.pending.size > 0) await Promise.all(this.pending);
    if (this.failure !== undefined) throw this.failure;
  }

  /** After the last stream: every link must still resolve inside, now that all links are known. */
  finish(): void {
    for (const [key, target] of this.links) {
      if (resolveInside(parentParts(key), target, this.links) === undefined) {
        throw unsafeEntry(this.archive, key, `the symlink target ${JSON.stringify(target)} resolves outside the package`);
      }
    }
  }

  private async entry(header: tar.Header, stream: EntryStream): Promise<void> {
    const rel = normaliseEntryName(this.archive, header.name);
    this.budget.addEntry(header.name);
    if (rel === "") {
      await drainStream(stream);
      return;
    }
    // tar-stream gives null for type flags it does not know (GNU sparse "S", volume labels...): writing their
    // data as a plain file would produce wrong content, so they are refused.
    const type = header.type;
    switch (type) {
      case "directory":
        await drainStream(stream);
        await this.makeDir(rel, header.name);
        return;
      case "file":
      case "contiguous-file":
        await this.writeFile(rel, header, stream);
        return;
      case "symlink":
        await drainStream(stream);
        await this.makeSymlink(rel, header);
        return;
      case "link":
        await drainStream(stream);
        await this.makeHardLink(rel, header);
        return;
      case "character-device":
      case "block-device":
      case "fifo":
        throw unsafeEntry(this.archive, header.name, `${type} entries are not allowed in packages`);
      default:
        throw corruptArchive(this.archive, `has an entry ${JSON.stringify(header.name)} of a tar type that cannot be extracted (${String(type as string | null)})`);
    }
  }

  /** Checks the folders above `rel` (none may be a link or a file) and creates the missing ones. */
  private async parents(rel: string, name: string): Promise<void> {
    const parts = parentParts(rel);
    let missing = false;
    for (let i = 1; i <= parts.length; i++) {
      const prefix = parts.slice(0, i).join("/");
      const node = this.nodes.get(entryKey(prefix));
      if (node === undefined) {
        missing = true;
        break;
      }
      if (node.kind === "symlink") throw unsafeEntry(this.archive, name, `it would be written through the symlink ${prefix}`);
      if (node.kind === "file") throw unsafeEntry(this.archive, name, `its folder ${prefix} is a file`);
    }
    if (!missing) return;
    for (let i = 1; i <= parts.length; i++) {
      const prefix = parts.slice(0, i).join("/");
      const node = this.nodes.get(entryKey(prefix));
      if (node !== undefined && node.kind !== "dir") {
        throw unsafeEntry(this.archive, name, node.kind === "symlink" ? `it would be written through the symlink ${prefix}` : `its folder ${prefix} is a file`);
      }
    }
    await mkdir(join(this.root, ...parts), { recursive: true });
    for (let i = 1; i <= parts.length; i++) this.nodes.set(entryKey(parts.slice(0, i).join("/")), { kind: "dir" });
  }

  /** A second entry of the same name replaces the first, as tar does; a folder is never replaced. */
  private async replaceExisting(rel: string, name: string): Promise<void> {
    const node = this.nodes.get(entryKey(rel));
    if (node === undefined) return;
    if (node.kind === "dir") throw unsafeEntry(this.archive, name, "it would replace a folder");
    await this.drain();
    await unlink(join(this.root, rel));
    this.nodes.delete(entryKey(rel));
    if (node.kind === "symlink") {
      this.links.delete(entryKey(rel));
      this.counts.symlinks -= 1;
    } else {
      this.counts.files -= 1;
    }
  }

  private async makeDir(rel: string, name: string): Promise<void> {
    const node = this.nodes.get(entryKey(rel));
    if (node?.kind === "dir") return;
    if (node !== undefined) throw unsafeEntry(this.archive, name, `a ${node.kind} of that name was extracted before`);
    await this.parents(rel + "/x", name);
    this.counts.directories += 1;
  }

  private async writeFile(rel: string, header: tar.Header, stream: EntryStream): Promise<void> {
    const claimed = header.size ?? 0;
    this.budget.checkEntry(header.name, claimed);
    await this.parents(rel, header.name);
    await this.replaceExisting(rel, header.name);
    const path = join(this.root, rel);
    const mode = safeMode(header.mode, 0o644);
    this.nodes.set(entryKey(rel), { kind: "file" });
    this.counts.files += 1;
    if (claimed <= SMALL_ENTRY_BYTES) {
      const chunks: Uint8Array[] = [];
      let size = 0;
      for await (const chunk of stream) {
        chunks.push(chunk);
        size += chunk.length;
      }
      this.budget.checkEntry(header.name, size);
      this.counts.bytes += size;
      const data = chunks.length === 1 ? Buffer.from(chunks[0].buffer, chunks[0].byteOffset, chunks[0].byteLength) : Buffer.concat(chunks, size);
      await this.schedule(writeSmallFile(path, data, mode, header.mtime));
      return;
    }
    await this.writeLarge(path, header, stream, mode);
  }

  private async writeLarge(path: string, header: tar.Header, stream: EntryStream, mode: number): Promise<void> {
    const fd = await openNew(path, mode);
    let size = 0;
    try {
      let batch: Uint8Array[] = [];
      let batchBytes = 0;
      for await (const chunk of stream) {
        size += chunk.length;
        this.budget.checkEntry(header.name, size);
        batch.push(chunk);
        batchBytes += chunk.length;
        if (batchBytes >= WRITE_SLICE_BYTES) {
          await writeAll(fd, Buffer.concat(batch, batchBytes));
          batch = [];
          batchBytes = 0;
        }
      }
      if (batchBytes > 0) await writeAll(fd, Buffer.concat(batch, batchBytes));
    } catch (err) {
      await closeFd(fd, undefined).catch(() => undefined);
      throw err;
    }
    await closeFd(fd, header.mtime);
    this.counts.bytes += size;
  }

  /** Runs a small write in the background, at most MAX_PENDING_WRITES at a time. */
  private async schedule(work: Promise<void>): Promise<void> {
    const tracked: Promise<void> = work.then(
      () => {
        this.pending.delete(tracked);
      },
      (err: unknown) => {
        this.pending.delete(tracked);
        this.failure ??= err;
      },
    );
    this.pending.add(tracked);
    if (this.failure !== undefined) throw this.failure;
    while (this.pending.size >= MAX_PENDING_WRITES) await Promise.race(this.pending);
    if (this.failure !== undefined) throw this.failure;
  }

  private async makeSymlink(rel: string, header: tar.Header): Promise<void> {
    const target = header.linkname ?? "";
    if (target === "") throw corruptArchive(this.archive, `is corrupt: the symlink ${JSON.stringify(header.name)} has no target`);
    if (target.includes("\0")) throw unsafeEntry(this.archive, header.name, "the symlink target holds a NUL byte");
    if (target.startsWith("/") || /^[A-Za-z]:/.test(target) || target.startsWith("\\")) {
      throw unsafeEntry(this.archive, header.name, `the symlink points to the absolute path ${JSON.stringify(target)}`);
    }
    if (resolveInside(parentParts(rel), target, this.links) === undefined) {
      throw unsafeEntry(this.archive, header.name, `the symlink target ${JSON.stringify(target)} resolves outside the package`);
    }
    await this.parents(rel, header.name);
    await this.replaceExisting(rel, header.name);
    await symlink(target, join(this.root, rel));
    this.nodes.set(entryKey(rel), { kind: "symlink", target });
    this.links.set(entryKey(rel), target);
    this.counts.symlinks += 1;
  }

  private async makeHardLink(rel: string, header: tar.Header): Promise<void> {
    const raw = header.linkname ?? "";
    let target: string;
    try {
      target = normaliseEntryName(this.archive, raw);
    } catch {
      throw unsafeEntry(this.archive, header.name, `the hard link points outside the package (${JSON.stringify(raw)})`);
    }
    const node = target === "" ? undefined : this.nodes.get(entryKey(target));
    if (node?.kind !== "file") {
      throw unsafeEntry(this.archive, header.name, `the hard link target ${JSON.stringify(raw)} is not a file extracted before it`);
    }
    await this.parents(rel, header.name);
    await this.replaceExisting(rel, header.name);
    await this.drain();
    await link(join(this.root, target), join(this.root, rel));
    this.nodes.set(entryKey(rel), { kind: "file" });
    this.counts.files += 1;
  }
}

async function drainStream(stream: EntryStream): Promise<void> {
  for await (const _ of stream) {
    // Folders and links carry no data; a malformed one that does is skipped.
  }
}

/** Wraps an unknown failure of a decoder or parser as CG_PACKAGE_CORRUPT naming the archive. */
export function corruptArchive(archive: string, what: string, cause?: unknown): PackageError {
  return new PackageError("CG_PACKAGE_CORRUPT", `${archive} ${what}.`, { archive, file: archive, cause });
}
