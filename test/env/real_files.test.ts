// Every environment file in ../shared/data, with what conda (or the tool the
// file was written for) would do with it asserted per file.
import assert from "node:assert/strict";
import { readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { test } from "node:test";
import {
  EnvFileError,
  defaultCondaConfig,
  mergeEnvironmentSpecs,
  readEnvironmentFile,
  resolveChannels,
  specForPlatform,
} from "../../src/env/index.js";
import { needsShared, sharedPath, SHARED_DATA } from "../helpers/shared_data.js";

function environmentFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir).sort()) {
    const full = join(dir, entry);
    if (statSync(full).isDirectory()) out.push(...environmentFiles(full));
    // Lockfiles and conda-lock's virtual-package files share the extension but are other formats.
    else if (/\.ya?ml$/.test(entry) && !/^conda-lock/.test(entry) && !/^virtual-packages/.test(entry)) out.push(full);
  }
  return out;
}

const config = defaultCondaConfig({ home: "/home/user", platform: "linux" });

test("every LLM-project environment file parses except h2ogpt's", { skip: needsShared("environments") }, async () => {
  const files = environmentFiles(sharedPath("environments"));
  assert.equal(files.length, 11);
  const failed: string[] = [];
  for (const file of files) {
    try {
      const spec = await readEnvironmentFile(file, { env: {} });
      assert.ok(spec.dependencies.length > 0, file);
      resolveChannels(spec.channels, config, { file });
    } catch (error) {
      if (!(error instanceof EnvFileError)) throw error;
      failed.push(relative(SHARED_DATA, file));
    }
  }
  console.log(`# environments: ${files.length - failed.length} parsed, ${failed.length} rejected (${failed.join(", ")})`);
  assert.deepEqual(failed, ["environments/h2oai-h2ogpt-environment.yml"]);
});

test("h2ogpt: pip syntax in the conda list is rejected at line 13, the first PEP 508 marker", { skip: needsShared("environments") }, async () => {
  const file = sharedPath("environments", "h2oai-h2ogpt-environment.yml");
  await assert.rejects(readEnvironmentFile(file), (error: unknown) => {
    assert.ok(error instanceof EnvFileError);
    assert.equal(error.code, "CG_ENV_SPEC");
    assert.equal(error.file, file);
    assert.equal(error.line, 13);
    assert.equal(error.column, 17);
    assert.equal(error.input, 'torch==2.0.1; sys_platform != "darwin" and platform_machine != "arm64"');
    // The wheel URL (26) and two more markers (43, 44) are counted, not hidden.
    assert.match(error.message, /3 more dependencies have problems \(lines 26, 43, 44\)\.$/);
    assert.match(error.hint ?? "", /under `- pip:`/);
    return true;
  });
});

test("VoiceCraft's full `conda env export` keeps all 257 pins and its pip section", { skip: needsShared("environments") }, async () => {
  const spec = await readEnvironmentFile(sharedPath("environments", "jasonppy-VoiceCraft-environment.yml"));
  assert.equal(spec.dependencies.length, 257);
  assert.equal(spec.dependencies.indexOf("x264=1!164.3095=h166bdaf_2"), 236);
  assert.deepEqual(spec.specLocations?.[236], { file: spec.file, line: 242, column: 5 });
  assert.ok(spec.pip.some((line) => line.startsWith("torch==2.0.1")));
  assert.equal(spec.prefix, "/home/pyp/miniconda3/envs/voicecraft");
});

test("the GPU overlay merges onto the base file with pytorch and nvidia ahead of conda-forge", { skip: needsShared("environments") }, async () => {
  const base = await readEnvironmentFile(sharedPath("environments", "dpmcgonigle-fingerprinting-llms-environment.base.yml"));
  const gpu = await readEnvironmentFile(sharedPath("environments", "dpmcgonigle-fingerprinting-llms-environment.gpu.cuda121.yml"));
  const merged = mergeEnvironmentSpecs([base, gpu]);
  assert.equal(merged.name, "llm-fp");
  assert.deepEqual(merged.channels, ["pytorch", "nvidia", "conda-forge"]);
  assert.equal(merged.dependencies.filter((d) => d.startsWith("pytorch")).length, 2); // pytorch, pytorch-cuda=12.1
  assert.ok(merged.dependencies.includes("pytorch-cuda=12.1"));
  assert.equal(merged.dependencies.length, base.dependencies.length + 1);
  assert.equal(merged.specLocations?.find((_, i) => merged.dependencies[i] === "pytorch")?.file, gpu.file);
});

/**
 * Files from the conda, conda-lock, mamba and rattler test suites. Most are
 * ordinary; the odd ones and what we do with them:
 * - conda-tests/env-support/invalid_keys.yml: conda warns that the misspelt
 *   sections are ignored and goes on; so do we (4 warnings, nothing parsed).
 * - conda-tests/env-support/channels_with_envvars.yml: `${CONDA_TOKEN}` in
 *   channel URLs, expanded like conda when set, kept and warned when not.
 * - conda-tests/env-support/empty_deps.yml / empty_env.yml: `dependencies:`
 *   empty or absent is an empty environment, as in conda.
 * - conda-lock/gdal: "badly formatted" `python >= 3.8, < 3.9` is a valid spec.
 * - conda-lock/test-pypi-resolve-gh155: `platform:` (singular) is unknown;
 *   conda-lock ignores it, we warn with "did you mean `platforms`".
 * - conda-lock/test-env-filter-platform, test-pip-with-platform-selector:
 *   `# [osx64]` selectors, applied per platform.
 * - mamba/libmamba/env_file/env_2.yaml: mamba's `sel(linux):` entries; conda
 *   rejects the file (it reads them as unknown installers), mamba applies
 *   them; we follow mamba and warn.
 */
const SUITES = ["conda-lock", "conda-tests/env-support", "mamba/libmamba/env_file", "rattler/environments", "rattler/python"];

test("environment files from the conda, conda-lock, mamba and rattler suites", { skip: needsShared(...SUITES, "mamba/micromamba") }, async () => {
  const micromamba = readdirSync(sharedPath("mamba", "micromamba"))
    .filter((name) => /^env-.*\.yaml$/.test(name) || name === "yaml_env.yml")
    .map((name) => sharedPath("mamba", "micromamba", name));
  const files = [...SUITES.flatMap((suite) => environmentFiles(sharedPath(suite))), ...micromamba];
  const failed: string[] = [];
  const warned: Record<string, string[]> = {};
  for (const file of files) {
    try {
      const spec = await readEnvironmentFile(file, { env: {} });
      resolveChannels(spec.channels, config, { file });
      if ((spec.warnings ?? []).length > 0) warned[relative(SHARED_DATA, file)] = (spec.warnings ?? []).map((w) => w.code);
    } catch (error) {
      if (!(error instanceof EnvFileError)) throw error;
      failed.push(`${relative(SHARED_DATA, file)}: ${error.message}`);
    }
  }
  console.log(`# suites: ${files.length - failed.length} of ${files.length} parsed; ${Object.keys(warned).length} with warnings`);
  assert.deepEqual(failed, []);
  assert.ok(files.length >= 85, `only ${files.length} files found`);
  assert.deepEqual(warned["conda-tests/env-support/invalid_keys.yml"], Array(4).fill("CG_ENV_UNKNOWN_KEY"));
  assert.deepEqual(warned["conda-lock/test-pypi-resolve-gh155/environment.yml"], ["CG_ENV_UNKNOWN_KEY"]);
  assert.deepEqual(warned["conda-tests/env-support/channels_with_envvars.yml"], ["CG_ENV_UNSET_VARIABLE", "CG_ENV_UNSET_VARIABLE"]);
  assert.equal(warned["mamba/libmamba/env_file/env_2.yaml"]?.length, 5);
});

test("conda-lock selectors pick per-platform dependencies", { skip: needsShared("conda-lock") }, async () => {
  const spec = await readEnvironmentFile(sharedPath("conda-lock", "test-env-filter-platform", "environment.yml"));
  assert.deepEqual(spec.platforms, ["osx-arm64", "osx-64", "linux-64"]);
  assert.deepEqual(specForPlatform(spec, "osx-arm64").dependencies, ["python <3.11", "clang_osx-arm64"]);
  assert.deepEqual(specForPlatform(spec, "osx-64").dependencies, ["python <3.11", "clang_osx-64"]);
  assert.deepEqual(specForPlatform(spec, "linux-64").dependencies, ["python <3.11", "gcc_linux-64>=6"]);
  const pip = await readEnvironmentFile(sharedPath("conda-lock", "test-pip-with-platform-selector", "environment.yml"));
  assert.deepEqual(specForPlatform(pip, "linux-64").pip, ["psutil"]);
  assert.deepEqual(specForPlatform(pip, "osx-arm64").pip, []);
});

test("mamba sel() selectors pick per-platform dependencies", { skip: needsShared("mamba/libmamba/env_file") }, async () => {
  const spec = await readEnvironmentFile(sharedPath("mamba", "libmamba", "env_file", "env_2.yaml"));
  assert.deepEqual(specForPlatform(spec, "linux-64").dependencies, ["test1-unix", "test1-linux", "test2-linux", "test4"]);
  assert.deepEqual(specForPlatform(spec, "osx-arm64").dependencies, ["test1-unix", "test1-osx", "test4"]);
  assert.deepEqual(specForPlatform(spec, "win-64").dependencies, ["test1-win", "test4"]);
});

test("conda-lock multi-category files merge with their categories kept per dependency", { skip: needsShared("conda-lock") }, async () => {
  const dir = sharedPath("conda-lock", "test-multiple-categories");
  const specs = await Promise.all(["main.yml", "dev.yml", "test.yml"].map((name) => readEnvironmentFile(join(dir, name))));
  const merged = mergeEnvironmentSpecs(specs);
  assert.deepEqual(merged.dependencies, ["python =3.10", "pandas =2.0", "astropy =5.0", "pyspark =3.4"]);
  assert.deepEqual(merged.specLocations?.map((l) => l.category), ["main", "dev", "dev", "test"]);
  assert.deepEqual(merged.platforms, ["linux-64"]);
});
