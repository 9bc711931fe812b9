import { readFileSync } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { Agent, interceptors, request as undiciRequest, type Dispatcher } from "undici";
import { redactUrl } from "../conda/index.js";
import { RepodataError } from "./errors.js";

/** A fetch-compatible function; tests and embedders may inject their own. */
export type FetchLike = (url: string, init: RequestInit) => Promise<Response>;

export interface TransportOptions {
  fetchImpl?: FetchLike;
  /**
   * Per-attempt limit on silence: connecting, waiting for headers, and any
   * pause while the body streams. Default 60 s. A large repodata on a slow
   * link may take minutes in total, so the whole download is only capped at
   * ten times this.
   */
  timeoutMs?: number;
  /** Retries after the first attempt for network errors, 5xx and 429. Default 3. */
  retries?: number;
  /** First back-off delay; doubled per retry, capped at 8 s. Default 250 ms. */
  retryDelayMs?: number;
}

/** Validators of a cached copy, sent back as a conditional request. */
export interface Validators {
  etag?: string;
  lastModified?: string;
}

export type FetchOutcome =
  | { status: "ok"; body: Uint8Array; etag?: string; lastModified?: string; maxAgeSeconds?: number }
  | { status: "not-modified"; etag?: string; lastModified?: string; maxAgeSeconds?: number }
  | { status: "not-found" };

function readVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL("../../../package.json", import.meta.url), "utf8")) as { version?: unknown };
    return typeof pkg.version === "string" ? pkg.version : "0.0.0";
  } catch {
    return "0.0.0";
  }
}

/** Sent on every request so channel operators can tell our traffic apart. */
export const USER_AGENT = `condaguard/${readVersion()}`;

/** True for `file:` URLs and plain filesystem paths (anything without a `scheme://`). */
export function isLocalUrl(url: string): boolean {
  return url.startsWith("file:") || !/^[a-z][a-z0-9+.-]*:\/\//i.test(url);
}

function localPath(url: string): string {
  return url.startsWith("file:") ? fileURLToPath(url) : url;
}

/** `Cache-Control` to a max-age in seconds; `no-cache`/`no-store` count as 0. */
export function parseMaxAge(header: string | null): number | undefined {
  if (header === null) return undefined;
  if (/\bno-(cache|store)\b/i.test(header)) return 0;
  const m = /\bmax-age\s*=\s*"?(\d+)/i.exec(header);
  return m === null ? undefined : Number(m[1]);
}

function unreachable(where: string, reason: string, cause?: unknown): RepodataError {
  return new RepodataError("CG_REPODATA_UNREACHABLE", `Cannot reach ${where}: ${reason}.`, {
    hint: "Check the channel URL and your network connection, or use --offline to work from the cache.",
    input: where,
    url: where,
    cause,
  });
}

function authError(where: string, status: number): RepodataError {
  const what = status === 401 ? "requires authentication (HTTP 401)" : "refused access (HTTP 403)";
  return new RepodataError("CG_REPODATA_AUTH", `The channel at ${where} ${what}.`, {
    hint: "Put valid credentials in the channel URL (https://user:password@host/...) or a token (/t/<token>/...), and check they are not expired.",
    input: where,
    url: where,
  });
}

/** The reason of a network failure in words, from the error's `cause.code`. */
function describeNetworkError(err: unknown): string {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e.name === "TimeoutError" || e.name === "AbortError") return "the request timed out";
  // fetch wraps the network error in `cause`; undici's request throws it as is.
  const code = e.cause?.code ?? (e as { code?: string }).code;
  if (code === "ECONNREFUSED") return "connection refused";
  if (code === "ENOTFOUND" || code === "EAI_AGAIN") return "host name not found";
  if (code === "ECONNRESET" || code === "UND_ERR_SOCKET") return "connection reset";
  if (code === "UND_ERR_CONNECT_TIMEOUT" || code === "ETIMEDOUT") return "connection timed out";
  if (code === "UND_ERR_HEADERS_TIMEOUT" || code === "UND_ERR_BODY_TIMEOUT") return "the server stopped answering (timed out)";
  if (code !== undefined) return `network error ${code}`;
  // Messages from the fetch layer never carry our URL with credentials (they are moved to a header).
  return e.message !== undefined ? `network error (${e.message})` : "network error";
}

async function fetchLocal(url: string, validators: Validators): Promise<FetchOutcome> {
  const path = localPath(url);
  try {
    const info = await stat(path);
    if (!info.isFile()) return { status: "not-found" };
    // A local file has no server validators; its size and mtime play the ETag's part.
    const etag = `"${info.size}-${Math.trunc(info.mtimeMs)}"`;
    if (validators.etag === etag) return { status: "not-modified", etag };
    return { status: "ok", body: await readFile(path), etag };
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === "ENOENT" || code === "ENOTDIR") return { status: "not-found" };
    if (code === "EACCES" || code === "EPERM") {
      throw new RepodataError("CG_REPODATA_AUTH", `Cannot read ${redactUrl(url)}: permission denied.`, {
        hint: "Check the file permissions of the local channel.",
        input: redactUrl(url),
        url: redactUrl(url),
        cause: err,
      });
    }
    throw unreachable(redactUrl(url), `cannot read the file (${code ?? "error"})`, err);
  }
}

/** One reply, whichever client fetched it: only what fetchResource reads. */
interface Reply {
  status: number;
  header(name: string): string | null;
  /** Drops the body without reading it. */
  discard(): Promise<void>;
  bytes(): Promise<Uint8Array>;
}

type Sender = (url: string, headers: Record<string, string>, signal: AbortSignal) => Promise<Reply>;

/** An injected fetch-compatible function (tests, custom agents). */
function viaFetch(doFetch: FetchLike): Sender {
  return async (url, headers, signal) => {
    const response = await doFetch(url, { headers, redirect: "follow", signal });
    return {
      status: response.status,
      header: (name) => response.headers.get(name),
      discard: async () => {
        await response.body?.cancel();
      },
      bytes: async () => new Uint8Array(await response.arrayBuffer()),
    };
  };
}

/** One connection pool per timeout value, created on first use and shared by every gateway; redirects are followed. */
const agents = new Map<number, Dispatcher>();

/**
 * The default client: undici's `request`, not its `fetch`. Both are undici,
 * but `fetch` goes through WHATWG streams and collects the body in chunks it
 * then concatenates; `request` hands Node buffers that are copied once into a
 * buffer of the announced length. About twice as fast for a 230 MB
 * repodata.json on a local server, and less overhead per small request.
 */
function viaRequest(timeoutMs: number): Sender {
  let agent = agents.get(timeoutMs);
  if (agent === undefined) {
    agent = new Agent({ connectTimeout: timeoutMs, headersTimeout: timeoutMs, bodyTimeout: timeoutMs }).compose(
      interceptors.redirect({ maxRedirections: 20 }),
    );
    agents.set(timeoutMs, agent);
  }
  const dispatcher = agent;
  return async (url, headers, signal) => {
    const reply = await undiciRequest(url, { method: "GET", headers, signal, dispatcher });
    const header = (name: string): string | null => {
      const v = reply.headers[name];
      return v === undefined ? null : Array.isArray(v) ? v.join(", ") : v;
    };
    return {
      status: reply.statusCode,
      header,
      discard: async () => {
        await reply.body.dump();
      },
      bytes: async () => {
        const announced = Number(header("content-length") ?? NaN);
        if (!Number.isSafeInteger(announced) || announced < 0) return new Uint8Array(await reply.body.arrayBuffer());
        let out = Buffer.allocUnsafe(announced);
        let length = 0;
        for await (const chunk of reply.body as AsyncIterable<Buffer>) {
          if (length + chunk.length > out.length) {
            // More than announced (a misbehaving server): grow rather than fail.
            const bigger = Buffer.allocUnsafe(Math.max(out.length * 2, length + chunk.length));
            out.copy(bigger, 0, 0, length);
            out = bigger;
          }
          chunk.copy(out, length);
          length += chunk.length;
        }
        return out.subarray(0, length);
      },
    };
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms));
}

/**
 * GETs one URL (HTTP(S), `file:` or a plain path) with optional validators.
 * Credentials in the URL become a Basic `Authorization` header, because fetch
 * refuses URLs with user info and because the URL may end up in messages.
 * 404/410 is an outcome, not an error; 401/403 throw CG_REPODATA_AUTH;
 * network errors, 429 and 5xx are retried with exponential back-off and then
 * throw CG_REPODATA_UNREACHABLE.
 */
export async function fetchResource(url: string, validators: Validators = {}, options: TransportOptions = {}): Promise<FetchOutcome> {
  if (isLocalUrl(url)) return fetchLocal(url, validators);
  const where = redactUrl(url);
  const target = new URL(url);
  const headers: Record<string, string> = { "user-agent": USER_AGENT, accept: "*/*" };
  if (target.username !== "" || target.password !== "") {
    const user = decodeURIComponent(target.username);
    const pass = decodeURIComponent(target.password);
    headers.authorization = `Basic ${Buffer.from(`${user}:${pass}`).toString("base64")}`;
    target.username = "";
    target.password = "";
  }
  if (validators.etag !== undefined) headers["if-none-match"] = validators.etag;
  if (validators.lastModified !== undefined) headers["if-modified-since"] = validators.lastModified;
  const retries = Math.max(0, options.retries ?? 3);
  const timeoutMs = options.timeoutMs ?? 60_000;
  const send: Sender = options.fetchImpl !== undefined ? viaFetch(options.fetchImpl) : viaRequest(timeoutMs);
  const baseDelay = options.retryDelayMs ?? 250;

  let lastReason = "no attempt made";
  let lastCause: unknown;
  for (let attempt = 0; attempt <= retries; attempt++) {
    if (attempt > 0) await sleep(Math.min(8000, baseDelay * 2 ** (attempt - 1)) * (0.75 + Math.random() * 0.5));
    let response: Reply;
    try {
      response = await send(target.href, headers, AbortSignal.timeout(timeoutMs * 10));
    } catch (err) {
      lastReason = describeNetworkError(err);
      lastCause = err;
      continue;
    }
    const status = response.status;
    if (status === 304) {
      await response.discard();
      return {
        status: "not-modified",
        etag: response.header("etag") ?? validators.etag,
        lastModified: response.header("last-modified") ?? validators.lastModified,
        maxAgeSeconds: parseMaxAge(response.header("cache-control")),
      };
    }
    if (status === 404 || status === 410) {
      await response.discard();
      return { status: "not-found" };
    }
    if (status === 401 || status === 403) {
      await response.discard();
      throw authError(where, status);
    }
    if (status === 429 || status >= 500) {
      await response.discard();
      lastReason = `the server answered HTTP ${status}`;
      lastCause = undefined;
      continue;
    }
    if (status < 200 || status >= 300) {
      await response.discard();
      throw unreachable(where, `the server answered HTTP ${status}`);
    }
    let body: Uint8Array;
    try {
      body = await response.bytes();
    } catch (err) {
      lastReason = `the download broke off (${describeNetworkError(err)})`;
      lastCause = err;
      continue;
    }
    return {
      status: "ok",
      body,
      etag: response.header("etag") ?? undefined,
      lastModified: response.header("last-modified") ?? undefined,
      maxAgeSeconds: parseMaxAge(response.header("cache-control")),
    };
  }
  const tries = retries + 1;
  throw unreachable(where, `${lastReason}${tries > 1 ? ` (${tries} attempts)` : ""}`, lastCause);
}
