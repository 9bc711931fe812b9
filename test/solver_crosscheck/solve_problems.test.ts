// The shape of the shared solve problem list (test/helpers/solve_problems.ts)
// and of the channels it builds from ../shared/data for the cross-check and
// the solve bench.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { needsShared, sharedPath } from "../helpers/shared_data.js";
import { channelFolder, SCALE_BASE_PROBLEM, sharedInputs, SOLVE_PROBLEMS } from "../helpers/solve_problems.js";

type Repodata = { info?: { subdir?: string }; packages: Record<string, Record<string, unknown>>; "packages.conda": Record<string, Record<string, unknown>> };

function readRepodata(file: string): Repodata {
  return JSON.parse(readFileSync(file, "utf8")) as Repodata;
}

test("solve problems: at least 30, unique names, no virtual packages, the scale base among them", () => {
  assert.ok(SOLVE_PROBLEMS.length >= 30, `only ${SOLVE_PROBLEMS.length} problems`);
  const names = SOLVE_PROBLEMS.map((p) => p.name);
  assert.equal(new Set(names).size, names.length, "problem names must be unique");
  // The peer takes no virtual packages; ours must see the same world.
  for (const p of SOLVE_PROBLEMS) assert.deepEqual(p.virtualPackages, [], p.name);
  assert.ok(names.includes(SCALE_BASE_PROBLEM));
});

describe("solve problem channels built from ../shared/data", { skip: needsShared(...sharedInputs()) }, () => {
  const scratch = mkdtempSync(join(tmpdir(), "cg-solve-problems-"));
  after(() => rmSync(scratch, { recursive: true, force: true }));

  test("every subdir of conda-forge-py39 has at least one problem", () => {
    const subdirs = readdirSync(sharedPath("channels/conda-forge-py39")).filter((d) => d !== "noarch");
    for (const subdir of subdirs) {
      assert.ok(
        SOLVE_PROBLEMS.some((p) => p.subdir === subdir && p.channels.some((c) => c.kind === "channel-dir" && c.dir === "channels/conda-forge-py39")),
        `no problem on conda-forge-py39/${subdir}`,
      );
    }
  });

  test("every channel folder has the problem's subdir and noarch", () => {
    for (const p of SOLVE_PROBLEMS) {
      for (const source of p.channels) {
        const dir = channelFolder(source, scratch);
        assert.ok(existsSync(join(dir, "noarch", "repodata.json")), `${p.name}: no noarch in ${dir}`);
        assert.ok(existsSync(join(dir, p.subdir, "repodata.json")), `${p.name}: no ${p.subdir} in ${dir}`);
      }
    }
  });

  test("a flat index is split into subdir and noarch, null fields dropped, nothing lost", () => {
    const source = { kind: "records", file: "conda-tests/index4.json", subdir: "linux-64" } as const;
    const flat = JSON.parse(readFileSync(sharedPath(source.file), "utf8")) as Record<string, Record<string, unknown>>;
    const dir = channelFolder(source, scratch);
    const parts = ["linux-64", "noarch"].map((sd) => ({ sd, doc: readRepodata(join(dir, sd, "repodata.json")) }));
    let total = 0;
    for (const { sd, doc } of parts) {
      assert.equal(doc.info?.subdir, sd);
      for (const [fn, rec] of Object.entries({ ...doc.packages, ...doc["packages.conda"] })) {
        total++;
        assert.equal(rec.subdir, sd, fn);
        assert.ok(Object.values(rec).every((v) => v !== null), `${fn} keeps a null field`);
        const original = flat[fn];
        assert.ok(original !== undefined, fn);
        assert.equal(sd === "noarch", original.subdir === "noarch" || Boolean(original.noarch), fn);
        assert.deepEqual(rec.depends, original.depends ?? undefined, fn);
      }
    }
    assert.equal(total, Object.keys(flat).length);
  });
});
