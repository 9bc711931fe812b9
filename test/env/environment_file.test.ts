import assert from "node:assert/strict";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { CondaguardError } from "../../src/conda/index.js";
import { EnvFileError, parseEnvironmentYaml, readEnvironmentFile } from "../../src/env/index.js";

function failure(fn: () => unknown): EnvFileError {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof EnvFileError, `expected EnvFileError, got ${String(error)}`);
    return error;
  }
  assert.fail("expected an error");
}

test("parses conda's keys, the pip list, variables and conda-lock keys", () => {
  const spec = parseEnvironmentYaml(
    [
      "name: demo",
      "prefix: /opt/envs/demo",
      "category: dev",
      "channels:",
      "  - conda-forge",
      "  - nodefaults",
      "dependencies:",
      "  - python=3.11",
      "  - numpy >=1.26,<2  # [linux64]",
      "  - pip",
      "  - pip:",
      "    - requests==2.31.0",
      "    - -e .",
      "variables:",
      "  FOO: bar",
      "  ANSWER: 42",
      "platforms: [linux-64, osx-arm64]",
      "pip-repositories: [https://pypi.example/simple]",
      "allow-pypi-requests: false",
      "",
    ].join("\n"),
    "environment.yml",
  );
  assert.equal(spec.file, "environment.yml");
  assert.equal(spec.name, "demo");
  assert.equal(spec.prefix, "/opt/envs/demo");
  assert.equal(spec.category, "dev");
  assert.deepEqual(spec.channels, ["conda-forge", "nodefaults"]);
  assert.deepEqual(spec.dependencies, ["python=3.11", "numpy >=1.26,<2", "pip"]);
  assert.deepEqual(spec.pip, ["requests==2.31.0", "-e ."]);
  assert.deepEqual(spec.variables, { FOO: "bar", ANSWER: "42" });
  assert.deepEqual(spec.platforms, ["linux-64", "osx-arm64"]);
  assert.deepEqual(spec.pipRepositories, ["https://pypi.example/simple"]);
  assert.equal(spec.allowPypiRequests, false);
  assert.deepEqual(spec.specLocations?.[1], { file: "environment.yml", line: 9, column: 5, selector: "linux64", category: "dev" });
  assert.deepEqual(spec.pipLocations?.[0], { file: "environment.yml", line: 12, column: 7, category: "dev" });
  assert.deepEqual(spec.channelLocations?.[0], { file: "environment.yml", line: 5, column: 5 });
  assert.deepEqual(spec.warnings, []);
});

test("empty lists and missing sections are empty, not errors (as in conda)", () => {
  const spec = parseEnvironmentYaml("name: nlp\nchannels:\ndependencies:\n");
  assert.deepEqual(spec.channels, []);
  assert.deepEqual(spec.dependencies, []);
  assert.deepEqual(spec.pip, []);
  assert.deepEqual(spec.variables, {});
  assert.equal(spec.platforms, undefined);
});

test("quoted entries report the column of their first character of content", () => {
  const spec = parseEnvironmentYaml('dependencies:\n  - "numpy"\n', "e.yml");
  assert.deepEqual(spec.specLocations?.[0], { file: "e.yml", line: 2, column: 6 });
});

test("channel entries expand ${VARS} like conda and warn about unset ones without printing secrets", () => {
  const text = "channels:\n  - https://host/t/${TOKEN}/stable\n  - https://host/t/${MISSING}/stable\n";
  const spec = parseEnvironmentYaml(text, "env.yml", { env: { TOKEN: "s3cr3t" } });
  assert.deepEqual(spec.channels, ["https://host/t/s3cr3t/stable", "https://host/t/${MISSING}/stable"]);
  assert.equal(spec.warnings?.length, 1);
  assert.equal(spec.warnings?.[0]?.message, "env.yml:3:5: Channel `https://host/t/***/stable` uses `$MISSING`, which is not set; it is kept as written.");
  assert.ok(!JSON.stringify(spec.warnings).includes("s3cr3t"));
});

test("unknown keys are warnings with a suggestion", () => {
  const spec = parseEnvironmentYaml("name: x\ndependecies:\n  - numpy\nplatform: [linux-64]\n", "env.yml");
  assert.deepEqual(
    spec.warnings?.map((w) => w.message),
    [
      "env.yml:2:1: Unknown key `dependecies` is ignored; did you mean `dependencies`?",
      "env.yml:4:1: Unknown key `platform` is ignored; did you mean `platforms`?",
    ],
  );
  assert.deepEqual(spec.dependencies, []);
});

test("a pip section without pip in the conda list is a warning, as conda prints one", () => {
  const spec = parseEnvironmentYaml("dependencies:\n  - python\n  - pip:\n    - requests\n", "env.yml");
  assert.equal(spec.warnings?.[0]?.code, "CG_ENV_PIP_NOT_LISTED");
  const listed = parseEnvironmentYaml("dependencies:\n  - conda-forge::pip >=23\n  - pip:\n    - requests\n");
  assert.deepEqual(listed.warnings, []);
});

test("mamba sel() entries become dependencies with a selector and a warning", () => {
  const spec = parseEnvironmentYaml("dependencies:\n  - sel(linux): gcc_linux-64\n  - zlib\n", "env.yml");
  assert.deepEqual(spec.dependencies, ["gcc_linux-64", "zlib"]);
  assert.equal(spec.specLocations?.[0]?.selector, "linux");
  assert.equal(spec.warnings?.[0]?.code, "CG_ENV_MAMBA_SELECTOR");
});

// Pinned wording: these messages are part of the user interface.
test("error wording: malformed YAML", () => {
  const error = failure(() => parseEnvironmentYaml("name: x\ndependencies:\n  - numpy\n - scipy\n", "environment.yml"));
  assert.equal(error.code, "CG_ENV_YAML");
  assert.equal(error.line, 4);
  assert.match(error.message, /^environment\.yml:4:\d+: The environment file is not valid YAML: /);
  assert.match(error.hint ?? "", /indentation/);
});

test("error wording: duplicate key", () => {
  const error = failure(() => parseEnvironmentYaml("name: a\nname: b\n", "environment.yml"));
  assert.equal(error.code, "CG_ENV_YAML");
  assert.equal(error.message, "environment.yml:2:1: The environment file is not valid YAML: map keys must be unique.");
  assert.equal(error.hint, "Remove or merge the repeated key; YAML keeps only one of them.");
});

test("error wording: top level is not a mapping", () => {
  const error = failure(() => parseEnvironmentYaml("- numpy\n- scipy\n", "environment.yml"));
  assert.equal(error.code, "CG_ENV_SCHEMA");
  assert.equal(
    error.message,
    "environment.yml:1:1: An environment file must be a mapping with keys such as `name`, `channels` and `dependencies`, found a list.",
  );
});

test("error wording: empty file", () => {
  const error = failure(() => parseEnvironmentYaml("# nothing here\n", "environment.yml"));
  assert.equal(error.code, "CG_ENV_SCHEMA");
  assert.equal(error.message, "environment.yml: The environment file is empty.");
});

test("error wording: dependencies is not a list", () => {
  const error = failure(() => parseEnvironmentYaml("dependencies: numpy\n", "environment.yml"));
  assert.equal(error.code, "CG_ENV_SCHEMA");
  assert.equal(error.message, "environment.yml:1:15: `dependencies` must be a list, found the text `numpy`.");
  assert.equal(error.hint, "Write one package per line, e.g.\ndependencies:\n  - python=3.11\n  - numpy");
});

test("error wording: a mapping other than pip in dependencies", () => {
  const error = failure(() => parseEnvironmentYaml("dependencies:\n  - numpy\n  - conda:\n    - scipy\n", "environment.yml"));
  assert.equal(error.code, "CG_ENV_SCHEMA");
  assert.equal(error.message, "environment.yml:3:5: A dependency must be a package spec string or a `pip:` list, found a mapping with key `conda`.");
  assert.equal(failure(() => parseEnvironmentYaml("dependencies:\n  - Pip:\n    - x\n")).hint, "Write the key in lower case: `- pip:`.");
});

test("error wording: a non-string dependency", () => {
  const error = failure(() => parseEnvironmentYaml("dependencies:\n  - 3.9\n", "environment.yml"));
  assert.equal(error.message, "environment.yml:2:5: Each dependency must be a package spec string or a `pip:` list, found the number 3.9.");
  assert.equal(failure(() => parseEnvironmentYaml("dependencies:\n  -\n  - numpy\n")).hint, "Remove the empty `-` entry.");
});

test("error wording: a PEP 508 marker in the conda list points at the marker", () => {
  const error = failure(() =>
    parseEnvironmentYaml('dependencies:\n  - python=3.10\n  - torch==2.0.1; sys_platform != "darwin"\n', "environment.yml"),
  );
  assert.equal(error.code, "CG_ENV_SPEC");
  assert.equal(error.line, 3);
  assert.equal(error.column, 17);
  assert.equal(
    error.message,
    'environment.yml:3:17: Dependency `torch==2.0.1; sys_platform != "darwin"` is a pip requirement, not a conda package spec: `;` starts a PEP 508 environment marker, which conda does not read.',
  );
  assert.equal(
    error.hint,
    "Move it under `- pip:` in `dependencies` (pip reads markers there), or drop the marker and add a `# [linux64]`-style selector comment.",
  );
});

test("error wording: a wheel URL in the conda list", () => {
  const error = failure(() => parseEnvironmentYaml("dependencies:\n  - https://example.org/peft-0.4.0-py3-none-any.whl\n", "environment.yml"));
  assert.equal(error.code, "CG_ENV_SPEC");
  assert.equal(
    error.message,
    "environment.yml:2:5: Dependency `https://example.org/peft-0.4.0-py3-none-any.whl` is a pip requirement, not a conda package spec: it points to a Python wheel, which only pip can install.",
  );
  assert.equal(error.hint, "Move it under `- pip:` in `dependencies`; conda installs only conda packages from this list.");
});

test("pip-style `==` pins are valid conda specs and stay in the conda list", () => {
  const spec = parseEnvironmentYaml("dependencies:\n  - datasets==2.13.0\n  - blas[build=mkl]\n  - conda-forge::numpy\n  - x264=1!164.3095=h166bdaf_2\n");
  assert.deepEqual(spec.dependencies, ["datasets==2.13.0", "blas[build=mkl]", "conda-forge::numpy", "x264=1!164.3095=h166bdaf_2"]);
});

test("spec parser errors are mapped to the file position", () => {
  const parseSpec = (text: string): unknown => {
    const at = text.indexOf("?");
    if (at >= 0) throw new CondaguardError("CG_MATCHSPEC_PARSE", "Unexpected character `?`.", { column: at + 1, hint: "Remove the `?`." });
    return text;
  };
  const error = failure(() => parseEnvironmentYaml("dependencies:\n  - numpy\n  - scipy>=1?\n", "environment.yml", { parseSpec }));
  assert.equal(error.code, "CG_ENV_SPEC");
  assert.equal(error.line, 3);
  assert.equal(error.column, 13);
  assert.equal(
    error.message,
    "environment.yml:3:13: Dependency `scipy>=1?` is not a valid conda package spec: unexpected character `?`. Expected a spec such as `numpy`, `numpy=1.26`, `numpy >=1.26,<2` or `conda-forge::numpy`.",
  );
  assert.equal(error.hint, "Remove the `?`.");
});

test("a bug in the spec parser (a plain Error) is not dressed up as a user error", () => {
  const parseSpec = (): unknown => {
    throw new TypeError("boom");
  };
  assert.throws(() => parseEnvironmentYaml("dependencies: [numpy]\n", undefined, { parseSpec }), TypeError);
});

test("several bad dependencies: the first is reported, the others are counted with their lines", () => {
  const error = failure(() =>
    parseEnvironmentYaml("dependencies:\n  - a; x\n  - ok\n  - b; y\n  - -e .\n", "environment.yml"),
  );
  assert.equal(error.line, 2);
  assert.match(error.message, / 2 more dependencies have problems \(lines 4, 5\)\.$/);
});

test("unknown platforms and bad channels are errors with positions", () => {
  const platform = failure(() => parseEnvironmentYaml("platforms:\n  - linux-65\n", "environment.yml"));
  assert.equal(platform.code, "CG_ENV_SCHEMA");
  assert.equal(platform.message, "environment.yml:2:5: Unknown platform `linux-65` in `platforms`.");
  const channel = failure(() => parseEnvironmentYaml("channels:\n  - conda-forge\n  - http//broken\n", "environment.yml"));
  assert.equal(channel.code, "CG_CHANNEL_UNKNOWN");
  assert.equal(channel.message, "environment.yml:3:5: Channel `http//broken` is not a channel name, URL or path: it looks like a URL with a malformed `://`.");
  assert.equal(channel.hint, "Did you mean `http://broken`?");
});

test("readEnvironmentFile names the path; a missing file is a clear error", async () => {
  const dir = await mkdtemp(join(tmpdir(), "cg-env-"));
  const path = join(dir, "environment.yml");
  await writeFile(path, "\uFEFFname: x\ndependencies: [python]\n");
  const spec = await readEnvironmentFile(path);
  assert.equal(spec.file, path);
  assert.deepEqual(spec.dependencies, ["python"]);
  await assert.rejects(readEnvironmentFile(join(dir, "missing.yml")), (error: unknown) => {
    assert.ok(error instanceof EnvFileError);
    assert.equal(error.code, "CG_ENV_READ");
    assert.equal(error.message, `${join(dir, "missing.yml")}: Cannot read the environment file: the file does not exist.`);
    return true;
  });
});

test("error wording: the default parser is conda's MatchSpec grammar, positioned in the file", () => {
  const error = failure(() => parseEnvironmentYaml("dependencies:\n  - python=3.11\n  - numpy >=1.2,,<2\n", "environment.yml"));
  assert.equal(error.code, "CG_ENV_SPEC");
  assert.equal(error.line, 3);
  assert.equal(error.column, 17);
  assert.equal(error.input, "numpy >=1.2,,<2");
  assert.match(error.message, /^environment\.yml:3:17: Dependency `numpy >=1\.2,,<2` is not a valid conda package spec: [^\n]+\.$/);
  assert.ok(error.hint !== undefined && error.hint.length > 0);
});

test("credentials in a bad dependency never reach the message or the input", () => {
  const error = failure(() =>
    parseEnvironmentYaml("dependencies:\n  - https://user:pw@repo.example/t/tok/ch::numpy; os_name == 'nt'\n", "environment.yml"),
  );
  assert.ok(!/pw@|\/t\/tok/.test(error.message), error.message);
  assert.ok(!/pw@|\/t\/tok/.test(String(error.input)));
  assert.match(error.message, /https:\/\/\*\*\*@repo\.example\/t\/\*\*\*\/ch::numpy/);
});
