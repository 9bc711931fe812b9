// noarch: python packages linked against the system's Python 3 as the
// environment's interpreter: site-packages mapping, entry points, pyc.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { accessSync, constants, existsSync, readFileSync, rmSync } from "node:fs";
import { after, test } from "node:test";
import { join } from "node:path";
import { executeTransaction, planTransaction, readPrefix, verifyPrefix, type LinkRequest } from "../../src/install/index.js";
import { needsShared, sharedPath } from "../helpers/shared_data.js";
import { fakePackage, realRequest, tempDir } from "./_packages.js";

function systemPython(): string | undefined {
  for (const candidate of ["/usr/bin/python3", "python3"]) {
    const run = spawnSync(candidate, ["-c", "import sys; print('%d.%d' % sys.version_info[:2])"], { encoding: "utf8" });
    if (run.status === 0) return candidate;
  }
  return undefined;
}

const python = systemPython();
const version = python === undefined ? "" : spawnSync(python, ["-c", "import sys; print('%d.%d' % sys.version_info[:2])"], { encoding: "utf8" }).stdout.trim();
const noPython = python === undefined ? "no python3 on this machine" : false;
if (noPython !== false) console.log(`# SKIP ${noPython}`);
const PKGS = "pkgs-cache/qgb-miniconda3-py39-linux-64/pkgs";
const skip = noPython || needsShared(PKGS);

const work = tempDir("noarch");
after(() => rmSync(work, { recursive: true, force: true }));

async function install(prefix: string, desired: LinkRequest[]) {
  return executeTransaction(prefix, planTransaction(await readPrefix(prefix), desired), { python: { executable: python } });
}

test("tqdm (real noarch: python package): site-packages, entry point that runs, pyc compiled and recorded", { skip }, async () => {
  const cache = join(work, "pkgs");
  const tqdm = await realRequest(sharedPath(PKGS, "tqdm-4.54.1-pyhd3eb1b0_0.conda"), cache);
  const prefix = join(work, "env");
  await install(prefix, [tqdm]);
  const sp = `lib/python${version}/site-packages`;
  assert.ok(existsSync(join(prefix, sp, "tqdm/__init__.py")));
  const entry = join(prefix, "bin/tqdm");
  accessSync(entry, constants.X_OK);
  assert.equal(readFileSync(entry, "utf8").split("\n")[0], `#!${python}`);
  const run = spawnSync(entry, ["--version"], { encoding: "utf8" });
  assert.equal(run.status, 0, run.stderr);
  assert.equal(run.stdout.trim(), "4.54.1");

  const [record] = await readPrefix(prefix);
  const tag = `cpython-${version.replace(".", "")}`;
  const pyc = record.paths_data.paths.filter((p) => p.path_type === "pyc_file").map((p) => p._path);
  assert.ok(pyc.includes(`${sp}/tqdm/__pycache__/__init__.${tag}.pyc`), pyc.slice(0, 3).join(", "));
  for (const p of pyc) assert.ok(existsSync(join(prefix, p)), p);
  // conda's order: package files, then pyc files, then entry points.
  const types = record.paths_data.paths.map((p) => p.path_type);
  assert.equal(types[types.length - 1], "unix_python_entry_point");
  assert.equal(types.indexOf("pyc_file"), types.lastIndexOf("hardlink") + 1);
  assert.deepEqual(record.files, record.paths_data.paths.map((p) => p._path));
  assert.equal((await verifyPrefix(prefix)).summary.total, 0);

  // Adding and removing noarch packages in the existing prefix keeps it consistent.
  const six = await realRequest(sharedPath(PKGS, "urllib3-1.25.11-py_0.conda"), cache);
  await install(prefix, [tqdm, six]);
  assert.ok(existsSync(join(prefix, sp, `urllib3/__pycache__/__init__.${tag}.pyc`)));
  await install(prefix, [six]);
  assert.equal(existsSync(join(prefix, sp, "tqdm")), false, "tqdm's folder, with its __pycache__, is gone");
  assert.equal(existsSync(join(prefix, "bin")), false);
  assert.equal((await verifyPrefix(prefix)).summary.total, 0);
});

test("python-scripts/ goes to bin/ and entry points import from the environment", { skip: noPython }, async () => {
  const cache = join(work, "fake");
  const pkg = fakePackage(
    cache,
    { name: "hello" },
    [
      { path: "site-packages/hello/__init__.py", content: "def main():\n    print('hello from', __file__)\n    return 0\n" },
      { path: "python-scripts/hello-tool", content: "#!/usr/bin/env python3\nprint('tool')\n", mode: 0o755 },
    ],
    { noarchPython: true, entryPoints: ["hello = hello:main"] },
  );
  const prefix = join(work, "env2");
  await install(prefix, [pkg]);
  assert.ok(existsSync(join(prefix, "bin/hello-tool")));
  const run = spawnSync(join(prefix, "bin/hello"), [], { encoding: "utf8" });
  assert.equal(run.status, 0, run.stderr);
  assert.ok(run.stdout.startsWith(`hello from ${join(prefix, `lib/python${version}/site-packages/hello/__init__.py`)}`), run.stdout);
});

test("a python package in the transaction: its bin/python compiles, shebangs point into the prefix", { skip }, async () => {
  const cache = join(work, "withpy");
  const fakePython = fakePackage(cache, { name: "python", version: `${version}.0`, build: "fake_0" }, [
    { path: "bin/python", content: `#!/bin/sh\nexec ${python} "$@"\n`, mode: 0o755 },
  ]);
  const tqdm = await realRequest(sharedPath(PKGS, "tqdm-4.54.1-pyhd3eb1b0_0.conda"), cache);
  const prefix = join(work, "env3");
  const result = await executeTransaction(prefix, planTransaction([], [fakePython, tqdm]));
  assert.deepEqual(result.warnings, []);
  assert.equal(readFileSync(join(prefix, "bin/tqdm"), "utf8").split("\n")[0], `#!${prefix}/bin/python`);
  const record = (await readPrefix(prefix)).find((r) => r.name === "tqdm");
  assert.ok(record?.paths_data.paths.some((p) => p.path_type === "pyc_file"));
  assert.equal((await verifyPrefix(prefix)).summary.total, 0);

  // A python that cannot run costs the pyc files (with a warning), not the install.
  const broken = fakePackage(cache, { name: "python", version: `${version}.0`, build: "broken_0" }, [{ path: "bin/python", content: "#!/nonexistent/interpreter\n", mode: 0o755 }]);
  const other = join(work, "env4");
  const r2 = await executeTransaction(other, planTransaction([], [broken, tqdm]));
  assert.ok(r2.warnings.some((w) => w.startsWith("pyc files not written")), r2.warnings.join("\n"));
  assert.equal((await verifyPrefix(other)).summary.total, 0);
});
