// Small pure pieces: placeholder replacement, history lines, planning, record parsing.
import assert from "node:assert/strict";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { after, test } from "node:test";
import { join } from "node:path";
import { condaJson, InstallError, planTransaction, readPrefix, replaceBinary, replaceText, type PrefixRecord } from "../../src/install/index.js";
import { historyBlock, historyChannel } from "../../src/install/history.js";
import { entryPointScript, noarchPythonPath, pythonLayout } from "../../src/install/noarch_python.js";
import { tempDir } from "./_packages.js";

const work = tempDir("units");
after(() => rmSync(work, { recursive: true, force: true }));

test("text placeholders: every occurrence; an over-long shebang becomes /usr/bin/env", () => {
  assert.equal(replaceText(Buffer.from("a=/ph b=/ph/x"), "/ph", "/opt/env").toString(), "a=/opt/env b=/opt/env/x");
  const long = `/${"d".repeat(130)}`;
  const script = replaceText(Buffer.from("#!/ph/bin/python3 -E\nprint(1)\n"), "/ph", long).toString();
  assert.equal(script, "#!/usr/bin/env python3 -E\nprint(1)\n");
  const short = replaceText(Buffer.from("#!/ph/bin/python3\n"), "/ph", "/opt/env").toString();
  assert.equal(short, "#!/opt/env/bin/python3\n");
  const untouched = Buffer.from("nothing here");
  assert.equal(replaceText(untouched, "/ph", "/x"), untouched);
});

test("binary placeholders: per C string, NUL padded, same length; no NUL means no change", () => {
  const ph = "/placeholder_placeholder";
  const data = Buffer.from(`\x01${ph}/lib:${ph}/x\0${ph}\0end`);
  const out = replaceBinary(data, ph, "/opt/e", { path: "f" });
  assert.equal(out.length, data.length);
  assert.equal(out.toString("latin1").split("\0").filter(Boolean).join("|"), "\x01/opt/e/lib:/opt/e/x|/opt/e|end");
  const unterminated = Buffer.from(`${ph}/tail`);
  assert.equal(replaceBinary(unterminated, ph, "/opt/e", { path: "f" }).toString(), `${ph}/tail`);
  assert.throws(() => replaceBinary(data, "/p", "/longer", { path: "lib/x.so", packageName: "x-1-0" }), (err: unknown) => {
    assert.ok(err instanceof InstallError);
    assert.equal(err.code, "CG_INSTALL_PLACEHOLDER_TOO_LONG");
    assert.match(err.message, /lib\/x\.so of package x-1-0/);
    return true;
  });
});

test("history: conda's header, -/+ dist lines with channel names, python-style spec list", () => {
  assert.equal(historyChannel("https://repo.anaconda.com/pkgs/main/linux-64"), "defaults");
  assert.equal(historyChannel("https://conda.anaconda.org/conda-forge/noarch"), "conda-forge");
  assert.equal(historyChannel("https://mirror.example/ch"), "https://mirror.example/ch");
  const block = historyBlock({
    date: new Date(2020, 11, 11, 16, 40, 57),
    command: "condaguard install -p /env",
    version: "0.1.0",
    unlinked: [{ name: "a", version: "1", build: "0", channel: "https://conda.anaconda.org/conda-forge/linux-64" }],
    linked: [{ name: "a", version: "2", build: "0", channel: "https://conda.anaconda.org/conda-forge/linux-64" }],
    updateSpecs: ["a>=2", "it's"],
  });
  assert.equal(
    block,
    "==> 2020-12-11 16:40:57 <==\n# cmd: condaguard install -p /env\n# condaguard version: 0.1.0\n-conda-forge::a-1-0\n+conda-forge::a-2-0\n# update specs: ['a>=2', \"it's\"]\n",
  );
});

test("planTransaction: same name+version+build+channel+sha256 stays; the channel's subdir does not matter", () => {
  const rec = (version: string, extra: Partial<PrefixRecord> = {}): PrefixRecord => ({
    name: "x",
    version,
    build: "0",
    channel: "https://c.example/ch/linux-64",
    sha256: "1".repeat(64),
    files: [],
    paths_data: { paths: [], paths_version: 1 },
    ...extra,
  });
  const installed = [rec("1"), { ...rec("1"), name: "gone" }];
  const same = { record: { ...rec("1"), channel: "https://c.example/ch" }, extractedDir: "/c/x" };
  let plan = planTransaction(installed, [same]);
  assert.deepEqual([plan.unchanged.map((r) => r.name), plan.unlink.map((r) => r.name), plan.link.length], [["x"], ["gone"], 0]);
  plan = planTransaction(installed, [{ record: { ...rec("1"), sha256: "2".repeat(64) }, extractedDir: "/c/x" }]);
  assert.deepEqual([plan.unchanged.length, plan.unlink.length, plan.link.length], [0, 2, 1]);
  plan = planTransaction(installed, [{ record: { ...rec("1"), channel: "https://other.example/ch" }, extractedDir: "/c/x" }]);
  assert.equal(plan.link.length, 1);
});

test("readPrefix names a corrupt conda-meta file", async () => {
  const prefix = join(work, "corrupt");
  mkdirSync(join(prefix, "conda-meta"), { recursive: true });
  writeFileSync(join(prefix, "conda-meta", "ok-1-0.json"), condaJson({ name: "ok", version: "1", build: "0", files: [] }));
  writeFileSync(join(prefix, "conda-meta", "bad-1-0.json"), '{"name": "bad", "version": ');
  await assert.rejects(readPrefix(prefix), (err: unknown) => {
    assert.ok(err instanceof InstallError);
    assert.equal(err.code, "CG_INSTALL_CORRUPT_PREFIX");
    assert.equal(err.file, join(prefix, "conda-meta", "bad-1-0.json"));
    assert.match(err.message, /bad-1-0\.json/);
    return true;
  });
  writeFileSync(join(prefix, "conda-meta", "bad-1-0.json"), '{"name": "bad", "version": "1", "build": "0", "files": [1]}');
  await assert.rejects(readPrefix(prefix), /"files" is not a list of paths/);
});

test("noarch python layout: unix and Windows paths; entry point script shape", () => {
  const unix = pythonLayout({ version: "3.11", windows: false, targetPrefix: "/env" });
  assert.equal(noarchPythonPath("site-packages/pkg/__init__.py", unix), "lib/python3.11/site-packages/pkg/__init__.py");
  assert.equal(noarchPythonPath("python-scripts/tool", unix), "bin/tool");
  assert.equal(noarchPythonPath("share/doc", unix), "share/doc");
  const win = pythonLayout({ version: "3.11", windows: true, targetPrefix: "C:/env" });
  assert.equal(noarchPythonPath("site-packages/pkg/x.py", win), "Lib/site-packages/pkg/x.py");
  assert.equal(noarchPythonPath("python-scripts/tool", win), "Scripts/tool");
  const script = entryPointScript({ command: "tool", module: "pkg.cli", func: "main" }, unix, "/env");
  assert.ok(script.startsWith("#!/env/bin/python\n"));
  assert.match(script, /from pkg\.cli import main\n/);
  assert.match(script, /sys\.exit\(main\(\)\)/);
  const deep = pythonLayout({ version: "3.11", windows: false, targetPrefix: `/${"x".repeat(140)}` });
  assert.ok(entryPointScript({ command: "t", module: "m", func: "f" }, deep, deep.shebangInterpreter).startsWith("#!/bin/sh\n'''exec' "));
});
