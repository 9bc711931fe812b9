// The solver's light records (built from the keys kept in the offsets index)
// against the records built from the JSON, on every real repodata file in
// ../shared/data: every field the solver reads, and the plain record it hands
// out, are the same.
import assert from "node:assert/strict";
import { crc32 } from "node:zlib";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import type { PackageRecord } from "../../src/conda/index.js";
import { plainRecord } from "../../src/repodata/index.js";
import { LazySubdirIndex } from "../../src/repodata/lazy_index.js";
import { LightRecord } from "../../src/repodata/light_record.js";
import { extractRecordKeys } from "../../src/repodata/record_keys.js";
import { scanRepodata } from "../../src/repodata/scan.js";
import { _crc32Js, encodeOffsetsIndex, memorySource, openOffsetsIndex, ScannedStore } from "../../src/repodata/scanned_store.js";
import { SHARED_DATA, needsShared } from "../helpers/shared_data.js";
import { jsonFilesUnder, tempDir } from "./_helpers.js";

const SOURCE = { channel: "https://example.invalid/ch", subdir: "linux-64", url: "https://example.invalid/ch/linux-64" };

/** Every field of PackageRecord, read through whatever getters the record has. */
function fields(r: PackageRecord): Record<string, unknown> {
  return {
    name: r.name,
    version: r.version,
    build: r.build,
    build_number: r.build_number,
    subdir: r.subdir,
    fn: r.fn,
    url: r.url,
    channel: r.channel,
    depends: r.depends,
    constrains: r.constrains,
    track_features: r.track_features,
    features: r.features,
    noarch: r.noarch,
    timestamp: r.timestamp,
    md5: r.md5,
    sha256: r.sha256,
    size: r.size,
    license: r.license,
    license_family: r.license_family,
    arch: r.arch,
    platform: r.platform,
    python_site_packages_path: r.python_site_packages_path,
  };
}

test("light records from the offsets index equal the records parsed from the JSON, on every real repodata file", { skip: needsShared("channels") }, async () => {
  const dir = await tempDir();
  let files = 0;
  let light = 0;
  let full = 0;
  let broken = 0;
  try {
    for (const path of jsonFilesUnder(SHARED_DATA)) {
      const bytes = readFileSync(path);
      const scan = scanRepodata(bytes);
      if (scan === undefined) continue; // not repodata, broken on purpose, or left to JSON.parse
      let info: Record<string, unknown> = {};
      if (scan.info !== undefined) {
        try {
          info = JSON.parse(bytes.toString("utf8", scan.info[0], scan.info[1])) as Record<string, unknown>;
        } catch {
          continue;
        }
      }
      if (typeof info !== "object" || info === null || Array.isArray(info)) continue;
      files++;
      // Through the file format, as a warm cache opens it.
      const stamp = { size: bytes.length, sha256: "ab".repeat(32) };
      const indexPath = join(dir.path, `${files}.idx`);
      const keys = extractRecordKeys(scan, memorySource(bytes));
      writeFileSync(indexPath, encodeOffsetsIndex(scan, info, keys, stamp));
      const opened = openOffsetsIndex(indexPath, stamp);
      const warm = new LazySubdirIndex(new ScannedStore(opened.scan, opened.info, memorySource(bytes), path, false, opened.keys), SOURCE);
      const cold = new LazySubdirIndex(new ScannedStore(scan, info, memorySource(bytes), path, true), SOURCE);
      for (const name of cold.names()) {
        let expected: PackageRecord[];
        try {
          expected = cold.records(name);
        } catch {
          // A record broken inside (a fixture): the light side reads it from its JSON and fails too.
          assert.throws(() => warm.solverRecords(name), `${path}: ${name}`);
          broken++;
          continue;
        }
        const got = warm.solverRecords(name);
        assert.equal(got.length, expected.length, `${path}: ${name}`);
        got.forEach((r, i) => {
          if (r instanceof LightRecord) light++;
          else full++;
          assert.deepEqual(fields(r), fields(expected[i]), `${path}: ${name} ${expected[i].fn}`);
          assert.deepEqual(plainRecord(r), expected[i], `${path}: ${name} ${expected[i].fn}`);
          assert.equal(JSON.stringify(r), JSON.stringify(expected[i]));
        });
      }
    }
  } finally {
    await dir.remove();
  }
  console.log(`${files} files: ${light} light records, ${full} built from their JSON (track_features, legacy features, unusual file names), ${broken} broken names refused on both sides`);
  assert.ok(files > 100 && light > 10 * full, `${files} files, ${light} light, ${full} full`);
});

test("a light record whose JSON no longer matches the index is refused with CG_REPODATA_CORRUPT", () => {
  const json = Buffer.from(
    JSON.stringify({
      info: { subdir: "linux-64" },
      packages: {
        "a-1.0-0.tar.bz2": { name: "a", version: "1.0", build: "0", build_number: 0, depends: ["b >=2"], md5: "0".repeat(32), timestamp: 1700000000 },
      },
    }),
  );
  const scan = scanRepodata(json);
  assert.ok(scan !== undefined);
  const keys = extractRecordKeys(scan, memorySource(json));
  // The same offsets over other bytes: the record there now says version 2.0.
  const other = Buffer.from(json.toString("utf8").replace('"1.0"', '"2.0"'));
  const store = new ScannedStore(scan, {}, memorySource(other), "test", false, keys);
  const [record] = new LazySubdirIndex(store, SOURCE).solverRecords("a");
  assert.ok(record instanceof LightRecord);
  assert.equal(record.version, "1.0");
  assert.deepEqual(record.depends, ["b >=2"]);
  assert.throws(() => record.md5, (err: unknown) => err instanceof Error && "code" in err && err.code === "CG_REPODATA_CORRUPT");
});

test("an offsets index without keys opens without them, and the solver then gets the records parsed from the JSON", { skip: needsShared("channels/conda-forge-py39") }, async () => {
  const dir = await tempDir();
  try {
    const bytes = readFileSync(join(SHARED_DATA, "channels/conda-forge-py39/noarch/repodata.json"));
    const scan = scanRepodata(bytes);
    assert.ok(scan !== undefined);
    const stamp = { size: bytes.length, sha256: "cd".repeat(32) };
    const path = join(dir.path, "plain.idx");
    writeFileSync(path, encodeOffsetsIndex(scan, {}, undefined, stamp));
    const opened = openOffsetsIndex(path, stamp);
    assert.equal(opened.keys, undefined);
    assert.deepEqual(opened.scan.names, scan.names);
    const index = new LazySubdirIndex(new ScannedStore(opened.scan, opened.info, memorySource(bytes), path, false), SOURCE);
    for (const name of index.names()) {
      const got = index.solverRecords(name);
      assert.ok(got.every((r) => !(r instanceof LightRecord)), name);
      assert.deepEqual(got, index.records(name), name);
    }
  } finally {
    await dir.remove();
  }
});

test("records the keys cannot describe exactly are built from their JSON", () => {
  const records: Record<string, Record<string, unknown>> = {
    "plain-1.0-0.tar.bz2": { name: "plain", version: "1.0", build: "0", build_number: 0, depends: [] },
    "emptysubdir-1.0-0.tar.bz2": { name: "emptysubdir", version: "1.0", build: "0", build_number: 0, subdir: "" },
    "tracked-1.0-0.tar.bz2": { name: "tracked", version: "1.0", build: "0", build_number: 0, track_features: "mkl" },
    "other-name.tar.bz2": { name: "renamed", version: "1.0", build: "0", build_number: 0 },
    "bignumber-1.0-0.tar.bz2": { name: "bignumber", version: "1.0", build: "0", build_number: 2 ** 40 },
    "numeric-1-0.tar.bz2": { name: "numeric", version: 1, build: "0", build_number: 0 },
  };
  const json = Buffer.from(JSON.stringify({ info: { subdir: "linux-64" }, packages: records }));
  const scan = scanRepodata(json);
  assert.ok(scan !== undefined);
  const store = new ScannedStore(scan, {}, memorySource(json), "test", true);
  store.recordKeys();
  const index = new LazySubdirIndex(store, SOURCE);
  for (const name of index.names()) {
    const [got] = index.solverRecords(name);
    assert.equal(got instanceof LightRecord, name === "plain", name);
    assert.deepEqual(plainRecord(got), index.records(name)[0], name);
  }
});

test("the offsets index checksum: zlib's CRC-32, and the same from the JavaScript one older Node uses", () => {
  const data = Buffer.from(JSON.stringify({ packages: { "a-1-0.tar.bz2": { name: "a", version: "1", build: "0" } } }));
  assert.equal(_crc32Js(data, 0), crc32(data));
  // Continued over two parts, as the index is checked (header, then body).
  assert.equal(_crc32Js(data.subarray(9), _crc32Js(data.subarray(0, 9), 0)), crc32(data));
  assert.equal(_crc32Js(Buffer.alloc(0), 0), 0);
});
