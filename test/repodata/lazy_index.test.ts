import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, test } from "node:test";
import { CondaguardError } from "../../src/conda/index.js";
import { encodeBinaryIndex, indexRepodataJson, openBinaryIndex, RepodataError } from "../../src/repodata/index.js";
import { needsShared, sharedPath } from "../helpers/shared_data.js";
import { recordIdentities, referenceByName, tempDir } from "./_helpers.js";

/** Real repodata files of different eras and shapes (legacy cache, CRAN graph, v2 subchannel, pytorch). */
const FILES = [
  "channels/conda-forge-py39/linux-64/repodata.json",
  "channels/conda-forge-py39/noarch/repodata.json",
  "pkgs-cache/qgb-miniconda3-py39-linux-64/repodata-cache/3e39a7aa.json",
  "repodata-snapshots/asmeurer-cran-conda-recipes_2014-01.json",
  "repodata-snapshots/conda-forge_linux-64_2016-08-06.cache.json",
  "rattler/channels/pytorch/linux-64/repodata.json",
  "mamba/libmamba/repodata/conda-forge-repodata-version-2.json",
];

const SOURCE = { channel: "https://example.invalid/ch", subdir: "linux-64", url: "https://example.invalid/ch/linux-64" };

function stamp(bytes: Uint8Array): { size: number; sha256: string } {
  return { size: bytes.length, sha256: createHash("sha256").update(bytes).digest("hex") };
}

describe("lazy index over real repodata", () => {
  for (const file of FILES) {
    test(`records of every name equal a full JSON.parse: ${file}`, { skip: needsShared(file) }, () => {
      const bytes = readFileSync(sharedPath(file));
      const reference = referenceByName(JSON.parse(bytes.toString("utf8")));
      const index = indexRepodataJson(bytes, SOURCE);
      assert.deepEqual(new Set(index.names()), new Set(reference.keys()));
      let records = 0;
      for (const [name, expected] of reference) {
        const got = index.records(name);
        assert.deepEqual(recordIdentities(got), expected, name);
        assert.ok(got.every((r) => r.name === name));
        records += got.length;
      }
      assert.equal(index.recordCount, records);
      assert.equal(index.records("no-such-package-name").length, 0);
    });

    test(`binary cache round-trips every name: ${file}`, { skip: needsShared(file) }, () => {
      const bytes = readFileSync(sharedPath(file));
      const cold = indexRepodataJson(bytes, SOURCE);
      const binary = encodeBinaryIndex(cold, stamp(bytes));
      const warm = openBinaryIndex(binary, SOURCE, stamp(bytes));
      assert.deepEqual(warm.names(), cold.names());
      assert.equal(warm.recordCount, cold.recordCount);
      for (const name of cold.names()) assert.deepEqual(warm.records(name), cold.records(name), name);
    });
  }
});

describe("binary cache integrity", () => {
  const file = "channels/conda-forge-py39/noarch/repodata.json";

  test("is refused when built from other JSON", { skip: needsShared(file) }, () => {
    const bytes = readFileSync(sharedPath(file));
    const binary = encodeBinaryIndex(indexRepodataJson(bytes, SOURCE), stamp(bytes));
    const other = { size: bytes.length, sha256: "0".repeat(64) };
    assert.throws(() => openBinaryIndex(binary, SOURCE, other), (err: unknown) => err instanceof RepodataError && err.code === "CG_REPODATA_CORRUPT");
  });

  test("detects truncation at any length and flipped bytes anywhere", { skip: needsShared(file) }, () => {
    const bytes = readFileSync(sharedPath(file));
    const binary = encodeBinaryIndex(indexRepodataJson(bytes, SOURCE), stamp(bytes));
    for (const length of [0, 7, 50, 111, 112, 500, binary.length - 1]) {
      assert.throws(() => openBinaryIndex(binary.subarray(0, length), SOURCE), RepodataError, `truncated to ${length}`);
    }
    // Flip one byte at a spread of positions (header, name table, records): opening or reading must fail, never succeed wrongly.
    const step = Math.max(1, Math.floor(binary.length / 97));
    let detected = 0;
    let positions = 0;
    for (let pos = 0; pos < binary.length; pos += step) {
      positions++;
      const damaged = Buffer.from(binary);
      damaged[pos] ^= 0x5a;
      try {
        const index = openBinaryIndex(damaged, SOURCE);
        for (const name of index.names()) index.records(name);
      } catch {
        detected++;
      }
    }
    assert.equal(detected, positions);
  });
});

describe("binary cache opened from a file", () => {
  const file = "channels/conda-forge-py39/osx-arm64/repodata.json";
  test("reads the name table first and the records on demand; a replaced file is detected", { skip: needsShared(file) }, async () => {
    const bytes = readFileSync(sharedPath(file));
    const cold = indexRepodataJson(bytes, SOURCE);
    const binary = encodeBinaryIndex(cold, stamp(bytes));
    const dir = await tempDir();
    try {
      const path = join(dir.path, "index.idx");
      await writeFile(path, binary);
      const warm = openBinaryIndex(path, SOURCE, stamp(bytes));
      for (const name of cold.names()) assert.deepEqual(warm.records(name), cold.records(name));

      const early = openBinaryIndex(path, SOURCE, stamp(bytes));
      const other = readFileSync(sharedPath("channels/conda-forge-py39/noarch/repodata.json"));
      await writeFile(path, encodeBinaryIndex(indexRepodataJson(other, SOURCE), stamp(other)));
      assert.throws(() => early.records("python"), /replaced|checksum/);
    } finally {
      await dir.remove();
    }
  });
});

describe("invalid JSON", () => {
  const corrupt = "conda-tests/corrupt/json/conda-meta/corrupt-1.2.3-hashhash.json";

  test("real corrupt fixture gives CG_REPODATA_CORRUPT with line and column", { skip: needsShared(corrupt) }, () => {
    const bytes = readFileSync(sharedPath(corrupt));
    const err = (() => {
      try {
        indexRepodataJson(bytes, { ...SOURCE, url: "https://user:secret@example.invalid/ch/linux-64" });
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    assert.ok(err instanceof RepodataError);
    assert.ok(err instanceof CondaguardError);
    assert.equal(err.code, "CG_REPODATA_CORRUPT");
    assert.equal(err.line, 2);
    assert.match(err.message, /line 2, column 3 \(byte \d+\)/);
    assert.match(err.message, /https:\/\/\*\*\*@example\.invalid\/ch\/linux-64/);
    assert.doesNotMatch(err.message, /secret/);
  });

  test("binary garbage is refused", { skip: needsShared("conda-tests/corrupt/unicode/conda-meta/corrupt-1.2.3-hashhash.json") }, () => {
    const bytes = readFileSync(sharedPath("conda-tests/corrupt/unicode/conda-meta/corrupt-1.2.3-hashhash.json"));
    assert.throws(() => indexRepodataJson(bytes, SOURCE), (err: unknown) => err instanceof RepodataError && err.code === "CG_REPODATA_CORRUPT" && err.line === 1);
  });

  test("valid JSON that is not repodata is refused", () => {
    assert.throws(() => indexRepodataJson(Buffer.from("[1,2]"), SOURCE), /not a JSON object/);
    assert.throws(() => indexRepodataJson(Buffer.from('{"packages": []}'), SOURCE), /"packages" that is not an object/);
    assert.equal(indexRepodataJson(Buffer.from("{}"), SOURCE).recordCount, 0);
  });
});

describe("base_url (CEP 15)", () => {
  const v2 = "mamba/libmamba/repodata/conda-forge-repodata-version-2.json";
  test("absolute base_url with trailing slash", { skip: needsShared(v2) }, () => {
    const index = indexRepodataJson(readFileSync(sharedPath(v2)), SOURCE);
    const [record] = index.records("_libgcc_mutex");
    assert.equal(record.url, "https://repo.anaconda.com/repo/main/linux-64/_libgcc_mutex-0.1-conda_forge.tar.bz2");
    assert.equal(record.channel, SOURCE.channel);
  });

  const missing = "mamba/libmamba/repodata/conda-forge-repodata-version-2-missing-base_url.json";
  test("without base_url, packages sit beside the repodata", { skip: needsShared(missing) }, () => {
    const index = indexRepodataJson(readFileSync(sharedPath(missing)), SOURCE);
    for (const name of index.names()) for (const r of index.records(name)) assert.equal(r.url, `${SOURCE.url}/${r.fn}`);
  });

  test("relative base_url resolves against the subdir URL", { skip: needsShared(v2) }, () => {
    const doc = JSON.parse(readFileSync(sharedPath(v2), "utf8")) as { info: Record<string, unknown> };
    doc.info.base_url = "../../mirror/linux-64/";
    const index = indexRepodataJson(Buffer.from(JSON.stringify(doc)), SOURCE);
    assert.equal(index.records("_libgcc_mutex")[0].url, "https://example.invalid/mirror/linux-64/_libgcc_mutex-0.1-conda_forge.tar.bz2");
  });
});
