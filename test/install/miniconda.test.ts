// Installs every package of a real Miniconda package cache and compares the
// prefix and its conda-meta with what conda itself wrote for those packages.
import assert from "node:assert/strict";
import { readdirSync, readFileSync, rmSync } from "node:fs";
import { after, before, test } from "node:test";
import { dirname, join } from "node:path";
import { executeTransaction, planTransaction, readPrefix, verifyPrefix, type LinkRequest, type PrefixRecord } from "../../src/install/index.js";
import { needsShared, sharedPath } from "../helpers/shared_data.js";
import { extractAll, snapshot, tempDir } from "./_packages.js";

const CACHE = "pkgs-cache/qgb-miniconda3-py39-linux-64";
const skip = needsShared(CACHE);

// Fields conda derives from its own package cache location; ours point at the test's cache.
const LOCATION_FIELDS = ["link", "extracted_package_dir", "package_tarball_full_path"];

let work: string;
let prefix: string;
let condaRecords: Map<string, PrefixRecord>;
let installed: PrefixRecord[];
let targetPrefix: string;

before(async () => {
  if (skip !== false) return;
  work = tempDir("miniconda");
  const meta = sharedPath(CACHE, "conda-meta");
  condaRecords = new Map();
  for (const f of readdirSync(meta).filter((n) => n.endsWith(".json"))) {
    const r = JSON.parse(readFileSync(join(meta, f), "utf8")) as PrefixRecord;
    condaRecords.set(r.name, r);
  }
  const pkgsDir = sharedPath(CACHE, "pkgs");
  const archives = readdirSync(pkgsDir).filter((n) => n.endsWith(".conda")).map((n) => join(pkgsDir, n));
  const extracted = await extractAll(archives, join(work, "pkgs"));
  // Link in the order conda did (its history), which also decides clobbers.
  const order = readFileSync(join(meta, "history"), "utf8")
    .split("\n")
    .filter((l) => l.startsWith("+"))
    .map((l) => l.slice(l.indexOf("::") + 2));
  const requests: LinkRequest[] = [];
  for (const dist of order) {
    const dir = extracted.get(`${dist}.conda`);
    if (dir === undefined) continue; // python-3.9.1 and libgcc-ng are not in the snapshot
    const conda = [...condaRecords.values()].find((r) => `${r.name}-${r.version}-${r.build}` === dist);
    assert.ok(conda, dist);
    const record: Record<string, unknown> = { ...conda };
    for (const k of ["files", "paths_data", "requested_spec", ...LOCATION_FIELDS]) delete record[k];
    requests.push({ record: record as unknown as PrefixRecord, extractedDir: dir, archivePath: `${dir}.conda`, requestedSpec: conda.requested_spec });
  }
  assert.equal(requests.length, 35);
  targetPrefix = dirname(dirname(String(condaRecords.get("zlib")?.extracted_package_dir)));
  prefix = join(work, "env");
  // No python package here, so no interpreter compiles pyc files: give the layout's version only.
  await executeTransaction(prefix, planTransaction([], requests), { targetPrefix, python: { version: "3.9" }, command: "test" });
  installed = await readPrefix(prefix);
});

after(() => {
  if (work !== undefined) rmSync(work, { recursive: true, force: true });
});

test("Miniconda cache: every record matches conda's except cache locations and pyc files", { skip }, () => {
  assert.equal(targetPrefix, "/home/leanengine/miniconda3");
  assert.equal(installed.length, 35);
  let compared = 0;
  let extraEntries = 0;
  for (const ours of installed) {
    const conda = condaRecords.get(ours.name);
    assert.ok(conda, ours.name);
    // Top-level fields: identical, apart from where the package cache is.
    for (const key of new Set([...Object.keys(ours), ...Object.keys(conda)])) {
      if (["files", "paths_data", "extracted_package_dir", "package_tarball_full_path"].includes(key)) continue;
      if (key === "link") {
        assert.equal(ours.link?.type, conda.link?.type, `${ours.name} link type`);
        continue;
      }
      assert.deepEqual((ours as unknown as Record<string, unknown>)[key], (conda as unknown as Record<string, unknown>)[key], `${ours.name}.${key}`);
    }
    // pyc_file entries come from compiling with the environment's CPython 3.9,
    // which is not in the snapshot (python-3.9.1 is absent), so there are none.
    const condaFiles = conda.files.filter((f) => !conda.paths_data.paths.some((p) => p._path === f && p.path_type === "pyc_file"));
    assert.deepEqual(ours.files, condaFiles, `${ours.name} files`);
    const byPath = new Map(ours.paths_data.paths.map((p) => [p._path, p]));
    for (const entry of conda.paths_data.paths) {
      if (entry.path_type === "pyc_file") continue;
      const mine = byPath.get(entry._path);
      assert.ok(mine, `${ours.name}: ${entry._path} missing from paths_data`);
      if (entry.path_type === "unix_python_entry_point") {
        assert.deepEqual(mine, entry);
      } else {
        // paths, sha256, size_in_bytes, path_type, file_mode, prefix_placeholder, no_link, sha256_in_prefix
        assert.deepEqual(mine, entry, `${ours.name}: ${entry._path}`);
      }
      compared++;
    }
    // conda's installer wrote paths_data only for files it changed (placeholders, pyc,
    // entry points); ours lists every file. The extra ones are plain links.
    for (const mine of ours.paths_data.paths) {
      if (conda.paths_data.paths.some((p) => p._path === mine._path)) continue;
      assert.equal(mine.prefix_placeholder, undefined, `${ours.name}: ${mine._path}`);
      assert.equal(mine.sha256_in_prefix, undefined);
      extraEntries++;
    }
  }
  assert.ok(compared > 200, `compared ${compared}`);
  console.log(`# compared ${compared} paths_data entries with conda's; ${extraEntries} plain entries conda's installer did not record`);
});

test("Miniconda cache: the installed files are exactly the records' files", { skip }, () => {
  const onDisk = new Set(
    [...snapshot(prefix, (rel) => rel === "conda-meta")].filter(([, v]) => v !== "dir").map(([k]) => k),
  );
  const recorded = new Set(installed.flatMap((r) => r.files));
  assert.deepEqual([...onDisk].sort(), [...recorded].sort());
});

test("Miniconda cache: verifyPrefix reports nothing", { skip }, async () => {
  const report = await verifyPrefix(prefix);
  assert.deepEqual(report.issues, []);
  assert.equal(report.summary.total, 0);
  assert.ok(report.checkedFiles > 5000);
});
