import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { join, normalize, resolve, sep } from "node:path";

/** One request the server answered, kept so tests can check what clients sent. */
export interface ServedRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  status: number;
  /** Body bytes written (0 for 304 and HEAD). */
  bytes: number;
}

export interface StaticServerOptions {
  /** Port on 127.0.0.1; 0 (default) picks a free one. */
  port?: number;
  /** `Cache-Control: max-age` sent with every file, in seconds; none when undefined. */
  maxAgeSeconds?: number;
  /**
   * Called before a file is served; return true when the hook wrote the
   * response itself (to simulate 401, truncated bodies, slow links...).
   */
  intercept?: (req: IncomingMessage, res: ServerResponse) => boolean | Promise<boolean>;
}

export interface StaticServer {
  /** Base URL without trailing slash, e.g. `http://127.0.0.1:41234`. */
  readonly url: string;
  readonly requests: ServedRequest[];
  close(): Promise<void>;
}

/**
 * Serves a folder read-only over HTTP on 127.0.0.1, with the validators a
 * conda channel host sends (ETag, Last-Modified, optional max-age) and byte
 * ranges, so clients can be tested against real HTTP semantics.
 */
export async function serveDirectory(root: string, options: StaticServerOptions = {}): Promise<StaticServer> {
  const base = resolve(root);
  const requests: ServedRequest[] = [];

  const server: Server = createServer((req, res) => {
    const record: ServedRequest = {
      method: req.method ?? "GET",
      path: req.url ?? "/",
      headers: { ...req.headers },
      status: 0,
      bytes: 0,
    };
    requests.push(record);
    const originalWrite = res.write.bind(res);
    const countChunk = (chunk: unknown): void => {
      if (typeof chunk === "string") record.bytes += Buffer.byteLength(chunk);
      else if (chunk instanceof Uint8Array) record.bytes += chunk.byteLength;
    };
    res.write = ((chunk: unknown, ...rest: unknown[]) => {
      countChunk(chunk);
      return (originalWrite as (...a: unknown[]) => boolean)(chunk, ...rest);
    }) as typeof res.write;
    res.on("finish", () => {
      record.status = res.statusCode;
    });
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) {
        res.statusCode = 500;
        res.end(String(err));
      } else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (options.intercept && (await options.intercept(req, res))) return;
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.statusCode = 405;
      res.end();
      return;
    }
    const urlPath = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
    const file = normalize(join(base, urlPath));
    if (file !== base && !file.startsWith(base + sep)) {
      res.statusCode = 403;
      res.end();
      return;
    }
    let info;
    try {
      info = await stat(file);
    } catch {
      res.statusCode = 404;
      res.end("not found");
      return;
    }
    if (!info.isFile()) {
      res.statusCode = 404;
      res.end("not found");
      return;
    }
    const etag = `"${createHash("sha1").update(`${info.size}-${info.mtimeMs}`).digest("hex").slice(0, 20)}"`;
    const lastModified = new Date(Math.floor(info.mtimeMs / 1000) * 1000).toUTCString();
    res.setHeader("ETag", etag);
    res.setHeader("Last-Modified", lastModified);
    res.setHeader("Accept-Ranges", "bytes");
    if (options.maxAgeSeconds !== undefined) res.setHeader("Cache-Control", `public, max-age=${options.maxAgeSeconds}`);

    const inm = req.headers["if-none-match"];
    const ims = req.headers["if-modified-since"];
    const notModified =
      inm !== undefined
        ? inm.split(",").some((t) => t.trim() === etag)
        : ims !== undefined && Date.parse(ims) >= Date.parse(lastModified);
    if (notModified) {
      res.statusCode = 304;
      res.end();
      return;
    }

    let start = 0;
    let end = info.size - 1;
    const range = req.headers.range;
    if (range !== undefined) {
      const m = /^bytes=(\d*)-(\d*)$/.exec(range.trim());
      if (m === null || (m[1] === "" && m[2] === "")) {
        res.statusCode = 416;
        res.setHeader("Content-Range", `bytes */${info.size}`);
        res.end();
        return;
      }
      if (m[1] === "") start = Math.max(0, info.size - Number(m[2]));
      else {
        start = Number(m[1]);
        if (m[2] !== "") end = Math.min(end, Number(m[2]));
      }
      if (start >= info.size || start > end) {
        res.statusCode = 416;
        res.setHeader("Content-Range", `bytes */${info.size}`);
        res.end();
        return;
      }
      res.statusCode = 206;
      res.setHeader("Content-Range", `bytes ${start}-${end}/${info.size}`);
    } else res.statusCode = 200;
    res.setHeader("Content-Length", String(end - start + 1));
    res.setHeader("Content-Type", file.endsWith(".json") ? "application/json" : "application/octet-stream");
    if (req.method === "HEAD" || info.size === 0) {
      res.end();
      return;
    }
    await new Promise<void>((done, fail) => {
      const stream = createReadStream(file, { start, end });
      stream.on("error", fail);
      res.on("close", () => done());
      stream.pipe(res);
    });
  }

  await new Promise<void>((done, fail) => {
    server.once("error", fail);
    server.listen(options.port ?? 0, "127.0.0.1", () => done());
  });
  const address = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${address.port}`,
    requests,
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}
