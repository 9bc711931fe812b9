import assert from "node:assert/strict";
import { copyFile, mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { extractPackage, parseEntryPoint, readIndexJson, readLinkJson, readRepodataRecord } from "../../src/package/index.js";
import { needsShared, sharedPath } from "../helpers/shared_data.js";
import { expectPackageError, tempDir } from "./_helpers.js";

let work: { path: string; remove: () => Promise<void> };
before(async () => {
  work = await tempDir("cg-meta-");
});
after(async () => {
  await work.remove();
});

async function withInfo(name: string, files: Record<string, string>): Promise<string> {
  const dir = join(work.path, name);
  await mkdir(join(dir, "info"), { recursive: true });
  for (const [file, text] of Object.entries(files)) await writeFile(join(dir, "info", file), text);
  return dir;
}

test("index.json of rattler's conda-22.11.1", { skip: needsShared("rattler/conda-22.11.1-py38haa244fe_1-index.json") }, async () => {
  const dir = join(work.path, "conda-index");
  await mkdir(join(dir, "info"), { recursive: true });
  await copyFile(sharedPath("rattler/conda-22.11.1-py38haa244fe_1-index.json"), join(dir, "info", "index.json"));
  const index = await readIndexJson(dir);
  assert.equal(index.name, "conda");
  assert.equal(index.version, "22.11.1");
  assert.equal(index.build, "py38haa244fe_1");
  assert.equal(index.build_number, 1);
  assert.equal(index.subdir, "win-64");
  assert.equal(index.license, "BSD-3-Clause");
  assert.equal(index.timestamp, 1670456742050);
  assert.ok(index.depends.includes("python >=3.8,<3.9.0a0"));
  assert.ok(index.constrains.includes("conda-build >=3"));
  assert.deepEqual(index.track_features, []);
  assert.equal(index.noarch, undefined);
});

test("index.json spellings: noarch true/noarch_python, feature strings", async () => {
  const base = { name: "x", version: "1", build: "0" };
  let index = await readIndexJson(await withInfo("nb", { "index.json": JSON.stringify({ ...base, noarch: true, track_features: "a b,c", features: "mkl" }) }));
  assert.equal(index.noarch, "generic");
  assert.deepEqual(index.track_features, ["a", "b", "c"]);
  assert.deepEqual(index.features, ["mkl"]);
  assert.equal(index.build_number, 0);
  index = await readIndexJson(await withInfo("np", { "index.json": JSON.stringify({ ...base, noarch_python: true }) }));
  assert.equal(index.noarch, "python");
});

test("broken index.json names the file and the field", async () => {
  let err = await expectPackageError(readIndexJson(await withInfo("missing", {})), "CG_PACKAGE_METADATA");
  assert.match(err.message, /missing\/info\/index\.json is missing/);
  err = await expectPackageError(readIndexJson(await withInfo("noname", { "index.json": '{"version": "1", "build": "0"}' })), "CG_PACKAGE_METADATA");
  assert.match(err.message, /has no "name" string/);
  err = await expectPackageError(readIndexJson(await withInfo("deps", { "index.json": '{"name": "a", "version": "1", "build": "0", "depends": "python"}' })), "CG_PACKAGE_METADATA");
  assert.match(err.message, /"depends" that is not a list of strings/);
  err = await expectPackageError(readIndexJson(await withInfo("bn", { "index.json": '{"name": "a", "version": "1", "build": "0", "build_number": "2"}' })), "CG_PACKAGE_METADATA");
  assert.match(err.message, /"build_number"/);
  err = await expectPackageError(readIndexJson(await withInfo("arr", { "index.json": "[]" })), "CG_PACKAGE_METADATA");
  assert.match(err.message, /must hold a JSON object/);
});

test("rattler's link.json files", { skip: needsShared("rattler/link-json") }, async () => {
  const read = async (file: string) => {
    const dir = join(work.path, file);
    await mkdir(join(dir, "info"), { recursive: true });
    await copyFile(sharedPath("rattler/link-json", file), join(dir, "info", "link.json"));
    return readLinkJson(dir);
  };
  const jupyter = await read("jupyterlab-link.json");
  assert.equal(jupyter?.noarch?.type, "python");
  assert.deepEqual(jupyter?.noarch?.entryPoints[1], { command: "jupyter-lab", module: "jupyterlab.labapp", func: "main" });
  assert.equal(jupyter?.noarch?.entryPoints.length, 4);
  assert.equal(jupyter?.packageMetadataVersion, 1);
  assert.deepEqual((await read("setuptools-link.json"))?.noarch, { type: "python", entryPoints: [] });
  assert.equal((await read("tzdata-link.json"))?.noarch?.type, "generic");
});

test("link.json: absent, preferred_env, malformed entry point", async () => {
  assert.equal(await readLinkJson(await withInfo("nolink", {})), undefined);
  const link = await readLinkJson(await withInfo("pref", { "link.json": '{"preferred_env": "tools"}' }));
  assert.equal(link?.preferredEnv, "tools");
  const err = await expectPackageError(
    readLinkJson(await withInfo("badep", { "link.json": '{"noarch": {"type": "python", "entry_points": ["nonsense"]}}' })),
    "CG_PACKAGE_METADATA",
  );
  assert.match(err.message, /badep\/info\/link\.json has an entry point "nonsense"/);
  assert.deepEqual(parseEntryPoint("  pip3 = pip._internal.cli.main : main "), { command: "pip3", module: "pip._internal.cli.main", func: "main" });
  assert.equal(parseEntryPoint("pip = pip"), undefined);
});

test("a real noarch python package (Miniforge's wheel): link.json with its entry point", { skip: needsShared("pkgs-cache/iwamuralab-miniforge3-osx-arm64/pkgs/wheel-0.37.1-pyhd8ed1ab_0.tar.bz2") }, async () => {
  const dest = join(work.path, "wheel");
  await extractPackage(sharedPath("pkgs-cache/iwamuralab-miniforge3-osx-arm64/pkgs/wheel-0.37.1-pyhd8ed1ab_0.tar.bz2"), dest);
  const link = await readLinkJson(dest);
  assert.equal(link?.noarch?.type, "python");
  assert.ok(link?.noarch?.entryPoints.some((e) => e.command === "wheel" && e.module === "wheel.cli"));
  assert.equal((await readIndexJson(dest)).noarch, "python");
});

test("repodata_record.json: absent, present, malformed", async () => {
  assert.equal(await readRepodataRecord(await withInfo("norec", {})), undefined);
  assert.deepEqual(await readRepodataRecord(await withInfo("rec", { "repodata_record.json": '{"name": "a", "url": "https://x/a.conda"}' })), { name: "a", url: "https://x/a.conda" });
  await expectPackageError(readRepodataRecord(await withInfo("badrec", { "repodata_record.json": "{" })), "CG_PACKAGE_METADATA");
});
