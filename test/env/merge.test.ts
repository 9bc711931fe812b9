import assert from "node:assert/strict";
import { test } from "node:test";
import { mergeEnvironmentSpecs, parseEnvironmentYaml } from "../../src/env/index.js";

test("later files win per package name, in the earlier entry's place", () => {
  const base = parseEnvironmentYaml("name: base\nchannels: [conda-forge]\ndependencies:\n  - python=3.10\n  - numpy\n  - pip:\n    - Requests==2.30\n    - -e .\nvariables: {A: '1', B: '2'}\n", "base.yml");
  const overlay = parseEnvironmentYaml("channels: [pytorch, conda-forge]\ndependencies:\n  - conda-forge::python=3.11\n  - pytorch\n  - pip:\n    - requests==2.31\n    - -e .\nvariables: {B: '3'}\n", "gpu.yml");
  const merged = mergeEnvironmentSpecs([base, overlay]);
  assert.equal(merged.name, "base");
  assert.deepEqual(merged.channels, ["pytorch", "conda-forge"]);
  assert.deepEqual(merged.dependencies, ["conda-forge::python=3.11", "numpy", "pytorch"]);
  assert.deepEqual(merged.pip, ["requests==2.31", "-e ."]);
  assert.deepEqual(merged.variables, { A: "1", B: "3" });
  assert.deepEqual(merged.specLocations?.map((l) => `${l.file}:${l.line}`), ["gpu.yml:3", "base.yml:5", "gpu.yml:4"]);
  assert.deepEqual(merged.channelLocations?.map((l) => l.file), ["gpu.yml", "base.yml"]);
  assert.equal(merged.file, undefined);
});

test("entries for different platforms are not merged into one", () => {
  const a = parseEnvironmentYaml("dependencies:\n  - clang=15  # [osx]\n  - gcc=12  # [linux]\n");
  const b = parseEnvironmentYaml("dependencies:\n  - clang=16  # [osx]\n  - clang=16  # [linux]\n");
  assert.deepEqual(mergeEnvironmentSpecs([a, b]).dependencies, ["clang=16", "gcc=12", "clang=16"]);
});

test("platforms are united; channel order disagreements keep the first and warn", () => {
  const a = parseEnvironmentYaml("channels: [conda-forge, bioconda]\nplatforms: [linux-64]\ndependencies: [a]\n", "a.yml");
  const b = parseEnvironmentYaml("channels: [bioconda, conda-forge]\nplatforms: [osx-arm64, linux-64]\ndependencies: [b]\n", "b.yml");
  const merged = mergeEnvironmentSpecs([a, b]);
  assert.deepEqual(merged.platforms, ["linux-64", "osx-arm64"]);
  assert.deepEqual(merged.channels, ["conda-forge", "bioconda"]);
  assert.deepEqual(merged.warnings?.map((w) => w.code), ["CG_ENV_CHANNEL_ORDER"]);
  assert.equal(mergeEnvironmentSpecs([parseEnvironmentYaml("dependencies: [a]\n")]).platforms, undefined);
});
