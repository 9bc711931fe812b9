import assert from "node:assert/strict";
import { test } from "node:test";
import { parseEnvironmentYaml, selectorMatches, specForPlatform } from "../../src/env/index.js";

test("selector words follow conda-lock's table", () => {
  const table: Record<string, string[]> = {
    "linux-64": ["linux", "linux64", "unix", "linux-64"],
    "linux-aarch64": ["linux", "aarch64", "unix"],
    "linux-ppc64le": ["linux", "ppc64le", "unix"],
    "osx-64": ["osx", "osx64", "unix"],
    "osx-arm64": ["osx", "arm64", "unix"],
    "win-64": ["win", "win64"],
  };
  for (const [platform, words] of Object.entries(table)) {
    for (const word of words) assert.ok(selectorMatches(word, platform), `${word} on ${platform}`);
  }
  assert.ok(!selectorMatches("win", "linux-64"));
  assert.ok(!selectorMatches("unix", "win-64"));
  assert.ok(!selectorMatches("osx64", "osx-arm64"));
  assert.ok(selectorMatches("not win", "linux-64"));
  assert.ok(!selectorMatches("not linux", "linux-64"));
  assert.ok(selectorMatches(undefined, "linux-64"));
});

test("specForPlatform drops entries and their locations together", () => {
  const spec = parseEnvironmentYaml(
    "dependencies:\n  - python\n  - pywin32  # [win]\n  - uvloop  # [unix]\n  - pip:\n    - gunicorn  # [not win]\n",
  );
  const windows = specForPlatform(spec, "win-64");
  assert.deepEqual(windows.dependencies, ["python", "pywin32"]);
  assert.deepEqual(windows.specLocations?.map((l) => l.line), [2, 3]);
  assert.deepEqual(windows.pip, []);
  const linux = specForPlatform(spec, "linux-64");
  assert.deepEqual(linux.dependencies, ["python", "uvloop"]);
  assert.deepEqual(linux.pip, ["gunicorn"]);
});

test("a `#` inside a quoted spec is not a selector", () => {
  const spec = parseEnvironmentYaml('dependencies:\n  - "numpy"  # pinned by ops\n');
  assert.equal(spec.specLocations?.[0]?.selector, undefined);
});
