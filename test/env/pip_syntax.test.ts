// The pip-syntax detector is internal; the environment parser's messages depend on it.
import assert from "node:assert/strict";
import { test } from "node:test";
import { _findPipOnlySyntax } from "../../src/env/pip_syntax.js";

test("pip-only syntax is recognised, conda syntax is not", () => {
  assert.equal(_findPipOnlySyntax('torch==2.0.1; sys_platform != "darwin"')?.offset, 12);
  assert.match(_findPipOnlySyntax("https://h/peft-0.4.0-py3-none-any.whl")?.reason ?? "", /wheel/);
  assert.match(_findPipOnlySyntax("-e .")?.reason ?? "", /pip option/);
  assert.match(_findPipOnlySyntax("git+https://git.example.org/org/repo")?.reason ?? "", /version-control/);
  assert.match(_findPipOnlySyntax("requests @ https://h/requests.tar.gz")?.reason ?? "", /direct reference/);
  assert.match(_findPipOnlySyntax("pydantic[email]==1.10")?.reason ?? "", /extra/);
  assert.match(_findPipOnlySyntax("flit-core === 3.9.0")?.reason ?? "", /arbitrary-equality/);
  for (const conda of ["numpy==1.26", "blas[build=mkl]", "conda-forge::numpy", "python >=3.8,<3.9", "https://h/ch/linux-64/a-1-0.conda"]) {
    assert.equal(_findPipOnlySyntax(conda), undefined, conda);
  }
});
