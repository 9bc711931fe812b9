// A real native package: conda's test zlib for linux-64, loaded through ctypes.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { rmSync } from "node:fs";
import { after, test } from "node:test";
import { join } from "node:path";
import { executeTransaction, planTransaction, verifyPrefix } from "../../src/install/index.js";
import { needsShared, sharedPath } from "../helpers/shared_data.js";
import { realRequest, tempDir } from "./_packages.js";

const DIR = "conda-tests/conda_format_repo/linux-64";
const MINICONDA = "pkgs-cache/qgb-miniconda3-py39-linux-64/pkgs";
const linux = process.platform === "linux" && process.arch === "x64" ? false : "needs linux-64 to load a linux-64 library";
const skip = linux || needsShared(DIR);
const work = tempDir("zlib");
after(() => rmSync(work, { recursive: true, force: true }));

// conda's test copy of zlib lost its symlinks when it was re-archived: lib/libz.so and
// lib/libz.so.1 are empty files in the .tar.bz2 (the .conda has links without targets,
// which extraction refuses), while paths.json still calls them softlinks with the
// target's sha256. The install relinks them and says so; the Miniconda cache has the
// same build intact.
for (const [dir, fn, repaired] of [
  [DIR, "zlib-1.2.11-h7b6447c_3.tar.bz2", true],
  [MINICONDA, "zlib-1.2.11-h7b6447c_3.conda", false],
] as const) {
  test(`${dir.split("/")[0]} ${fn}: lib/libz.so loads and answers zlibVersion()`, { skip: skip || needsShared(dir) }, async () => {
    const req = await realRequest(sharedPath(dir, fn), join(work, `pkgs-${dir.length}-${fn}`));
    const prefix = join(work, `env-${dir.length}-${fn}`);
    const result = await executeTransaction(prefix, planTransaction([], [req]));
    assert.equal(result.warnings.some((w) => w.includes("lib/libz.so is not a link in the archive")), repaired, result.warnings.join("\n"));
    const lib = join(prefix, "lib/libz.so");
    const script = `import ctypes, sys; z = ctypes.CDLL(sys.argv[1]); z.zlibVersion.restype = ctypes.c_char_p; print(z.zlibVersion().decode())`;
    const run = spawnSync("python3", ["-c", script, lib], { encoding: "utf8" });
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.stdout.trim(), "1.2.11");
    assert.equal((await verifyPrefix(prefix)).summary.total, 0);
  });
}
