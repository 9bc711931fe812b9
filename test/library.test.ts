import assert from "node:assert/strict";
import { test } from "node:test";
import * as condaguard from "../src/index.js";

test("the package entry point exposes each concern as a namespace", () => {
  const spec = condaguard.conda.MatchSpec.parse("conda-forge::numpy >=1.26,<2");
  assert.equal(spec.name, "numpy");
  assert.equal(spec.channel, "conda-forge");
  assert.ok(spec.version?.matches("1.26.4"));
  assert.equal(typeof condaguard.env.parseEnvironmentYaml, "function");
  assert.equal(typeof condaguard.repodata.RepodataGateway, "function");
  assert.equal(typeof condaguard.runCli, "function");
  assert.equal(typeof condaguard.solver.solveConda, "function");
  assert.equal(typeof condaguard.lock.writeCondaLock, "function");
  assert.equal(typeof condaguard.pkg.extractPackage, "function");
  assert.equal(typeof condaguard.install.verifyPrefix, "function");
});
