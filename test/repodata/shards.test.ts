import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { decodeShard, decodeShardIndex, RepodataError, shardUrl } from "../../src/repodata/index.js";
import { needsShared, sharedPath } from "../helpers/shared_data.js";
import { referenceByName } from "./_helpers.js";

const DIR = "conda-tests/conda_format_repo/linux-64";

test("the real CEP 16 index maps each name to the sha256 of its shard file", { skip: needsShared(DIR) }, () => {
  const index = decodeShardIndex(readFileSync(sharedPath(DIR, "repodata_shards.msgpack.zst")), "index");
  assert.deepEqual([...index.shards.keys()].sort(), ["libgcc-ng", "zlib"]);
  assert.equal(index.info.subdir, "linux-64");
  const reference = referenceByName(JSON.parse(readFileSync(sharedPath(DIR, "repodata.json"), "utf8")));
  for (const [name, hash] of index.shards) {
    const entries = decodeShard(readFileSync(sharedPath(DIR, `${hash}.msgpack.zst`)), hash);
    const identities = new Set(entries.map(([fn, raw]) => `${fn} ${String(raw.sha256)} ${String(raw.md5)}`));
    assert.deepEqual(identities, reference.get(name));
  }
});

test("shard URLs follow shards_base_url, relative or absolute", () => {
  const hash = "ab".repeat(32);
  assert.equal(shardUrl("https://h/ch/linux-64", {}, hash), `https://h/ch/linux-64/${hash}.msgpack.zst`);
  assert.equal(shardUrl("https://h/ch/linux-64", { shards_base_url: "" }, hash), `https://h/ch/linux-64/${hash}.msgpack.zst`);
  assert.equal(shardUrl("https://h/ch/linux-64", { shards_base_url: "./shards" }, hash), `https://h/ch/linux-64/shards/${hash}.msgpack.zst`);
  assert.equal(shardUrl("https://h/ch/linux-64", { shards_base_url: "https://cdn/x/" }, hash), `https://cdn/x/${hash}.msgpack.zst`);
});

test("garbage is not a shard index", () => {
  assert.throws(() => decodeShardIndex(Buffer.from("not zstd"), "where"), (err: unknown) => err instanceof RepodataError && err.code === "CG_REPODATA_CORRUPT");
});
