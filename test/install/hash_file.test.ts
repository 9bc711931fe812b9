import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { hashOne } from "../../src/install/hash_file.js";

test("hashOne hashes regular files and reports links, FIFOs, size changes and missing files without following or blocking", () => {
  const dir = mkdtempSync(join(tmpdir(), "cg-hash-one-"));
  try {
    const file = join(dir, "a.txt");
    writeFileSync(file, "hello\n");
    const digest = createHash("sha256").update("hello\n").digest("hex");
    assert.deepEqual(hashOne({ path: file, regularOnly: true, expectSize: 6 }), { sha256: digest, size: 6 });
    assert.deepEqual(hashOne({ path: file, expectSize: 5 }), { size: 6 });
    symlinkSync("a.txt", join(dir, "link"));
    assert.deepEqual(hashOne({ path: join(dir, "link"), regularOnly: true }), { notRegular: true });
    assert.equal(hashOne({ path: join(dir, "link") }).sha256, digest, "without regularOnly a link is followed");
    assert.deepEqual(hashOne({ path: dir, regularOnly: true }), { notRegular: true });
    assert.deepEqual(hashOne({ path: join(dir, "missing"), regularOnly: true }), { error: "ENOENT" });
    if (spawnSync("mkfifo", [join(dir, "fifo")]).status === 0) {
      assert.deepEqual(hashOne({ path: join(dir, "fifo"), regularOnly: true }), { notRegular: true });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
