import { createRequire } from "node:module";
import * as zlib from "node:zlib";
import { decompress as zstdDecompress } from "fzstd";
import bz2 from "unbzip2-stream";
import { RepodataError } from "./errors.js";

/** Which file of a subdir the body came from; the compression follows from it. */
export type RepodataVariant = "zst" | "bz2" | "json";

/** File name of each variant inside a subdir, in the order they are tried. */
export const VARIANT_FILES: Readonly<Record<RepodataVariant, string>> = {
  zst: "repodata.json.zst",
  bz2: "repodata.json.bz2",
  json: "repodata.json",
};

export const VARIANT_ORDER: readonly RepodataVariant[] = ["zst", "bz2", "json"];

/** zstd frame magic, little-endian 0xFD2FB528. */
const ZSTD_MAGIC = [0x28, 0xb5, 0x2f, 0xfd];

function corrupt(what: string, where: string, cause: unknown): RepodataError {
  // A decoder's own wording helps ("crc32 do not match"); a crash inside it on cut-off input does not.
  const detail = cause instanceof Error && !(cause instanceof TypeError) && !(cause instanceof RangeError) ? `: ${cause.message}` : "";
  return new RepodataError(
    "CG_REPODATA_CORRUPT",
    `The ${what} data from ${where} is truncated or corrupt${detail}.`,
    {
      hint: "Delete the cached copy (or run again later if the channel is being updated); if it persists, the channel serves a broken file.",
      input: where,
      url: where,
      cause,
    },
  );
}

type ZstdDecoder = (data: Uint8Array) => Uint8Array;

/**
 * The fastest zstd decoder available: Node's own (22.15 and later), else the
 * zstd-napi binding (libzstd, ~5-10x faster than JS on repodata), else the
 * pure-JS fzstd. The binding is loaded with require inside a try because a
 * missing or mismatched native build must only cost speed, never the import.
 */
function pickZstd(): ZstdDecoder | undefined {
  const builtin = (zlib as { zstdDecompressSync?: (data: Uint8Array) => Buffer }).zstdDecompressSync;
  if (builtin !== undefined) return builtin;
  try {
    const binding = createRequire(import.meta.url)("zstd-napi") as { decompress?: (data: Uint8Array) => Buffer };
    if (typeof binding.decompress === "function") return binding.decompress;
  } catch {
    // no native build for this platform: fzstd below
  }
  return undefined;
}

const nativeZstd = pickZstd();

/** True when the bytes start like the given compressed format; used to skip a server's HTML error page served as 200. */
export function hasMagic(variant: "zst" | "bz2", bytes: Uint8Array): boolean {
  if (variant === "zst") return bytes.length >= 4 && ZSTD_MAGIC.every((b, i) => bytes[i] === b);
  return bytes.length >= 4 && bytes[0] === 0x42 && bytes[1] === 0x5a && bytes[2] === 0x68;
}

/** Decompresses a zstd file; `where` (redacted) names it in errors. */
export function decompressZstd(bytes: Uint8Array, where: string): Uint8Array {
  if (!hasMagic("zst", bytes)) {
    throw corrupt("zstd", where, new Error("missing zstd frame header"));
  }
  if (nativeZstd !== undefined) {
    try {
      return nativeZstd(bytes);
    } catch {
      // zstd-napi's one-shot path rejects some valid files (several frames, a first frame without its size); fzstd decides.
    }
  }
  try {
    return zstdDecompress(bytes);
  } catch (err) {
    throw corrupt("zstd", where, err);
  }
}

/** Decompresses a bzip2 file; `where` (redacted) names it in errors. */
export function decompressBzip2(bytes: Uint8Array, where: string): Promise<Uint8Array> {
  if (!hasMagic("bz2", bytes)) {
    return Promise.reject(corrupt("bzip2", where, new Error("missing bzip2 header")));
  }
  return new Promise<Uint8Array>((resolve, reject) => {
    const chunks: Buffer[] = [];
    const stream = bz2();
    let failed = false;
    stream.on("data", (chunk: Buffer) => chunks.push(chunk));
    stream.on("error", (err: unknown) => {
      failed = true;
      reject(corrupt("bzip2", where, err));
    });
    stream.on("end", () => {
      if (!failed) resolve(Buffer.concat(chunks));
    });
    try {
      stream.write(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      stream.end();
    } catch (err) {
      failed = true;
      reject(corrupt("bzip2", where, err));
    }
  });
}

/** Turns the bytes of a variant into repodata JSON bytes. */
export async function decodeVariant(variant: RepodataVariant, bytes: Uint8Array, where: string): Promise<Uint8Array> {
  if (variant === "zst") return decompressZstd(bytes, where);
  if (variant === "bz2") return decompressBzip2(bytes, where);
  return bytes;
}
