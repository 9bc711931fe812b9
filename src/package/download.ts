import { createReadStream } from "node:fs";
import { open, rename, rm, type FileHandle } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { redactUrl } from "../conda/index.js";
import { PackageError } from "./errors.js";
import { DualHasher, type FileDigest } from "./hash.js";

/** What downloadFile checks and how hard it tries. */
export interface DownloadOptions {
  /** Hex sha256 the file must have; checked before the file gets its final name. */
  expectedSha256?: string;
  /** Hex md5, checked when given (old locks and repodata carry only md5). */
  expectedMd5?: string;
  /** Exact size in bytes; a longer body is cut off early. */
  expectedSize?: number;
  /** Retries after the first attempt for network errors, 429 and 5xx. Default 3. */
  retries?: number;
  /** Longest silence (connecting, waiting for headers, between body chunks). Default 60 s. */
  timeoutMs?: number;
  /** First back-off delay, doubled per retry and capped at 8 s. Default 250 ms. */
  retryDelayMs?: number;
  onProgress?: (done: number, total: number | undefined) => void;
  signal?: AbortSignal;
  fetchImpl?: typeof fetch;
}

/** The digests of the bytes that were written under `dest`. */
export interface DownloadResult {
  sha256: string;
  md5: string;
  bytes: number;
}

/** Same rule as the repodata transport: file: URLs and plain paths are local. */
function isLocal(url: string): boolean {
  return url.startsWith("file:") || !/^[a-z][a-z0-9+.-]*:\/\//i.test(url);
}

function downloadError(where: string, reason: string, cause?: unknown): PackageError {
  return new PackageError("CG_PACKAGE_DOWNLOAD", `Cannot download ${where}: ${reason}.`, { input: where, archive: where, cause });
}

function abortError(where: string, cause?: unknown): PackageError {
  return new PackageError("CG_PACKAGE_ABORTED", `The download of ${where} was cancelled.`, { input: where, archive: where, cause });
}

/** Throws CG_PACKAGE_HASH_MISMATCH when the digest disagrees with what was expected. */
export function checkDigest(where: string, digest: FileDigest, expected: { sha256?: string; md5?: string; size?: number }): void {
  const problems: string[] = [];
  if (expected.size !== undefined && digest.size !== expected.size) problems.push(`size expected ${expected.size}, got ${digest.size}`);
  if (expected.sha256 !== undefined && digest.sha256 !== expected.sha256.toLowerCase()) {
    problems.push(`sha256 expected ${expected.sha256.toLowerCase()}, got ${digest.sha256}`);
  }
  if (expected.md5 !== undefined && digest.md5 !== expected.md5.toLowerCase()) problems.push(`md5 expected ${expected.md5.toLowerCase()}, got ${digest.md5}`);
  if (problems.length > 0) {
    throw new PackageError("CG_PACKAGE_HASH_MISMATCH", `${where} does not match its lock entry: ${problems.join("; ")}.`, {
      input: where,
      archive: where,
    });
  }
}

/** A function, not a property read, so the check is not narrowed away after an earlier one. */
function isAborted(signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((done) => {
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", () => {
      clearTimeout(timer);
      done();
    }, { once: true });
  });
}

/** Why a fetch failed, in words, from the error's cause code. */
function describe(err: unknown): string {
  const e = err as { name?: string; message?: string; cause?: { code?: string } };
  if (e.name === "TimeoutError") return "the server stopped answering (timed out)";
  const code = e.cause?.code;
  if (code === "ECONNREFUSED") return "connection refused";
  if (code === "ENOTFOUND" || code === "EAI_AGAIN") return "host name not found";
  if (code === "ECONNRESET" || code === "UND_ERR_SOCKET") return "connection reset";
  if (code !== undefined) return `network error ${code}`;
  return `network error (${e.message ?? "unknown"})`;
}

/** The bytes already in the partial file, with their digest state, so a retry can continue. */
class PartialFile {
  hasher = new DualHasher();
  private constructor(readonly path: string, private handle: FileHandle) {}

  static async create(path: string): Promise<PartialFile> {
    return new PartialFile(path, await open(path, "w"));
  }

  get size(): number {
    return this.hasher.size;
  }

  async append(chunk: Uint8Array): Promise<void> {
    await this.handle.write(chunk);
    this.hasher.update(chunk);
  }

  /** Drops everything written, for a server that ignored our Range request. */
  async restart(): Promise<void> {
    await this.handle.truncate(0);
    await this.handle.close();
    this.handle = await open(this.path, "w");
    this.hasher = new DualHasher();
  }

  async close(): Promise<void> {
    await this.handle.close();
  }
}

/** `bytes 100-199/200` -> start 100, total 200. */
function parseContentRange(value: string | null): { start: number; total: number | undefined } | undefined {
  const m = value === null ? null : /^bytes\s+(\d+)-(\d+)\/(\d+|\*)$/i.exec(value.trim());
  if (m === null) return undefined;
  return { start: Number(m[1]), total: m[3] === "*" ? undefined : Number(m[3]) };
}

async function copyLocal(url: string, where: string, partial: PartialFile, options: DownloadOptions): Promise<void> {
  const path = url.startsWith("file:") ? fileURLToPath(url) : url;
  try {
    const stream = createReadStream(path, { highWaterMark: 1 << 20, signal: options.signal });
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      await partial.append(chunk);
      if (options.expectedSize !== undefined && partial.size > options.expectedSize) break;
      options.onProgress?.(partial.size, options.expectedSize);
    }
  } catch (err) {
    if (isAborted(options.signal)) throw abortError(where, err);
    const code = (err as { code?: string }).code;
    throw downloadError(where, code === "ENOENT" ? "the file does not exist" : `cannot read the file (${code ?? (err as Error).message})`, err);
  }
}

/** Moves credentials from the URL into a Basic header: fetch refuses them in URLs, and URLs end up in messages. */
function requestParts(url: string): { href: string; headers: Record<string, string> } {
  const target = new URL(url);
  const headers: Record<string, string> = { accept: "*/*", "user-agent": "condaguard" };
  if (target.username !== "" || target.password !== "") {
    headers.authorization = `Basic ${Buffer.from(`${decodeURIComponent(target.username)}:${decodeURIComponent(target.password)}`).toString("base64")}`;
    target.username = "";
    target.password = "";
  }
  return { href: target.href, headers };
}

async function fetchHttp(url: string, where: string, partial: PartialFile, options: DownloadOptions): Promise<void> {
  const { href, headers } = requestParts(url);
  const retries = Math.max(0, options.retries ?? 3);
  const timeoutMs = options.timeoutMs ?? 60_000;
  const baseDelay = options.retryDelayMs ?? 250;
  const doFetch = options.fetchImpl ?? fetch;
  let validator: string | undefined;
  let lastReason = "no attempt made";
  let lastCause: unknown;
  for (let attempt = 0; attempt <= retries; attempt++) {
    if (attempt > 0) await sleep(Math.min(8000, baseDelay * 2 ** (attempt - 1)), options.signal);
    if (isAborted(options.signal)) throw abortError(where, options.signal?.reason);
    const resumeFrom = partial.size;
    const attemptHeaders = { ...headers };
    if (resumeFrom > 0) {
      attemptHeaders.range = `bytes=${resumeFrom}-`;
      // Only continue the same file: a changed file answers 200 with all of itself.
      if (validator !== undefined) attemptHeaders["if-range"] = validator;
    }
    const idle = new AbortController();
    let timer = setTimeout(() => idle.abort(new DOMException("silent for too long", "TimeoutError")), timeoutMs);
    const touch = (): void => {
      clearTimeout(timer);
      timer = setTimeout(() => idle.abort(new DOMException("silent for too long", "TimeoutError")), timeoutMs);
    };
    const signal = options.signal === undefined ? idle.signal : AbortSignal.any([idle.signal, options.signal]);
    try {
      let response: Response;
      try {
        response = await doFetch(href, { headers: attemptHeaders, redirect: "follow", signal });
      } catch (err) {
        if (isAborted(options.signal)) throw abortError(where, err);
        lastReason = describe(idle.signal.aborted ? idle.signal.reason : err);
        lastCause = err;
        continue;
      }
      const status = response.status;
      if (status === 404 || status === 410 || status === 401 || status === 403) {
        await response.body?.cancel();
        const what = status === 401 ? "authentication required (HTTP 401)" : status === 403 ? "access refused (HTTP 403)" : `not found (HTTP ${status})`;
        throw downloadError(where, what);
      }
      if (status === 429 || status >= 500) {
        await response.body?.cancel();
        lastReason = `the server answered HTTP ${status}`;
        lastCause = undefined;
        continue;
      }
      if (status === 416 && resumeFrom > 0 && options.expectedSize === resumeFrom) {
        await response.body?.cancel();
        return;
      }
      let total: number | undefined;
      const length = response.headers.get("content-length");
      if (status === 206 && resumeFrom > 0) {
        const range = parseContentRange(response.headers.get("content-range"));
        if (range === undefined || range.start !== resumeFrom) {
          // A range we did not ask for: start over rather than splice the wrong bytes.
          await response.body?.cancel();
          await partial.restart();
          lastReason = "the server answered a different byte range";
          continue;
        }
        total = range.total;
      } else if (status === 200) {
        if (resumeFrom > 0) await partial.restart();
        total = length === null ? undefined : Number(length);
      } else {
        await response.body?.cancel();
        if (status === 416) await partial.restart();
        lastReason = `the server answered HTTP ${status}`;
        if (status === 416) continue;
        throw downloadError(where, lastReason);
      }
      validator ??= response.headers.get("etag") ?? response.headers.get("last-modified") ?? undefined;
      total ??= options.expectedSize;
      if (response.body === null) {
        lastReason = "the server sent no body";
        continue;
      }
      try {
        for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
          touch();
          await partial.append(chunk);
          if (options.expectedSize !== undefined && partial.size > options.expectedSize) {
            // Longer than the lock says: no need to read the rest to know it is wrong.
            await response.body.cancel().catch(() => undefined);
            return;
          }
          options.onProgress?.(partial.size, total);
        }
      } catch (err) {
        if (isAborted(options.signal)) throw abortError(where, err);
        if (typeof (err as { syscall?: unknown }).syscall === "string") throw err;
        lastReason = `the download broke off after ${partial.size} bytes (${describe(idle.signal.aborted ? idle.signal.reason : err)})`;
        lastCause = err;
        continue;
      }
      if (total !== undefined && partial.size < total) {
        lastReason = `the download ended after ${partial.size} of ${total} bytes`;
        continue;
      }
      return;
    } finally {
      clearTimeout(timer);
    }
  }
  const tries = retries + 1;
  throw downloadError(where, `${lastReason}${tries > 1 ? ` (${tries} attempts)` : ""}`, lastCause);
}

/**
 * Downloads `url` (http, https, file: or a plain path) to `dest`, through
 * `dest.partial`: hashes while streaming, resumes a broken transfer with a
 * Range request, retries network errors and 5xx with back-off, and checks
 * sha256/md5/size before the file takes its final name. On any failure the
 * partial file is removed and `dest` is untouched.
 */
export async function downloadFile(url: string, dest: string, options: DownloadOptions = {}): Promise<DownloadResult> {
  const where = redactUrl(url);
  const partialPath = `${dest}.partial`;
  const partial = await PartialFile.create(partialPath);
  try {
    if (isLocal(url)) await copyLocal(url, where, partial, options);
    else await fetchHttp(url, where, partial, options);
    await partial.close();
    const digest = partial.hasher.digest();
    checkDigest(where, digest, { sha256: options.expectedSha256, md5: options.expectedMd5, size: options.expectedSize });
    await rename(partialPath, dest);
    return { sha256: digest.sha256, md5: digest.md5, bytes: digest.size };
  } catch (err) {
    await partial.close().catch(() => undefined);
    await rm(partialPath, { force: true });
    throw err;
  }
}
