import { Transform, type TransformCallback } from "node:stream";
import { createRequire } from "node:module";
import type * as Binding from "zstd-napi/binding.js";

// The native module is CommonJS assigned to module.exports, which ESM cannot
// see named exports of; require gives the whole object with its types.
const binding = createRequire(import.meta.url)("zstd-napi/binding.js") as typeof Binding;

/**
 * Streaming zstd decompression on zstd-napi's native context, like its
 * DecompressStream, but with contexts reused across streams. conda packages
 * are written with windows up to 128 MiB; a fresh context pays for that
 * window on every archive (about 4x the decode time of a small package),
 * a reused one only once.
 */

/** Contexts kept for reuse; each may hold a window of up to 128 MiB once a large package went through it. */
const POOL_MAX = 4;
/** Idle contexts are dropped after this long so a finished install gives the memory back. */
const POOL_IDLE_MS = 10_000;
const OUT_CHUNK = 256 * 1024;

const pool: Binding.DCtx[] = [];
let idleTimer: NodeJS.Timeout | undefined;

function takeContext(): Binding.DCtx {
  return pool.pop() ?? new binding.DCtx();
}

function giveContext(ctx: Binding.DCtx): void {
  ctx.reset(binding.ResetDirective.sessionOnly);
  if (pool.length < POOL_MAX) pool.push(ctx);
  if (idleTimer !== undefined) clearTimeout(idleTimer);
  idleTimer = setTimeout(() => {
    pool.length = 0;
    idleTimer = undefined;
  }, POOL_IDLE_MS);
  idleTimer.unref();
}

/** A Transform that decodes one or more concatenated zstd frames; fails on a frame cut short. */
export class ZstdDecoder extends Transform {
  private ctx: Binding.DCtx | undefined = takeContext();
  private inFrame = false;

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    const ctx = this.ctx;
    if (ctx === undefined) {
      done(new Error("zstd decoder used after it ended"));
      return;
    }
    try {
      let src: Buffer = chunk;
      for (;;) {
        const out = Buffer.allocUnsafe(OUT_CHUNK);
        const [remaining, produced, consumed] = ctx.decompressStream(out, src);
        if (produced > 0) this.push(out.subarray(0, produced));
        src = src.subarray(consumed);
        if (src.length === 0 && (produced < out.length || remaining === 0)) {
          this.inFrame = remaining !== 0;
          break;
        }
      }
    } catch (err) {
      done(err as Error);
      return;
    }
    done();
  }

  override _flush(done: TransformCallback): void {
    this.release();
    done(this.inFrame ? new Error("the zstd stream ends in the middle of a frame (truncated)") : null);
  }

  override _destroy(err: Error | null, done: (error: Error | null) => void): void {
    // A context that failed mid-frame is not trusted for reuse.
    this.ctx = undefined;
    done(err);
  }

  private release(): void {
    if (this.ctx !== undefined && !this.inFrame) giveContext(this.ctx);
    this.ctx = undefined;
  }
}
