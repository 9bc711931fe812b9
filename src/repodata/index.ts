// Public surface of the repodata folder: fetch + cache + lazy per-name index.
export { RepodataError } from "./errors.js";
export type { RepodataErrorCode } from "./errors.js";
export { RepodataGateway, dependencyName } from "./gateway.js";
export type { GatewayProgressEvent, RecordLookup, RepodataGatewayOptions, RepodataQuery, SubdirIndex } from "./gateway.js";
export { defaultCacheDir } from "./cache.js";
export type { SubdirState } from "./cache.js";
export type { FetchLike } from "./fetch.js";
export { USER_AGENT } from "./fetch.js";
export { KeyedRecords, plainRecord } from "./light_record.js";
export type { LightOrigin } from "./light_record.js";
export { indexRepodataJson, LazySubdirIndex, downloadBaseUrl } from "./lazy_index.js";
export type { IndexSource } from "./lazy_index.js";
export { encodeBinaryIndex, openBinaryIndex } from "./binary_index.js";
export { decodeShardIndex, decodeShard, shardUrl, SHARD_INDEX_FILE } from "./shards.js";
export type { ShardIndex } from "./shards.js";
// search.ts was written by the CLI side against MatchSpec; re-exported here because the CLI imports it from this folder.
export { searchRecords, newestFirst } from "./search.js";
export type { SearchResult, SearchScope } from "./search.js";
