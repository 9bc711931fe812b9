import assert from "node:assert/strict";
import { test } from "node:test";
import {
  MatchSpec,
  Version,
  currentSubdir,
  detectVirtualPackages,
  parseVirtualPackage,
  virtualPackageRecord,
} from "../../src/conda/index.js";
import type { VirtualPackage } from "../../src/conda/index.js";
import { cudaVersionFromNvidiaSmi, glibcVersionFromGetconf } from "../../src/conda/virtual_packages.js";

const byName = (list: VirtualPackage[]): Record<string, VirtualPackage> => Object.fromEntries(list.map((p) => [p.name, p]));

test("detection on this machine finds the platform's packages with sane versions", () => {
  const found = detectVirtualPackages({ env: {} });
  const names = found.map((p) => p.name);
  assert.deepEqual(names, [...names].sort(), "sorted by name");
  const host = currentSubdir({});
  if (host.startsWith("linux-")) {
    const vp = byName(found);
    assert.deepEqual(vp.__unix, { name: "__unix", version: "0", build: "0" });
    assert.match(vp.__linux.version, /^\d+\.\d+(\.\d+){0,2}$/);
    assert.match(vp.__glibc?.version ?? "2.0", /^\d+\.\d+/);
    assert.ok(Version.parse(vp.__glibc?.version ?? "2.17").compare(Version.parse("2.5")) > 0);
    assert.ok(vp.__archspec === undefined || vp.__archspec.version === "1");
    console.log(`# detected: ${found.map((p) => `${p.name}=${p.version}=${p.build}`).join(" ")}`);
  }
  for (const p of found) assert.ok(Version.tryParse(p.version) !== undefined, `${p.name} has a valid version`);
  // A second call is served from the per-process cache and agrees.
  assert.deepEqual(detectVirtualPackages({ env: {} }), found);
});

test("CONDA_OVERRIDE_* replaces values and an empty one removes the package", () => {
  const env = {
    CONDA_OVERRIDE_CUDA: " 12.4 ",
    CONDA_OVERRIDE_GLIBC: "2.28",
    CONDA_OVERRIDE_LINUX: "5.15.0-1045-aws",
    CONDA_OVERRIDE_ARCHSPEC: "skylake",
  };
  const vp = byName(detectVirtualPackages({ subdir: "linux-64", env }));
  assert.deepEqual(vp.__cuda, { name: "__cuda", version: "12.4", build: "0" });
  assert.equal(vp.__glibc.version, "2.28");
  assert.equal(vp.__linux.version, "5.15.0");
  assert.deepEqual(vp.__archspec, { name: "__archspec", version: "1", build: "skylake" });

  const removed = byName(
    detectVirtualPackages({ subdir: "linux-64", env: { CONDA_OVERRIDE_CUDA: "", CONDA_OVERRIDE_GLIBC: "", CONDA_OVERRIDE_ARCHSPEC: "" } }),
  );
  assert.equal(removed.__cuda, undefined);
  assert.equal(removed.__glibc, undefined);
  assert.equal(removed.__archspec, undefined);
  assert.equal(removed.__linux.version === undefined, false, "__linux stays");
  // conda reports __linux=0 for an empty or non-numeric override rather than dropping it.
  assert.equal(byName(detectVirtualPackages({ subdir: "linux-64", env: { CONDA_OVERRIDE_LINUX: "" } })).__linux.version, "0");

  assert.equal(byName(detectVirtualPackages({ subdir: "osx-arm64", env: { CONDA_OVERRIDE_OSX: "14.2" } })).__osx.version, "14.2");
  assert.equal(byName(detectVirtualPackages({ subdir: "osx-arm64", env: { CONDA_OVERRIDE_OSX: "" } })).__osx, undefined);
  assert.equal(byName(detectVirtualPackages({ subdir: "win-64", env: { CONDA_OVERRIDE_WIN: "" } })).__win, undefined);
});

test("another target gets conda's defaults for that platform", () => {
  const host = currentSubdir({});
  const linux = host === "linux-aarch64" ? "linux-ppc64le" : "linux-aarch64";
  assert.deepEqual(detectVirtualPackages({ subdir: linux, env: {} }), [
    { name: "__archspec", version: "1", build: linux === "linux-aarch64" ? "aarch64" : "ppc64le" },
    { name: "__glibc", version: "2.17", build: "0" },
    { name: "__linux", version: "0", build: "0" },
    { name: "__unix", version: "0", build: "0" },
  ]);
  if (host !== "osx-arm64") {
    assert.deepEqual(detectVirtualPackages({ subdir: "osx-arm64", env: {} }), [
      { name: "__archspec", version: "1", build: "arm64" },
      { name: "__osx", version: "11.0", build: "0" },
      { name: "__unix", version: "0", build: "0" },
    ]);
  }
  if (host !== "osx-64") {
    assert.equal(byName(detectVirtualPackages({ subdir: "osx-64", env: {} })).__osx.version, "10.15");
  }
  if (host !== "win-64") {
    assert.deepEqual(detectVirtualPackages({ subdir: "win-64", env: {} }), [
      { name: "__archspec", version: "1", build: "x86_64" },
      { name: "__win", version: "0", build: "0" },
    ]);
    // __cuda only from an override when the target is not this machine.
    assert.equal(byName(detectVirtualPackages({ subdir: "win-64", env: {} })).__cuda, undefined);
    assert.equal(byName(detectVirtualPackages({ subdir: "win-64", env: { CONDA_OVERRIDE_CUDA: "11.8" } })).__cuda.version, "11.8");
  }
  assert.deepEqual(detectVirtualPackages({ subdir: "noarch", env: {} }), []);
  // CONDA_SUBDIR picks the target when no subdir is given.
  assert.ok(byName(detectVirtualPackages({ env: { CONDA_SUBDIR: "osx-arm64" } })).__osx !== undefined || host === "osx-arm64");
});

test("virtual packages parse from text and become solver records", () => {
  assert.deepEqual(parseVirtualPackage("__cuda=12.4=0"), { name: "__cuda", version: "12.4", build: "0" });
  assert.deepEqual(parseVirtualPackage("__glibc=2.28"), { name: "__glibc", version: "2.28", build: "0" });
  assert.deepEqual(parseVirtualPackage("__unix"), { name: "__unix", version: "0", build: "0" });
  assert.deepEqual(parseVirtualPackage("__archspec=1=x86_64_v3"), { name: "__archspec", version: "1", build: "x86_64_v3" });
  assert.throws(() => parseVirtualPackage("cuda=12"), { code: "CG_VIRTUAL_PACKAGE_PARSE" });
  assert.throws(() => parseVirtualPackage("__cuda=1..2"), { code: "CG_VIRTUAL_PACKAGE_PARSE" });
  assert.throws(() => parseVirtualPackage("__cuda=1=2=3"), { code: "CG_VIRTUAL_PACKAGE_PARSE" });

  const rec = virtualPackageRecord(parseVirtualPackage("__cuda=12.4=0"), "linux-64");
  assert.equal(rec.channel, "@");
  assert.equal(rec.url, "");
  assert.equal(rec.build_number, 0);
  assert.ok(MatchSpec.parse("__cuda >=12").match(rec));
  assert.ok(!MatchSpec.parse("__cuda >=12.6").match(rec));
  assert.ok(MatchSpec.parse("__glibc >=2.17,<3.0.a0").match(virtualPackageRecord({ name: "__glibc", version: "2.28", build: "0" }, "linux-64")));
});

test("driver and C library versions are read from tool output", () => {
  const banner = [
    "Tue Nov 25 10:00:00 2026",
    "+-----------------------------------------------------------------------------------------+",
    "| NVIDIA-SMI 550.54.15              Driver Version: 550.54.15      CUDA Version: 12.4     |",
    "|-----------------------------------------+------------------------+----------------------+",
  ].join("\n");
  assert.equal(cudaVersionFromNvidiaSmi(banner), "12.4");
  assert.equal(cudaVersionFromNvidiaSmi("NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver."), undefined);
  assert.equal(glibcVersionFromGetconf("glibc 2.36\n"), "2.36");
  assert.equal(glibcVersionFromGetconf("musl 1.2"), undefined);
});
