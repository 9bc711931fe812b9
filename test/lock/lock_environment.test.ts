import assert from "node:assert/strict";
import { test } from "node:test";
import { Version } from "../../src/conda/index.js";
import { defaultCondaConfig, parseEnvironmentYaml } from "../../src/env/index.js";
import { RepodataGateway } from "../../src/repodata/index.js";
import {
  LockError,
  checkLock,
  exportExplicit,
  lockEnvironment,
  parseLockfile,
  readExplicit,
  toInstallRecord,
  writeCondaLock,
  type LockProgressEvent,
} from "../../src/lock/index.js";
import { withServedChannel } from "../helpers/cli.js";
import { needsShared, sharedPath } from "../helpers/shared_data.js";

const CHANNEL = "channels/conda-forge-py39";
const PLATFORMS = ["linux-64", "osx-arm64", "win-64"];

test("python 3.9 + pip locked for linux-64, osx-arm64 and win-64 from this machine", { skip: needsShared(CHANNEL) }, async () => {
  await withServedChannel(sharedPath(CHANNEL), async (server, env) => {
    const spec = parseEnvironmentYaml(
      `name: svc\nchannels:\n  - ${server.url}\ndependencies:\n  - python 3.9.*\n  - pip\n  - pip:\n    - requests==2.31.0\n`,
      "environment.yml",
      { env },
    );
    const events: LockProgressEvent[] = [];
    const lock = await lockEnvironment({
      spec,
      platforms: PLATFORMS,
      gateway: new RepodataGateway({ cacheDir: env.CONDAGUARD_CACHE_DIR as string }),
      config: defaultCondaConfig({ home: env.HOME as string }),
      env,
      onProgress: (e) => events.push(e),
    });
    assert.deepEqual(lock.platforms, PLATFORMS);
    assert.deepEqual(lock.channels, [{ url: server.url, used_env_vars: [] }]);
    assert.deepEqual(lock.sources, ["environment.yml"]);
    assert.deepEqual(Object.keys(lock.contentHash), PLATFORMS);
    assert.deepEqual(events.filter((e) => e.stage === "done").map((e) => e.platform), PLATFORMS);
    for (const platform of PLATFORMS) {
      const pkgs = lock.packages.filter((p) => p.platform === platform);
      const python = pkgs.find((p) => p.name === "python");
      assert.ok(python !== undefined && Version.parse(python.version).startsWith(Version.parse("3.9")), `${platform}: python ${python?.version}`);
      assert.ok(pkgs.some((p) => p.name === "pip"));
      for (const p of pkgs) {
        // Each platform's packages come from its own subdir or noarch, of the served channel.
        assert.ok(p.subdir === platform || p.subdir === "noarch", `${platform}: ${p.name} from ${p.subdir}`);
        assert.ok(p.url.startsWith(`${server.url}/${p.subdir}/`), p.url);
        assert.match(p.sha256 ?? "", /^[0-9a-f]{64}$/, `${platform}: ${p.name} sha256`);
        assert.match(p.md5 ?? "", /^[0-9a-f]{32}$/);
        assert.equal(p.manager, "conda", "pip packages are never invented");
      }
      const os = platform.split("-")[0];
      if (os === "win") assert.ok(pkgs.some((p) => p.name === "ucrt" || p.name === "vc"), "win-64 gets the MSVC runtime");
      if (os === "linux") assert.ok(pkgs.some((p) => p.name === "libgcc-ng" || p.name === "libgcc"));
      if (platform === "osx-arm64") assert.ok(!pkgs.some((p) => p.name.startsWith("libgcc")), "no Linux runtime on macOS");
      assert.ok(!pkgs.some((p) => p.name.startsWith("__")), "virtual packages are not locked");
      console.log(`# ${platform}: ${pkgs.length} packages, python ${python?.version} ${python?.build}`);
    }
    // pip is recorded, not resolved.
    assert.deepEqual(lock.pipRequirements, Object.fromEntries(PLATFORMS.map((p) => [p, ["requests==2.31.0"]])));
    assert.equal(lock.warnings.length, 1);
    assert.match(lock.warnings[0] ?? "", /^pip packages are not locked yet: requests==2\.31\.0 are recorded/);

    // Written, read back, checked, exported.
    const text = writeCondaLock(lock, { fileName: "conda-lock.yml" });
    const back = parseLockfile(text, "conda-lock.yml");
    assert.equal(back.packages.length, lock.packages.length);
    assert.deepEqual(back.pipRequirements, lock.pipRequirements);
    assert.deepEqual(checkLock(spec, back), { upToDate: true, reasons: [] });
    const changed = parseEnvironmentYaml(`channels:\n  - ${server.url}\ndependencies:\n  - python 3.9.*\n  - pip\n  - pip:\n    - requests==2.32.0\n`, "environment.yml", { env });
    assert.equal(checkLock(changed, back).reasons.length, 3, "a changed pip pin makes every platform stale");
    const explicit = exportExplicit(back, "win-64");
    assert.equal(readExplicit(explicit, "win.txt").length, lock.packages.filter((p) => p.platform === "win-64").length);
    assert.match(explicit, /# pip requirement not locked: requests==2\.31\.0/);
    const record = toInstallRecord(back.packages.find((p) => p.name === "python" && p.platform === "linux-64")!);
    assert.equal(record.subdir, "linux-64");
    assert.ok(record.depends.length > 0 && record.sha256 !== undefined);
  });
});

test("a platform that cannot be solved fails with CG_LOCK_SOLVE naming it", { skip: needsShared(CHANNEL) }, async () => {
  await withServedChannel(sharedPath(CHANNEL), async (server, env) => {
    const spec = parseEnvironmentYaml(`channels:\n  - ${server.url}\ndependencies:\n  - python 3.9.*\n  - no-such-package-here\n`, "environment.yml", { env });
    await assert.rejects(
      lockEnvironment({ spec, platforms: ["linux-64"], gateway: new RepodataGateway({ cacheDir: env.CONDAGUARD_CACHE_DIR as string }), config: defaultCondaConfig({ home: env.HOME as string }), env }),
      (err: unknown) => {
        assert.ok(err instanceof LockError);
        assert.equal(err.code, "CG_LOCK_SOLVE");
        assert.match(err.message, /^Cannot lock linux-64: /);
        return true;
      },
    );
  });
});
