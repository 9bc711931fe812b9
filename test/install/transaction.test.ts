import assert from "node:assert/strict";
import { existsSync, lstatSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync } from "node:fs";
import { after, test } from "node:test";
import { join } from "node:path";
import {
  executeTransaction,
  InstallError,
  planTransaction,
  readPrefix,
  recoverPrefix,
  verifyPrefix,
  type LinkRequest,
} from "../../src/install/index.js";
import { lockPrefix } from "../../src/install/prefix_lock.js";
import { needsShared, sharedPath } from "../helpers/shared_data.js";
import { fakePackage, realRequest, tempDir } from "./_packages.js";

const work = tempDir("txn");
after(() => rmSync(work, { recursive: true, force: true }));

/** Installs `desired` as the whole environment of `prefix`. */
async function install(prefix: string, desired: LinkRequest[], options: Parameters<typeof executeTransaction>[2] = {}) {
  return executeTransaction(prefix, planTransaction(await readPrefix(prefix), desired), options);
}

function leftovers(prefix: string): string[] {
  const beside = readdirSync(join(prefix, "..")).filter((n) => n.includes("condaguard-staging"));
  const inside = existsSync(prefix) ? readdirSync(prefix).filter((n) => n.startsWith(".condaguard-txn")) : [];
  const journal = existsSync(join(prefix, "conda-meta", ".condaguard-transaction.json")) ? ["journal"] : [];
  return [...beside, ...inside, ...journal];
}

test("new prefix: files, modes, softlinks and text placeholders; conda-meta and history", async () => {
  const cache = join(work, "c1");
  const pkg = fakePackage(cache, { name: "tool", version: "2.0", build: "h0_1" }, [
    { path: "bin/tool", content: "#!/bin/sh\necho tool\n", mode: 0o755 },
    { path: "etc/tool.conf", content: "root=/opt/placeholder_path/x\nagain=/opt/placeholder_path\n", prefixPlaceholder: "/opt/placeholder_path" },
    { path: "lib/libtool.so.1", content: "ELF" },
    { path: "lib/libtool.so", linkTarget: "libtool.so.1" },
  ]);
  const prefix = join(work, "p1");
  const result = await install(prefix, [pkg], { command: "condaguard create -p p1", updateSpecs: ["tool=2.0"] });
  assert.equal(result.created, true);
  assert.deepEqual(result.linked, ["tool-2.0-h0_1"]);
  assert.equal(statSync(join(prefix, "bin/tool")).mode & 0o777, 0o755);
  assert.equal(readFileSync(join(prefix, "etc/tool.conf"), "utf8"), `root=${prefix}/x\nagain=${prefix}\n`);
  assert.equal(readlinkSync(join(prefix, "lib/libtool.so")), "libtool.so.1");
  // Unchanged files are hard links to the package cache.
  assert.equal(statSync(join(prefix, "lib/libtool.so.1")).ino, statSync(join(pkg.extractedDir, "lib/libtool.so.1")).ino);
  const [record] = await readPrefix(prefix);
  assert.deepEqual(record.files, ["bin/tool", "etc/tool.conf", "lib/libtool.so.1", "lib/libtool.so"]);
  assert.equal(record.link?.type, 1);
  assert.equal(record.requested_spec, "tool==2.0=h0_1");
  const conf = record.paths_data.paths[1];
  assert.equal(conf.prefix_placeholder, "/opt/placeholder_path");
  assert.equal(conf.file_mode, "text");
  assert.match(conf.sha256_in_prefix ?? "", /^[0-9a-f]{64}$/);
  assert.equal(record.paths_data.paths[0].sha256_in_prefix, undefined);
  const history = readFileSync(join(prefix, "conda-meta/history"), "utf8");
  assert.match(history, /^==> \d{4}-\d\d-\d\d \d\d:\d\d:\d\d <==\n# cmd: condaguard create -p p1\n# condaguard version: \d+\.\d+\.\d+\n\+https:\/\/conda\.example\/test::tool-2\.0-h0_1\n# update specs: \['tool=2\.0'\]\n$/);
  assert.deepEqual(leftovers(prefix), []);
  assert.equal((await verifyPrefix(prefix)).summary.total, 0);
});

test("existing prefix: upgrade and removal through the journal; history appends -/+ lines", async () => {
  const cache = join(work, "c2");
  const a1 = fakePackage(cache, { name: "a", version: "1" }, [{ path: "share/a/one.txt" }, { path: "share/a/old-only.txt" }]);
  const b = fakePackage(cache, { name: "b" }, [{ path: "share/b/b.txt" }]);
  const prefix = join(work, "p2");
  await install(prefix, [a1, b]);
  const a2 = fakePackage(cache, { name: "a", version: "2" }, [{ path: "share/a/one.txt", content: "v2\n" }, { path: "share/a/new.txt" }]);
  const c = fakePackage(cache, { name: "c" }, [{ path: "bin/c", mode: 0o755 }]);
  const result = await install(prefix, [a2, c]);
  assert.equal(result.created, false);
  assert.deepEqual(result.unlinked.sort(), ["a-1-0", "b-1.0-0"]);
  assert.deepEqual(result.linked.sort(), ["a-2-0", "c-1.0-0"]);
  assert.equal(readFileSync(join(prefix, "share/a/one.txt"), "utf8"), "v2\n");
  assert.equal(existsSync(join(prefix, "share/a/old-only.txt")), false);
  // b's folder is gone with its only file.
  assert.equal(existsSync(join(prefix, "share/b")), false);
  assert.deepEqual((await readPrefix(prefix)).map((r) => `${r.name}-${r.version}`), ["a-2", "c-1.0"]);
  const history = readFileSync(join(prefix, "conda-meta/history"), "utf8");
  assert.equal(history.match(/^==> /gm)?.length, 2);
  assert.match(history, /-https:\/\/conda\.example\/test::a-1-0\n-https:\/\/conda\.example\/test::b-1\.0-0\n\+https:\/\/conda\.example\/test::a-2-0\n\+https:\/\/conda\.example\/test::c-1\.0-0\n$/);
  assert.deepEqual(leftovers(prefix), []);
  assert.equal((await verifyPrefix(prefix)).summary.total, 0);
  // Nothing to do: a plan with every package unchanged.
  const plan = planTransaction(await readPrefix(prefix), [a2, c]);
  assert.equal(plan.link.length + plan.unlink.length, 0);
  assert.equal(plan.unchanged.length, 2);
});

test("binary placeholders are padded with NULs; a longer prefix is refused with CG_INSTALL_PLACEHOLDER_TOO_LONG", async () => {
  const cache = join(work, "c3");
  const placeholder = `/build/${"_placehold".repeat(8)}`;
  const binary = Buffer.concat([Buffer.from("\x7fELF\0"), Buffer.from(`${placeholder}/lib:${placeholder}/x\0tail\0`)]);
  const pkg = fakePackage(cache, { name: "bin" }, [{ path: "lib/libx.so", content: binary, prefixPlaceholder: placeholder, fileMode: "binary", mode: 0o755 }]);
  const prefix = join(work, "p3");
  await install(prefix, [pkg]);
  const out = readFileSync(join(prefix, "lib/libx.so"));
  assert.equal(out.length, binary.length);
  const text = `${prefix}/lib:${prefix}/x`;
  assert.equal(out.subarray(5, 5 + text.length).toString(), text);
  assert.ok(out.subarray(5 + text.length, binary.indexOf("tail")).every((b) => b === 0));
  assert.equal(out.subarray(binary.indexOf("tail")).toString(), "tail\0");

  const short = fakePackage(cache, { name: "short" }, [{ path: "lib/liby.so", content: Buffer.from("/short\0"), prefixPlaceholder: "/short", fileMode: "binary" }]);
  const target = join(work, "p3b");
  await assert.rejects(install(target, [short]), (err: unknown) => {
    assert.ok(err instanceof InstallError);
    assert.equal(err.code, "CG_INSTALL_PLACEHOLDER_TOO_LONG");
    assert.equal(err.packageName, "short-1.0-0");
    assert.equal(err.path, "lib/liby.so");
    return true;
  });
  assert.equal(existsSync(target), false);
  assert.deepEqual(leftovers(target), []);
});

test("unsafe packages are refused: a 'hardlink' that is a symlink out, a softlink out of the prefix", async () => {
  const cache = join(work, "c4");
  const sneaky = fakePackage(cache, { name: "sneaky" }, [{ path: "etc/passwd-copy", content: "x" }]);
  rmSync(join(sneaky.extractedDir, "etc/passwd-copy"));
  symlinkSync("/etc/passwd", join(sneaky.extractedDir, "etc/passwd-copy"));
  const prefix = join(work, "p4");
  await assert.rejects(install(prefix, [sneaky]), (err: unknown) => err instanceof InstallError && err.code === "CG_INSTALL_UNSAFE_PATH" && err.packageName === "sneaky-1.0-0");
  const outward = fakePackage(cache, { name: "outward" }, [{ path: "lib/evil", linkTarget: "../../../../etc/shadow" }]);
  await assert.rejects(install(prefix, [outward]), (err: unknown) => err instanceof InstallError && err.code === "CG_INSTALL_UNSAFE_PATH");
  const absolute = fakePackage(cache, { name: "absolute" }, [{ path: "lib/evil", linkTarget: "/etc/shadow" }]);
  await assert.rejects(install(prefix, [absolute]), (err: unknown) => err instanceof InstallError && err.code === "CG_INSTALL_UNSAFE_PATH");
  assert.equal(existsSync(prefix), false);
  assert.deepEqual(leftovers(prefix), []);
});

test("a locked prefix is refused with CG_INSTALL_PREFIX_LOCKED and left alone", async () => {
  const cache = join(work, "c5");
  const prefix = join(work, "p5");
  await install(prefix, [fakePackage(cache, { name: "a" }, [{ path: "a.txt" }])]);
  const release = await lockPrefix(prefix);
  try {
    await assert.rejects(
      install(prefix, [fakePackage(cache, { name: "b" }, [{ path: "b.txt" }])]),
      (err: unknown) => err instanceof InstallError && err.code === "CG_INSTALL_PREFIX_LOCKED",
    );
  } finally {
    await release();
  }
  assert.equal(existsSync(join(prefix, "b.txt")), false);
  assert.equal(await recoverPrefix(prefix), undefined);
});

const clobberSkip = needsShared("rattler/clobber");

test("clobber (rattler packages): last linked wins with a warning; removing it restores the previous owner's file", { skip: clobberSkip }, async () => {
  const cache = join(work, "c6");
  const dir = sharedPath("rattler/clobber");
  const req = (fn: string) => realRequest(join(dir, fn), cache);
  const [c1, c2, c3] = await Promise.all(["clobber-1-0.1.0-h4616a5c_0.tar.bz2", "clobber-2-0.1.0-h4616a5c_0.tar.bz2", "clobber-3-0.1.0-h4616a5c_0.tar.bz2"].map(req));
  const prefix = join(work, "p6");
  const result = await install(prefix, [c1, c2, c3]);
  assert.deepEqual(result.clobbered.map((c) => c.path).sort(), ["another-clobber.txt", "clobber.txt"]);
  assert.equal(result.clobbered[0].winner, "clobber-3-0.1.0-h4616a5c_0");
  assert.deepEqual(result.clobbered[0].losers, ["clobber-1-0.1.0-h4616a5c_0", "clobber-2-0.1.0-h4616a5c_0"]);
  assert.ok(result.warnings.some((w) => w.includes("clobber.txt")));
  assert.equal(readFileSync(join(prefix, "clobber.txt"), "utf8"), "clobber-3\n");
  assert.equal(readFileSync(join(prefix, "clobber.txt__clobber-from-clobber-1"), "utf8"), "clobber-1\n");
  assert.equal((await verifyPrefix(prefix)).summary.total, 0);

  await install(prefix, [c1, c2]);
  assert.equal(readFileSync(join(prefix, "clobber.txt"), "utf8"), "clobber-2\n");
  assert.equal(existsSync(join(prefix, "clobber.txt__clobber-from-clobber-2")), false);
  assert.equal((await verifyPrefix(prefix)).summary.total, 0);

  await install(prefix, [c1]);
  assert.equal(readFileSync(join(prefix, "clobber.txt"), "utf8"), "clobber-1\n");
  assert.equal(readFileSync(join(prefix, "another-clobber.txt"), "utf8"), "clobber-1\n");
  assert.deepEqual(readdirSync(prefix).sort(), ["another-clobber.txt", "clobber.txt", "conda-meta"]);
  assert.equal((await verifyPrefix(prefix)).summary.total, 0);
});

test("clobber (rattler packages): symlink clash and a folder that becomes a file on upgrade", { skip: clobberSkip }, async () => {
  const cache = join(work, "c7");
  const dir = sharedPath("rattler/clobber");
  const req = (fn: string) => realRequest(join(dir, fn), cache);
  const prefix = join(work, "p7");
  await install(prefix, [await req("clobber-with-symlink-a-0.1.0-h4616a5c_0.conda"), await req("clobber-with-symlink-b-0.1.0-h4616a5c_0.conda")]);
  assert.equal(readlinkSync(join(prefix, "lib/clobber.so")), "clobber-1.txt");
  assert.ok(lstatSync(join(prefix, "lib/clobber.so__clobber-from-clobber-with-symlink-a")).isSymbolicLink());
  assert.equal((await verifyPrefix(prefix)).summary.total, 0);

  const up = join(work, "p7b");
  await install(up, [await req("clobber-directory-upgrade-0.1.0-h4616a5c_0.conda")]);
  assert.ok(lstatSync(join(up, "xbin")).isDirectory());
  await install(up, [await req("clobber-directory-upgrade-0.2.0-h4616a5c_0.conda")]);
  assert.ok(lstatSync(join(up, "xbin")).isFile());
  assert.equal(readFileSync(join(up, "bin/content.txt"), "utf8"), "initial\n");
  assert.equal((await verifyPrefix(up)).summary.total, 0);
  assert.deepEqual(leftovers(up), []);
});

const scriptsSkip = needsShared("rattler/link-scripts");

test("link scripts (rattler package): skipped with a warning by default, run when allowed", { skip: scriptsSkip }, async () => {
  const cache = join(work, "c8");
  const pkg = await realRequest(sharedPath("rattler/link-scripts/link-scripts-0.1.0-h4616a5c_0.conda"), cache);
  const off = join(work, "p8");
  const r1 = await install(off, [pkg]);
  assert.ok(r1.warnings.some((w) => w.includes("post-link script bin/.link-scripts-post-link.sh")), r1.warnings.join("\n"));
  assert.equal(existsSync(join(off, "i-was-post-linked")), false);

  const on = join(work, "p8b");
  const r2 = await install(on, [pkg], { allowLinkScripts: true });
  assert.equal(r2.warnings.length, 0);
  assert.equal(existsSync(join(on, "i-was-post-linked")), true);
  await install(on, [], { allowLinkScripts: true });
  assert.equal(existsSync(join(on, "i-was-post-linked")), false, "pre-unlink removed it");

  const skipped = await install(off, []);
  assert.ok(skipped.warnings.some((w) => w.includes("pre-unlink")));
});
