import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdir, readFile, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { LEGACY_PREFIX_PLACEHOLDER, extractPackage, parseHasPrefixLine, readPackagePaths } from "../../src/package/index.js";
import { needsShared, sharedPath } from "../helpers/shared_data.js";
import { expectPackageError, tempDir } from "./_helpers.js";

let work: { path: string; remove: () => Promise<void> };
before(async () => {
  work = await tempDir("cg-paths-");
});
after(async () => {
  await work.remove();
});

async function infoDir(name: string, files: Record<string, string>): Promise<string> {
  const dir = join(work.path, name);
  await mkdir(join(dir, "info"), { recursive: true });
  for (const [path, text] of Object.entries(files)) {
    await mkdir(join(dir, path, ".."), { recursive: true });
    await writeFile(join(dir, path), text);
  }
  return dir;
}

test("rattler's conda-22.9.0 paths.json reads in full", { skip: needsShared("rattler/conda-22.9.0-py38haa244fe_2-paths.json") }, async () => {
  const raw = await readFile(sharedPath("rattler/conda-22.9.0-py38haa244fe_2-paths.json"), "utf8");
  const dir = await infoDir("conda-22.9.0", { "info/paths.json": raw });
  const paths = await readPackagePaths(dir);
  const doc = JSON.parse(raw) as { paths: Array<Record<string, unknown>> };
  assert.equal(paths.length, doc.paths.length);
  assert.ok(paths.every((p) => p.pathType === "hardlink" && p.sha256?.length === 64 && typeof p.sizeInBytes === "number"));
  const withPrefix = paths.filter((p) => p.prefixPlaceholder !== undefined);
  assert.equal(withPrefix.length, doc.paths.filter((p) => "prefix_placeholder" in p).length);
  assert.ok(withPrefix.length > 0 && withPrefix.every((p) => p.fileMode === "text" || p.fileMode === "binary"));
});

test("a real package with binary placeholders and softlinks (Miniconda's openssl)", { skip: needsShared("pkgs-cache/qgb-miniconda3-py39-linux-64/pkgs/openssl-1.1.1i-h27cfd23_0.conda") }, async () => {
  const dest = join(work.path, "openssl");
  await extractPackage(sharedPath("pkgs-cache/qgb-miniconda3-py39-linux-64/pkgs/openssl-1.1.1i-h27cfd23_0.conda"), dest);
  const paths = await readPackagePaths(dest);
  assert.ok(paths.some((p) => p.pathType === "softlink"));
  assert.ok(paths.some((p) => p.fileMode === "binary" && p.prefixPlaceholder !== undefined));
});

test("old packages: info/files + has_prefix (all quoting forms) + no_link, digests computed from the files", async () => {
  const dir = await infoDir("legacy", {
    "info/files": "bin/tool\nshare/doc a.txt\nlib/libx.so.1\nlib/plain\n",
    "info/has_prefix": [
      "bin/tool",
      '/opt/build_placehold binary "share/doc a.txt"',
      '"/opt/quoted place" "text" "lib/plain"',
    ].join("\n"),
    "info/no_link": "lib/plain\n",
    "bin/tool": "#!/opt/anaconda1anaconda2anaconda3/bin/python\n",
    "share/doc a.txt": "hello",
    "lib/plain": "data",
  });
  await symlink("plain", join(dir, "lib/libx.so.1"));
  const paths = await readPackagePaths(dir);
  assert.deepEqual(paths, [
    {
      path: "bin/tool",
      pathType: "hardlink",
      sha256: createHash("sha256").update("#!/opt/anaconda1anaconda2anaconda3/bin/python\n").digest("hex"),
      sizeInBytes: 46,
      prefixPlaceholder: LEGACY_PREFIX_PLACEHOLDER,
      fileMode: "text",
    },
    {
      path: "share/doc a.txt",
      pathType: "hardlink",
      sha256: "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824",
      sizeInBytes: 5,
      prefixPlaceholder: "/opt/build_placehold",
      fileMode: "binary",
    },
    { path: "lib/libx.so.1", pathType: "softlink" },
    {
      path: "lib/plain",
      pathType: "hardlink",
      sha256: "3a6eb0790f39ac87c94f3856b2dd2c5d110e6811602261a9a923d3bb23adc8b7",
      sizeInBytes: 4,
      prefixPlaceholder: "/opt/quoted place",
      fileMode: "text",
      noLink: true,
    },
  ]);
});

test("has_prefix line forms", () => {
  assert.deepEqual(parseHasPrefixLine("bin/x"), { placeholder: LEGACY_PREFIX_PLACEHOLDER, mode: "text", path: "bin/x" });
  assert.deepEqual(parseHasPrefixLine("/p text bin/x"), { placeholder: "/p", mode: "text", path: "bin/x" });
  assert.deepEqual(parseHasPrefixLine("/p binary path with spaces"), { placeholder: "/p", mode: "binary", path: "path with spaces" });
  assert.deepEqual(parseHasPrefixLine(`"/p q" 'binary' "a b"`), { placeholder: "/p q", mode: "binary", path: "a b" });
  assert.equal(parseHasPrefixLine("/p sometimes bin/x"), undefined);
  assert.equal(parseHasPrefixLine("   "), undefined);
});

test("broken metadata names the file and what is wrong", async () => {
  let err = await expectPackageError(readPackagePaths(await infoDir("none", {})), "CG_PACKAGE_METADATA");
  assert.match(err.message, /info\/paths\.json is missing and so is info\/files/);
  err = await expectPackageError(readPackagePaths(await infoDir("badjson", { "info/paths.json": "{ nope" })), "CG_PACKAGE_METADATA");
  assert.match(err.message, /badjson\/info\/paths\.json is not valid JSON/);
  assert.equal(err.file, join(work.path, "badjson", "info", "paths.json"));
  err = await expectPackageError(readPackagePaths(await infoDir("v2", { "info/paths.json": '{"paths_version": 2, "paths": []}' })), "CG_PACKAGE_METADATA");
  assert.match(err.message, /paths_version 2; only version 1/);
  err = await expectPackageError(
    readPackagePaths(await infoDir("escape", { "info/paths.json": '{"paths_version": 1, "paths": [{"_path": "../etc/passwd", "path_type": "hardlink"}]}' })),
    "CG_PACKAGE_METADATA",
  );
  assert.match(err.message, /unsafe path "\.\.\/etc\/passwd"/);
  err = await expectPackageError(
    readPackagePaths(await infoDir("type", { "info/paths.json": '{"paths_version": 1, "paths": [{"_path": "a", "path_type": "pipe"}]}' })),
    "CG_PACKAGE_METADATA",
  );
  assert.match(err.message, /unknown path_type "pipe"/);
  err = await expectPackageError(readPackagePaths(await infoDir("missing", { "info/files": "bin/gone\n" })), "CG_PACKAGE_METADATA");
  assert.match(err.message, /info\/files lists bin\/gone, which is not in the package/);
  err = await expectPackageError(readPackagePaths(await infoDir("hp", { "info/files": "a\n", a: "x", "info/has_prefix": "/p maybe a\n" })), "CG_PACKAGE_METADATA");
  assert.match(err.message, /has_prefix has a line/);
});
