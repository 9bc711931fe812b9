import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFile, readlink, stat } from "node:fs/promises";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { buildPackageFolder, condaFileName, extractPackage, hashFile, readIndexJson, readLinkJson, readPackagePaths, writeCondaPackage } from "../../src/package/index.js";
import { listTree, tempDir } from "./_helpers.js";

let work: { path: string; remove: () => Promise<void> };
before(async () => {
  work = await tempDir("cg-write-");
});
after(async () => {
  await work.remove();
});

const PLACEHOLDER = "/opt/anaconda1anaconda2anaconda3";

async function demoFolder(dir: string): Promise<string> {
  return buildPackageFolder({
    dir,
    index: { name: "demo-tool", version: "1.2.0", build: "h0_0", subdir: "noarch", noarch: "python", license: "MIT" },
    files: {
      "site-packages/demo_tool/__init__.py": "VERSION = '1.2.0'\n",
      "site-packages/demo_tool/cli.py": "def main():\n    print('hi')\n",
      "share/demo/config.txt": { data: `prefix=${PLACEHOLDER}\n`, prefixPlaceholder: PLACEHOLDER },
      "bin/run.sh": { data: "#!/bin/sh\nexec python -m demo_tool\n", mode: 0o755 },
    },
    symlinks: { "bin/demo": "run.sh" },
    linkJson: { noarch: { type: "python", entry_points: ["demo = demo_tool.cli:main"] }, package_metadata_version: 1 },
  });
}

test("buildPackageFolder + writeCondaPackage round-trip through extractPackage", async () => {
  const src = await demoFolder(join(work.path, "src"));
  const fn = condaFileName({ name: "demo-tool", version: "1.2.0", build: "h0_0" });
  assert.equal(fn, "demo-tool-1.2.0-h0_0.conda");
  const archive = join(work.path, fn);
  await writeCondaPackage({ sourceDir: src, outPath: archive });
  const out = join(work.path, "out");
  const summary = await extractPackage(archive, out);
  assert.equal(summary.symlinks, 1);
  assert.deepEqual(await listTree(out), await listTree(src));
  assert.equal(await readlink(join(out, "bin/demo")), "run.sh");
  assert.equal((await stat(join(out, "bin/run.sh"))).mode & 0o777, 0o755);
  const index = await readIndexJson(out);
  assert.equal(index.noarch, "python");
  assert.deepEqual((await readLinkJson(out))?.noarch?.entryPoints, [{ command: "demo", module: "demo_tool.cli", func: "main" }]);
  const paths = await readPackagePaths(out);
  assert.equal(paths.length, 5);
  for (const p of paths.filter((e) => e.pathType === "hardlink")) {
    const digest = await hashFile(join(out, p.path));
    assert.equal(digest.sha256, p.sha256, p.path);
    assert.equal(digest.size, p.sizeInBytes, p.path);
  }
  assert.deepEqual(paths.find((p) => p.path === "share/demo/config.txt")?.prefixPlaceholder, PLACEHOLDER);
});

test("the same folder always packs to the same bytes", async () => {
  const src = await demoFolder(join(work.path, "again"));
  await writeCondaPackage({ sourceDir: src, outPath: join(work.path, "a", "demo-tool-1.2.0-h0_0.conda") });
  await writeCondaPackage({ sourceDir: src, outPath: join(work.path, "b", "demo-tool-1.2.0-h0_0.conda") });
  assert.deepEqual(await readFile(join(work.path, "a", "demo-tool-1.2.0-h0_0.conda")), await readFile(join(work.path, "b", "demo-tool-1.2.0-h0_0.conda")));
});

test("conda-package-handling extracts what we write to the same tree", { skip: spawnSync("cph", ["--help"]).status === 0 ? false : "cph (conda-package-handling) not installed" }, async () => {
  const src = await demoFolder(join(work.path, "cph-src"));
  const archive = join(work.path, "cph", "demo-tool-1.2.0-h0_0.conda");
  await writeCondaPackage({ sourceDir: src, outPath: archive });
  const dest = join(work.path, "cph-out");
  const run = spawnSync("cph", ["x", archive, "--dest", dest], { encoding: "utf8" });
  assert.equal(run.status, 0, run.stderr);
  assert.deepEqual(await listTree(dest), await listTree(src));
  for (const rel of (await listTree(src)).filter((r) => !r.endsWith("/"))) {
    assert.deepEqual(await readFile(join(dest, rel)), await readFile(join(src, rel)), rel);
  }
});
