// The byte scanner against JSON.parse on every real repodata file in
// ../shared/data: same names in the same order, and each record's slice
// parses to the same object under the same file name.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { decodeJsonString, scanRepodata } from "../../src/repodata/scan.js";
import { SHARED_DATA, needsShared } from "../helpers/shared_data.js";
import { jsonFilesUnder } from "./_helpers.js";

type Doc = { packages?: Record<string, { name?: unknown }>; "packages.conda"?: Record<string, { name?: unknown }> };

test("the repodata scanner agrees with JSON.parse on every real repodata file", { skip: needsShared("channels") }, () => {
  let files = 0;
  let records = 0;
  let declined = 0;
  for (const path of jsonFilesUnder(SHARED_DATA)) {
    const bytes = readFileSync(path);
    let doc: Doc;
    try {
      doc = JSON.parse(bytes.toString("utf8")) as Doc;
    } catch {
      continue; // the intentionally broken fixtures
    }
    if (typeof doc !== "object" || doc === null || (typeof doc.packages !== "object" && typeof doc["packages.conda"] !== "object")) continue;
    const scan = scanRepodata(bytes);
    if (scan === undefined) {
      declined++; // the caller falls back to JSON.parse for these
      continue;
    }
    files++;
    const expected = new Map<string, Array<[string, unknown]>>();
    for (const section of ["packages", "packages.conda"] as const) {
      for (const [fn, rec] of Object.entries(doc[section] ?? {})) {
        // Entries without a name are not package records (channeldata.json's `packages`); both sides skip them.
        if (typeof rec !== "object" || rec === null || typeof rec.name !== "string") continue;
        const name = rec.name;
        if (!expected.has(name)) expected.set(name, []);
        expected.get(name)?.push([fn, rec]);
      }
    }
    assert.deepEqual(scan.names, [...expected.keys()], path);
    scan.names.forEach((name, id) => {
      const got: Array<[string, unknown]> = [];
      for (let k = scan.groupStart[id] as number; k < (scan.groupStart[id + 1] as number); k++) {
        const r = scan.order[k] as number;
        const fn = decodeJsonString(bytes, scan.keyStart[r] as number, scan.keyEnd[r] as number);
        got.push([fn, JSON.parse(bytes.toString("utf8", scan.valStart[r], scan.valEnd[r]))]);
        records++;
      }
      assert.deepEqual(got, expected.get(name), `${path}: ${name}`);
    });
  }
  console.log(`# scanner: ${files} repodata files, ${records} records identical to JSON.parse; ${declined} left to JSON.parse`);
  assert.ok(files > 50);
});
