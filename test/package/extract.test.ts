import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { lstat, mkdir, readdir, readFile, readlink, stat, truncate, writeFile, copyFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import {
  buildTar,
  buildTarZst,
  extractPackage,
  hashFile,
  readIndexJson,
  readPackagePaths,
  writeCondaArchive,
  zstdCompress,
  type TarEntrySpec,
} from "../../src/package/index.js";
import { needsShared, sharedPath } from "../helpers/shared_data.js";
import { expectPackageError, hostileConda, infoEntries, listTree, tempDir } from "./_helpers.js";

const MINICONDA = "pkgs-cache/qgb-miniconda3-py39-linux-64";
const MINIFORGE = "pkgs-cache/iwamuralab-miniforge3-osx-arm64";

let work: { path: string; remove: () => Promise<void> };
before(async () => {
  work = await tempDir("cg-extract-");
});
after(async () => {
  await work.remove();
});

/** Checks every hardlink entry of paths.json: present, right size, right sha256 unless a prefix is baked in. */
async function checkAgainstPaths(dir: string): Promise<number> {
  const paths = await readPackagePaths(dir);
  for (const p of paths) {
    const full = join(dir, p.path);
    const st = await lstat(full);
    if (p.pathType === "softlink") {
      assert.ok(st.isSymbolicLink(), `${p.path} should be a symlink`);
      continue;
    }
    if (p.pathType === "directory") {
      assert.ok(st.isDirectory(), `${p.path} should be a folder`);
      continue;
    }
    assert.ok(st.isFile(), `${p.path} should be a file`);
    if (p.sizeInBytes !== undefined) assert.equal(st.size, p.sizeInBytes, `${dir}: size of ${p.path}`);
    if (p.sha256 !== undefined) assert.equal((await hashFile(full)).sha256, p.sha256, `${dir}: sha256 of ${p.path}`);
  }
  return paths.length;
}

describe("real packages", () => {
  test("the 35 Miniconda .conda archives: every paths.json entry, equal to conda-meta's files", { skip: needsShared(`${MINICONDA}/pkgs`) }, async () => {
    const dir = sharedPath(MINICONDA, "pkgs");
    const archives = (await readdir(dir)).filter((f) => f.endsWith(".conda")).sort();
    assert.equal(archives.length, 35);
    let compared = 0;
    let total = 0;
    for (const fn of archives) {
      const dist = fn.slice(0, -".conda".length);
      const dest = join(work.path, "miniconda", dist);
      const summary = await extractPackage(join(dir, fn), dest);
      assert.equal(summary.format, "conda");
      const index = await readIndexJson(dest);
      assert.equal(`${index.name}-${index.version}-${index.build}`, dist);
      total += await checkAgainstPaths(dest);
      const metaFile = sharedPath(MINICONDA, "conda-meta", `${dist}.json`);
      if (existsSync(metaFile)) {
        const meta = JSON.parse(await readFile(metaFile, "utf8")) as { files: string[] };
        const ours = (await readPackagePaths(dest)).map((p) => p.path);
        if (index.noarch === "python") {
          // noarch: python files move under lib/pythonX.Y/ and bin/ at link time, and conda adds the .pyc it compiled.
          const installed = new Set(meta.files);
          for (const p of ours) {
            const moved = p.replace(/^site-packages\//, "lib/python3.9/site-packages/").replace(/^python-scripts\//, "bin/");
            assert.ok(installed.has(moved), `${dist}: ${p} (${moved}) is not in conda-meta`);
          }
        } else {
          assert.deepEqual([...ours].sort(), [...meta.files].sort(), dist);
        }
        compared += 1;
      }
    }
    console.log(`# extracted 35 archives, ${total} paths checked, ${compared} compared with conda-meta`);
    assert.ok(compared >= 33);
  });

  test("the Miniforge .tar.bz2 archives: every paths.json entry", { skip: needsShared(`${MINIFORGE}/pkgs`) }, async () => {
    const dir = sharedPath(MINIFORGE, "pkgs");
    const archives = (await readdir(dir)).filter((f) => f.endsWith(".tar.bz2")).sort();
    assert.ok(archives.length >= 19);
    for (const fn of archives) {
      const dist = fn.slice(0, -".tar.bz2".length);
      const dest = join(work.path, "miniforge", dist);
      const summary = await extractPackage(join(dir, fn), dest);
      assert.equal(summary.format, "tar.bz2");
      const index = await readIndexJson(dest);
      assert.equal(`${index.name}-${index.version}-${index.build}`, dist);
      await checkAgainstPaths(dest);
      const record = JSON.parse(await readFile(sharedPath(MINIFORGE, "records", `${dist}.json`), "utf8")) as { name: string };
      assert.equal(record.name, index.name);
    }
  });

  test("mock-2.0.0-py37_1000 in both formats extracts to identical trees", { skip: needsShared("conda-package-handling") }, async () => {
    const a = join(work.path, "mock-conda");
    const b = join(work.path, "mock-bz2");
    await extractPackage(sharedPath("conda-package-handling", "mock-2.0.0-py37_1000.conda"), a);
    await extractPackage(sharedPath("conda-package-handling", "mock-2.0.0-py37_1000.tar.bz2"), b);
    const treeA = await listTree(a);
    assert.deepEqual(treeA, await listTree(b));
    assert.ok(treeA.length > 10);
    for (const rel of treeA.filter((r) => !r.endsWith("/"))) {
      assert.deepEqual(await readFile(join(a, rel)), await readFile(join(b, rel)), rel);
    }
    await checkAgainstPaths(a);
  });

  test("rattler's test packages: symlink + hard link, sparse, zip64, ./ names, info-only, empty, link scripts, clobber", { skip: needsShared("rattler/sparse", "rattler/clobber") }, async () => {
    const sym = join(work.path, "symlink-test");
    assert.deepEqual(await extractPackage(sharedPath("rattler/sparse/symlink-test-1.0.0-0.conda"), sym), {
      format: "conda",
      files: 3,
      directories: 0,
      symlinks: 1,
      bytes: 95,
    });
    assert.equal(await readlink(join(sym, "lib/liblink.so")), "libreal.so.1");
    const real = await stat(join(sym, "lib/libreal.so.1"));
    const hard = await stat(join(sym, "lib/libhard.so"));
    assert.equal(hard.ino, real.ino, "the hard link shares the inode");

    const sparse = join(work.path, "sparse-test");
    await extractPackage(sharedPath("rattler/sparse/sparse-test-1.0.0-0.conda"), sparse);
    assert.equal((await stat(join(sparse, "lib/blob.bin"))).size, 150000);
    await checkAgainstPaths(sparse);
    assert.equal(await readFile(join(sparse, "share/last-file.txt"), "utf8").then((s) => s.length), 18);

    const zip64 = join(work.path, "zip64-test");
    await extractPackage(sharedPath("rattler/sparse/zip64-test-1.0.0-0.conda"), zip64);
    assert.ok(existsSync(join(zip64, "bin/hello.txt")));

    const dot = join(work.path, "dotslash");
    await extractPackage(sharedPath("rattler/sparse/dotslash-test-1.0.0-0.conda"), dot);
    assert.deepEqual(await listTree(dot), ["info/", "info/index.json", "lib/", "lib/data.txt"]);

    const infoOnly = join(work.path, "info-only");
    await extractPackage(sharedPath("rattler/sparse/info-only-1.0.0-0.conda"), infoOnly);
    assert.deepEqual(await listTree(infoOnly), ["info/", "info/index.json"]);

    const empty = join(work.path, "empty");
    await extractPackage(sharedPath("rattler/packages/empty-0.1.0-h4616a5c_0.conda"), empty);
    assert.deepEqual(await readPackagePaths(empty), []);

    const scripts = join(work.path, "link-scripts");
    await extractPackage(sharedPath("rattler/link-scripts/link-scripts-0.1.0-h4616a5c_0.conda"), scripts);
    await checkAgainstPaths(scripts);

    const clobber = await readdir(sharedPath("rattler/clobber"));
    for (const fn of clobber) {
      const dest = join(work.path, "clobber", fn);
      await extractPackage(sharedPath("rattler/clobber", fn), dest);
      await checkAgainstPaths(dest);
    }
    console.log(`# ${clobber.length} clobber packages extracted`);
  });

  test("setuid/setgid/sticky bits are stripped, the executable bit kept", async () => {
    const archive = await hostileConda(join(work.path, "modes"), "modes", [
      { name: "bin/tool", data: "#!/bin/sh\n", mode: 0o4755 },
      { name: "bin/group", data: "x", mode: 0o2750 },
      { name: "share/sticky", data: "x", mode: 0o1644 },
    ]);
    const dest = join(work.path, "modes-out");
    await extractPackage(archive, dest);
    assert.equal((await stat(join(dest, "bin/tool"))).mode & 0o7777, 0o755);
    assert.equal((await stat(join(dest, "bin/group"))).mode & 0o7000, 0);
    assert.ok(((await stat(join(dest, "bin/group"))).mode & 0o100) !== 0);
    assert.equal((await stat(join(dest, "share/sticky"))).mode & 0o7000, 0);
  });

  test("a second extraction replaces the folder as a whole", async () => {
    const archive = await hostileConda(join(work.path, "again"), "again", [{ name: "a.txt", data: "one" }]);
    const dest = join(work.path, "again-out");
    await mkdir(dest, { recursive: true });
    await writeFile(join(dest, "stale.txt"), "left over");
    await extractPackage(archive, dest);
    assert.deepEqual(await listTree(dest), ["a.txt", "info/", "info/index.json"]);
  });
});

describe("hostile and corrupt archives", () => {
  /** Extracts into <case>/dest beside an empty <case>/sentinel; checks the error code, that dest is absent and nothing else was written. */
  async function refuse(label: string, archive: string, code: Parameters<typeof expectPackageError>[1], limits?: Parameters<typeof extractPackage>[2]) {
    const base = join(work.path, "refuse", label);
    const sentinel = join(base, "sentinel");
    await mkdir(sentinel, { recursive: true });
    const dest = join(base, "dest");
    const err = await expectPackageError(extractPackage(archive, dest, limits), code);
    assert.ok(!existsSync(dest), `${label}: destination must not exist after a failure`);
    assert.deepEqual(await listTree(sentinel), [], `${label}: nothing may be written beside the destination`);
    assert.deepEqual(await readdir(base), ["sentinel"], `${label}: no temporary folder may be left`);
    return err;
  }

  test("conda's tar_traversal fixtures, wrapped in a .conda, are all refused", { skip: needsShared("conda-tests/tar_traversal") }, async () => {
    const dir = sharedPath("conda-tests/tar_traversal");
    const fixtures = (await readdir(dir)).filter((f) => f.endsWith(".tar")).sort();
    assert.equal(fixtures.length, 8);
    for (const fixture of fixtures) {
      const name = fixture.slice(0, -4);
      const archive = await hostileConda(join(work.path, "wrapped"), name, await zstdCompress(await readFile(join(dir, fixture))));
      const err = await refuse(`traversal-${name}`, archive, "CG_PACKAGE_UNSAFE_ENTRY");
      assert.match(err.message, new RegExp(`${name}-1\\.0-0\\.conda: refusing entry`));
      assert.ok(err.entry !== undefined);
    }
    assert.ok(!existsSync("/tmp/moo"), "the fixtures aim at /tmp/moo");
  });

  test("entries built to escape: ../, absolute, symlinks out (absolute, relative, chained), hard links, write-through, devices", async () => {
    const dir = join(work.path, "built");
    const outside = join(work.path, "refuse");
    const cases: Array<[string, TarEntrySpec[]]> = [
      ["dotdot", [{ name: "../escaped.txt", data: "x" }]],
      ["deep-dotdot", [{ name: "lib/../../escaped.txt", data: "x" }]],
      ["absolute", [{ name: join(outside, "absolute", "sentinel", "escaped.txt"), data: "x" }]],
      ["symlink-absolute", [{ name: "lib/evil", type: "symlink", linkname: join(outside, "symlink-absolute", "sentinel") }]],
      ["symlink-relative", [{ name: "lib/evil", type: "symlink", linkname: "../../sentinel" }]],
      [
        "symlink-chain",
        [
          { name: "a/b/c/placeholder", data: "x" },
          { name: "up", type: "symlink", linkname: "a/b/c/../../../.." },
        ],
      ],
      [
        "symlink-later-link",
        [
          // Fine when made (d does not exist yet), outside once d -> . exists: caught by the final pass.
          { name: "e", type: "symlink", linkname: "d/d/d/.." },
          { name: "d", type: "symlink", linkname: "." },
        ],
      ],
      ["hardlink-outside", [{ name: "lib/hard", type: "link", linkname: "../../sentinel/x" }]],
      ["hardlink-missing", [{ name: "lib/hard", type: "link", linkname: "lib/not-there" }]],
      [
        "write-through-symlink",
        [
          { name: "real/.keep", data: "" },
          { name: "alias", type: "symlink", linkname: "real" },
          { name: "alias/file.txt", data: "written through a link" },
        ],
      ],
      [
        "replace-symlink-target",
        [
          { name: "sub/.keep", data: "" },
          { name: "link", type: "symlink", linkname: "sub" },
          { name: "link/inner", type: "symlink", linkname: "." },
        ],
      ],
      ["char-device", [{ name: "dev/null", type: "character-device" }]],
      ["block-device", [{ name: "dev/sda", type: "block-device" }]],
      ["fifo", [{ name: "run/pipe", type: "fifo" }]],
    ];
    for (const [label, entries] of cases) {
      const archive = await hostileConda(dir, label, [...entries, { name: "info/never.txt", data: "x" }]);
      await refuse(label, archive, "CG_PACKAGE_UNSAFE_ENTRY");
    }
    assert.ok(!existsSync(join(work.path, "escaped.txt")));
    assert.ok(!existsSync(join(work.path, "refuse", "escaped.txt")));
  });

  test("a file that replaces an earlier symlink is written as a file, never through the link", async () => {
    const target = join(work.path, "victim.txt");
    await writeFile(target, "untouched");
    const archive = await hostileConda(join(work.path, "built"), "relink", [
      { name: "data.txt", type: "symlink", linkname: "other.txt" },
      { name: "other.txt", data: "inside" },
      { name: "data.txt", data: "replaced" },
    ]);
    const dest = join(work.path, "relink-out");
    await extractPackage(archive, dest);
    assert.ok((await lstat(join(dest, "data.txt"))).isFile());
    assert.equal(await readFile(join(dest, "data.txt"), "utf8"), "replaced");
    assert.equal(await readFile(join(dest, "other.txt"), "utf8"), "inside");
    assert.equal(await readFile(target, "utf8"), "untouched");
  });

  test("zstd bombs: the total, entry, entry-count and ratio limits", async () => {
    const dir = join(work.path, "bombs");
    const zeros = Buffer.alloc(64 * 1024 * 1024);
    const bomb = await hostileConda(dir, "bomb", [{ name: "lib/zeros.bin", data: zeros }]);
    assert.ok((await stat(bomb)).size < 64 * 1024, "64 MiB of zeros compress to almost nothing");
    let err = await refuse("bomb-total", bomb, "CG_PACKAGE_TOO_LARGE", { limits: { maxTotalBytes: 1024 * 1024 } });
    assert.match(err.message, /expands to more than 1048576 bytes/);
    err = await refuse("bomb-ratio", bomb, "CG_PACKAGE_TOO_LARGE");
    assert.match(err.message, /expands more than 1000 times/);
    err = await refuse("bomb-entry", bomb, "CG_PACKAGE_TOO_LARGE", { limits: { maxEntryBytes: 1024 * 1024 } });
    assert.equal(err.entry, "lib/zeros.bin");
    const many = await hostileConda(dir, "many", Array.from({ length: 50 }, (_, i) => ({ name: `f/${i}`, data: "x" })));
    await refuse("bomb-entries", many, "CG_PACKAGE_TOO_LARGE", { limits: { maxEntries: 20 } });
  });

  // Each .tar.bz2 case runs with the system bzip2 (when installed) and with the JS decoder.
  for (const decoder of ["system", "js"] as const) {
    const noBzip2 = spawnSync("bzip2", ["--help"]).error !== undefined;
    const skipSystem = decoder === "system" && noBzip2 ? "bzip2 not installed" : false;
    const useDecoder = <T>(work: () => Promise<T>): Promise<T> => {
      const saved = process.env.CONDAGUARD_BZIP2;
      if (decoder === "js") process.env.CONDAGUARD_BZIP2 = "js";
      return work().finally(() => {
        if (saved === undefined) delete process.env.CONDAGUARD_BZIP2;
        else process.env.CONDAGUARD_BZIP2 = saved;
      });
    };

    test(`${decoder} bzip2: a bomb stops at the total limit`, { skip: noBzip2 ? "bzip2 not installed (needed to build the bomb)" : false }, async () => {
      const tarBytes = await buildTar([...infoEntries("bz2bomb"), { name: "lib/zeros.bin", data: Buffer.alloc(8 * 1024 * 1024) }]);
      const compressed = spawnSync("bzip2", ["-c"], { input: tarBytes, maxBuffer: 1 << 26 }).stdout;
      const archive = join(work.path, "bombs", `bz2bomb-${decoder}-1.0-0.tar.bz2`);
      await mkdir(join(work.path, "bombs"), { recursive: true });
      await writeFile(archive, compressed);
      await useDecoder(() => refuse(`bz2-bomb-${decoder}`, archive, "CG_PACKAGE_TOO_LARGE", { limits: { maxTotalBytes: 1024 * 1024 } }));
    });

    test(`${decoder} bzip2: corrupt archives from conda-index (16-byte .tar.bz2, tarballs without info/) and a truncated real one`, { skip: skipSystem || needsShared("conda-index", "conda-package-handling") }, async () => {
      await useDecoder(async () => {
        let err = await refuse(`bad-bz2-${decoder}`, sharedPath("conda-index/index_data/corrupt/noarch/bad_package.tar.bz2"), "CG_PACKAGE_CORRUPT");
        assert.match(err.message, /bad_package\.tar\.bz2 is corrupt/);
        for (const fn of ["a.tar.bz2", "subfolder.tar.bz2", "subfolder2.tar.bz2"]) {
          err = await refuse(`no-info-${decoder}-${fn}`, sharedPath("conda-index/archives", fn), "CG_PACKAGE_CORRUPT");
          assert.match(err.message, /has no info\/index\.json/);
        }
        const cut = join(work.path, `cut-${decoder}`, "mock-2.0.0-py37_1000.tar.bz2");
        await mkdir(join(cut, ".."), { recursive: true });
        await copyFile(sharedPath("conda-package-handling/mock-2.0.0-py37_1000.tar.bz2"), cut);
        await truncate(cut, 60_000);
        await refuse(`truncated-bz2-${decoder}`, cut, "CG_PACKAGE_CORRUPT");
        const whole = join(work.path, `whole-${decoder}`);
        await extractPackage(sharedPath("conda-package-handling/mock-2.0.0-py37_1000.tar.bz2"), whole);
        await checkAgainstPaths(whole);
      });
    });
  }

  test("a 0-byte .conda", { skip: needsShared("conda-index") }, async () => {
    const err = await refuse("empty-conda", sharedPath("conda-index/index_data/corrupt/noarch/another_bad_package.conda"), "CG_PACKAGE_CORRUPT");
    assert.match(err.message, /another_bad_package\.conda is empty/);
  });

  test("truncated .conda, truncated zstd member, garbage member, zip without members, bad zip member names", { skip: needsShared(`${MINICONDA}/pkgs/zlib-1.2.11-h7b6447c_3.conda`) }, async () => {
    const dir = join(work.path, "corrupt");
    await mkdir(dir, { recursive: true });
    const cut = join(dir, "zlib-1.2.11-h7b6447c_3.conda");
    await copyFile(sharedPath(MINICONDA, "pkgs/zlib-1.2.11-h7b6447c_3.conda"), cut);
    await truncate(cut, Math.floor((await stat(cut)).size / 2));
    await refuse("truncated-zip", cut, "CG_PACKAGE_CORRUPT");

    const full = await buildTarZst([{ name: "lib/data.bin", data: Buffer.alloc(200_000, 7) }, ...infoEntries()]);
    const half = await hostileConda(dir, "halfzst", full.subarray(0, Math.floor(full.length / 2)));
    let err = await refuse("truncated-zst", half, "CG_PACKAGE_CORRUPT");
    assert.match(err.message, /halfzst-1\.0-0\.conda is corrupt: member pkg-halfzst-1\.0-0\.tar\.zst/);

    const garbage = await hostileConda(dir, "garbage", Buffer.from("this is not zstd at all"));
    await refuse("garbage-member", garbage, "CG_PACKAGE_CORRUPT");

    const notTar = await hostileConda(dir, "nottar", await zstdCompress(Buffer.from("plain text, not a tar archive\n".repeat(40))));
    await refuse("zst-not-tar", notTar, "CG_PACKAGE_CORRUPT");

    const bare = join(dir, "bare-1.0-0.conda");
    await writeCondaArchive({ outPath: bare, infoTarZst: Buffer.alloc(0) });
    // An info member that is empty is no tar at all; a zip with only metadata.json has no members we know.
    await refuse("empty-info", bare, "CG_PACKAGE_CORRUPT");

    const { default: yazl } = await import("yazl");
    const onlyMeta = join(dir, "meta-1.0-0.conda");
    const zip = new yazl.ZipFile();
    zip.addBuffer(Buffer.from('{"conda_pkg_format_version": 2}'), "metadata.json", { compress: false });
    zip.end();
    const chunks: Buffer[] = [];
    for await (const c of zip.outputStream) chunks.push(c as Buffer);
    await writeFile(onlyMeta, Buffer.concat(chunks));
    err = await refuse("only-metadata", onlyMeta, "CG_PACKAGE_CORRUPT");
    assert.match(err.message, /has no info-\*\.tar\.zst member/);

    // yazl refuses bad names, so write a good one and turn "xx/" into "../" in both zip headers.
    const badName = join(dir, "badname-1.0-0.conda");
    const zip2 = new yazl.ZipFile();
    zip2.addBuffer(await buildTarZst(infoEntries()), "xx/info-badname-1.0-0.tar.zst", { compress: false });
    zip2.end();
    const parts: Buffer[] = [];
    for await (const c of zip2.outputStream) parts.push(c as Buffer);
    const bytes = Buffer.concat(parts);
    for (let i = bytes.indexOf("xx/info-"); i >= 0; i = bytes.indexOf("xx/info-", i + 1)) bytes.write("..", i);
    await writeFile(badName, bytes);
    err = await refuse("zip-bad-name", badName, "CG_PACKAGE_UNSAFE_ENTRY");
    assert.match(err.message, /badname-1\.0-0\.conda/);
  });

  test("tar entry types we cannot extract faithfully (GNU sparse) are refused, not written as plain files", async () => {
    const tarBytes = await buildTar([{ name: "lib/holes.bin", data: "sparse map, not content" }]);
    // Turn the first header's type flag into "S" (GNU sparse) and fix its checksum.
    tarBytes[156] = "S".charCodeAt(0);
    tarBytes.fill(0x20, 148, 156);
    let sum = 0;
    for (let i = 0; i < 512; i++) sum += tarBytes[i];
    tarBytes.write(`${sum.toString(8).padStart(6, "0")}\0 `, 148, "latin1");
    const archive = await hostileConda(join(work.path, "built"), "gnusparse", await zstdCompress(tarBytes));
    const err = await refuse("gnu-sparse", archive, "CG_PACKAGE_CORRUPT");
    assert.match(err.message, /"lib\/holes\.bin" of a tar type that cannot be extracted/);
  });

  test("an aborted extraction leaves nothing", async () => {
    const archive = await hostileConda(join(work.path, "abort"), "abort", [{ name: "a", data: "x" }]);
    const controller = new AbortController();
    controller.abort();
    await refuse("aborted", archive, "CG_PACKAGE_ABORTED", { signal: controller.signal });
  });
});
