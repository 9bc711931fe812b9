import assert from "node:assert/strict";
import { rm } from "node:fs/promises";
import { test } from "node:test";
import { isolatedEnv, runCliCaptured } from "../helpers/cli.js";

test("info --json reports platform, virtual packages, channels and folders", async () => {
  const { env, dir } = await isolatedEnv({ CONDA_OVERRIDE_CUDA: "12.4", CONDA_OVERRIDE_GLIBC: "2.31" });
  try {
    const run = await runCliCaptured(["info", "--json", "--platform", "linux-64", "-c", "pytorch"], env);
    assert.equal(run.code, 0, run.stderr);
    const info = JSON.parse(run.stdout) as {
      platform: string;
      virtual_packages: string[];
      channels: { name: string; url: string }[];
      repodata_cache: string;
      pkgs_dirs: string[];
    };
    assert.equal(info.platform, "linux-64");
    assert.ok(info.virtual_packages.includes("__cuda=12.4=0"), info.virtual_packages.join(" "));
    assert.ok(info.virtual_packages.some((v) => v.startsWith("__glibc=2.31=")));
    assert.deepEqual(
      info.channels.map((c) => [c.name, c.url]),
      [
        ["pytorch", "https://conda.anaconda.org/pytorch"],
        ["conda-forge", "https://conda.anaconda.org/conda-forge"],
      ],
    );
    assert.equal(info.repodata_cache, env.CONDAGUARD_CACHE_DIR);
    assert.ok(info.pkgs_dirs.length > 0);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("info prints a readable summary", async () => {
  const { env, dir } = await isolatedEnv();
  try {
    const run = await runCliCaptured(["info", "--platform", "osx-arm64"], env);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /platform : osx-arm64/);
    assert.match(run.stdout, /virtual packages : __/);
    assert.match(run.stdout, /^\s+__osx=11\.0=0$/m);
    assert.doesNotMatch(run.stdout, /__linux|__glibc/);
    assert.match(run.stdout, /channel URLs : https:\/\/conda\.anaconda\.org\/conda-forge\/osx-arm64/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
