import { BinaryCacheCorrupt, BinaryStore, encodeBinaryCache, type SourceStamp } from "./binary_cache.js";
import { RepodataError } from "./errors.js";
import { allGroups, LazySubdirIndex, type IndexSource } from "./lazy_index.js";

/**
 * Serialises a freshly parsed index (from `indexRepodataJson`) into the binary
 * cache format; `source` pins the JSON it came from (size, sha256 hex).
 */
export function encodeBinaryIndex(index: LazySubdirIndex, source: SourceStamp): Buffer {
  if (index.store instanceof BinaryStore) {
    throw new Error("encodeBinaryIndex needs an index built by indexRepodataJson");
  }
  return encodeBinaryCache(allGroups(index.store), index.store.info, source);
}

/**
 * Opens a binary cache, given as bytes or as a file path: reads the header
 * and name table only (from a path, the record region is read on the first
 * lookup); records are decoded per name on demand. With `expected`, a cache built from other JSON
 * is refused. Throws CG_REPODATA_CORRUPT for a damaged file (the gateway
 * catches that case itself and rebuilds).
 */
export function openBinaryIndex(bytes: Uint8Array | string, source: IndexSource, expected?: SourceStamp): LazySubdirIndex {
  try {
    if (typeof bytes === "string") return new LazySubdirIndex(BinaryStore.openFile(bytes, expected), source);
    const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    return new LazySubdirIndex(BinaryStore.fromBuffer(buf, expected), source);
  } catch (err) {
    if (!(err instanceof BinaryCacheCorrupt)) throw err;
    throw new RepodataError("CG_REPODATA_CORRUPT", `${err.message}.`, {
      hint: "Delete the .idx file; it is rebuilt from the cached JSON.",
      cause: err,
    });
  }
}
