import assert from "node:assert/strict";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { test } from "node:test";
import { MatchSpec, MatchSpecError, channelMatches, recordFromRepodata, splitChannel } from "../../src/conda/index.js";
import type { PackageRecord } from "../../src/conda/index.js";
import { needsShared, sharedPath } from "../helpers/shared_data.js";

function record(fields: Partial<PackageRecord> & { name: string; version: string }): PackageRecord {
  return {
    build: "0",
    build_number: 0,
    subdir: "linux-64",
    fn: `${fields.name}-${fields.version}-0.conda`,
    url: "",
    channel: "https://conda.anaconda.org/conda-forge",
    depends: [],
    constrains: [],
    track_features: [],
    ...fields,
  };
}

/** [spec, conda-style canonical text, fields it must have] */
const FORMS: [string, string, Record<string, unknown>][] = [
  ["numpy", "numpy", { name: "numpy" }],
  ["NumPy", "numpy", { name: "numpy" }],
  ["numpy >=1.2,<2", "numpy[version='>=1.2,<2']", {}],
  ["numpy>1.2", "numpy[version='>1.2']", {}],
  ["numpy 1.2.*", "numpy=1.2", {}],
  ["numpy=1.2", "numpy=1.2", {}],
  ["numpy=1.2.3", "numpy=1.2.3", {}],
  ["numpy 1.2.3", "numpy==1.2.3", {}],
  ["numpy==1.2.3", "numpy==1.2.3", {}],
  ["numpy=1.2=py39_0", "numpy==1.2=py39_0", { build: "py39_0" }],
  ["numpy=1.2=py39*", "numpy==1.2[build=py39*]", { build: "py39*" }],
  ["numpy 1.2 py39_0", "numpy==1.2=py39_0", { build: "py39_0" }],
  ["numpy >=1.0 , < 2.0 py34_0", "numpy[version='>=1.0,<2.0',build=py34_0]", { build: "py34_0" }],
  ["numpy !=1.2", "numpy!=1.2", {}],
  ["numpy ~=1.2", "numpy~=1.2", {}],
  ["numpy *", "numpy *", {}],
  ["numpy * *_cp39", "numpy * *_cp39", { build: "*_cp39" }],
  ["python_abi 3.9.* *_cp39", "python_abi=3.9[build=*_cp39]", { build: "*_cp39" }],
  ["conda-forge::numpy", "conda-forge::numpy", { channel: "conda-forge" }],
  ["conda-forge::numpy[version='>=1.2,<2']", "conda-forge::numpy[version='>=1.2,<2']", { channel: "conda-forge" }],
  ["conda-forge/linux-64::numpy 1.2 py_0", "conda-forge/linux-64::numpy==1.2=py_0", { channel: "conda-forge", subdir: "linux-64" }],
  ["*/linux-64::foo>=1.0", "foo[subdir=linux-64,version='>=1.0']", { subdir: "linux-64", channel: undefined }],
  ["pkgs/main::foo", "pkgs/main::foo", { channel: "pkgs/main" }],
  ["https://conda.anaconda.org/conda-forge::numpy", "conda-forge::numpy", { channel: "https://conda.anaconda.org/conda-forge" }],
  ["foo[version=1.0.*]", "foo=1.0", {}],
  ['foo[version=">=1.2", build=py*, build_number=3]', "foo[version='>=1.2',build=py*,build_number=3]", { build: "py*" }],
  ["foo 1.0 py27_0[build=py36_0]", "foo==1.0=py36_0", { build: "py36_0" }],
  ["foo[channel=conda-forge/osx-arm64]", "conda-forge/osx-arm64::foo", { channel: "conda-forge", subdir: "osx-arm64" }],
  ["foo[build_number='>=3']", "foo[build_number='>=3']", {}],
  [
    "foo[md5=0123456789ABCDEF0123456789abcdef, license=MIT]",
    "foo[md5=0123456789abcdef0123456789abcdef,license=MIT]",
    { md5: "0123456789abcdef0123456789abcdef", license: "MIT" },
  ],
  ["foo[sha256=ab12]", "foo[sha256=ab12]", { sha256: "ab12" }],
  ["foo[track_features='mkl debug']", "foo[track_features='debug mkl']", { trackFeatures: ["mkl", "debug"] }],
  ["mkl@", "*[track_features=mkl]", { name: "*", trackFeatures: ["mkl"] }],
  ["*[md5=abc]", "*[md5=abc]", { name: "*" }],
  ["py*", "py*", { name: "py*" }],
  ["numpy >=1.2 # a comment", "numpy[version='>=1.2']", {}],
  ["numpy >=1.2 if __linux", "numpy[version='>=1.2']", {}],
  ["numpy (optional)", "numpy (optional)", { optional: true }],
  ["linux-dependency[when=\"__linux\"]", "linux-dependency[when=__linux]", { when: "__linux" }],
  ["ray[default,data] >=2.9.0,<3.0.0", "ray[version='>=2.9.0,<3.0.0']", { extras: ["default", "data"] }],
  ["foo[version='(>=1,<2)|>=3']", "foo[version='>=1,<2|>=3']", {}],
  ["foo[version='(1.5|1.6),!=1.6.1']", "foo[version='(1.5|1.6),!=1.6.1']", {}],
  ["foo >=1,<2|>=3,!=3.1", "foo[version='>=1,<2|>=3,!=3.1']", {}],
  [
    "https://conda.anaconda.org/conda-forge/linux-64/numpy-1.21.0-py39h_0.tar.bz2",
    "conda-forge/linux-64::numpy==1.21.0=py39h_0[url=https://conda.anaconda.org/conda-forge/linux-64/numpy-1.21.0-py39h_0.tar.bz2]",
    { name: "numpy", build: "py39h_0", subdir: "linux-64", fn: "numpy-1.21.0-py39h_0.tar.bz2" },
  ],
  ["https://example.org/files/thing-1.0-0.conda", "*[url=https://example.org/files/thing-1.0-0.conda]", { name: "*", fn: "thing-1.0-0.conda" }],
];

test("MatchSpec forms parse to conda's fields and canonical text, and round-trip", () => {
  for (const [text, canonical, fields] of FORMS) {
    const spec = MatchSpec.parse(text);
    assert.equal(spec.toString(), canonical, text);
    for (const [key, value] of Object.entries(fields)) {
      assert.deepEqual((spec as unknown as Record<string, unknown>)[key], value, `${text}: ${key}`);
    }
    const again = MatchSpec.parse(canonical);
    assert.equal(again.toString(), canonical, `${text} round-trips`);
    assert.ok(again.equals(spec));
  }
  assert.ok(MatchSpec.parse("numpy").isNameOnly);
  assert.ok(!MatchSpec.parse("numpy 1.2").isNameOnly);
  assert.equal(MatchSpec.parse("numpy >=1.2").version?.toString(), ">=1.2");
  assert.equal(MatchSpec.parse("numpy=1.2").version?.toString(), "1.2.*");
  assert.equal(MatchSpec.parse("numpy").version, undefined);
  assert.equal(MatchSpec.parse("numpy"), MatchSpec.parse("numpy"), "parse is cached");
});

test("MatchSpec.match checks every field", () => {
  const numpy = record({ name: "numpy", version: "1.21.5", build: "py39h_1", build_number: 1, md5: "ABC", license: "BSD-3-Clause" });
  const yes = [
    "numpy",
    "*",
    "num*",
    "numpy 1.21.*",
    "numpy=1.21",
    "numpy >=1.20,<2",
    "numpy 1.21.5 py39*",
    "numpy=1.21.5=py39h_1",
    "numpy[build_number='>=1']",
    "numpy[build_number=1]",
    "conda-forge::numpy",
    "conda-forge/linux-64::numpy",
    "https://conda.anaconda.org/conda-forge::numpy",
    "numpy[md5=abc]",
    "numpy[license=bsd*]",
    "numpy[subdir=linux-64]",
    "numpy[build='^py39h_[0-9]$']",
  ];
  const no = [
    "scipy",
    "numpy 1.22.*",
    "numpy=1.2",
    "numpy 1.21",
    "numpy >=2",
    "numpy * py38*",
    "numpy[build_number=2]",
    "bioconda::numpy",
    "conda-forge/osx-64::numpy",
    "numpy[md5=def]",
    "numpy[sha256=abcd]",
    "numpy[license=MIT]",
    "numpy[track_features=mkl]",
  ];
  for (const s of yes) assert.ok(MatchSpec.parse(s).match(numpy), `${s} should match`);
  for (const s of no) assert.ok(!MatchSpec.parse(s).match(numpy), `${s} should not match`);
  // `name=1.2.3` is a prefix (1.2.3.*), `name 1.2.3` and `name==1.2.3` are exact, as in conda.
  const patch = record({ name: "pkg", version: "1.2.3.1" });
  assert.ok(MatchSpec.parse("pkg=1.2.3").match(patch));
  assert.ok(!MatchSpec.parse("pkg 1.2.3").match(patch));
  assert.ok(!MatchSpec.parse("pkg==1.2.3").match(patch));
  assert.ok(!MatchSpec.parse("pkg=1.2.3=0").match(patch), "with a build, =1.2.3 is exact");
  assert.ok(MatchSpec.parse("pkg 1.2.3").match(record({ name: "pkg", version: "1.2.3.0" })), "1.2.3 == 1.2.3.0");
  const mkl = record({ name: "blas", version: "1.0", track_features: ["mkl"] });
  assert.ok(MatchSpec.parse("blas[track_features=mkl]").match(mkl));
  assert.ok(MatchSpec.parse("mkl@").match(mkl));
  assert.ok(!MatchSpec.parse("blas[track_features='mkl debug']").match(mkl), "feature sets compare whole");
});

test("MatchSpec.create builds specs from fields", () => {
  const spec = MatchSpec.create({ name: "NumPy", version: ">=1.2", buildNumber: ">=3", channel: "conda-forge" });
  assert.equal(spec.toString(), "conda-forge::numpy[version='>=1.2',build_number='>=3']");
  assert.ok(spec.match(record({ name: "numpy", version: "1.3", build_number: 4 })));
});

test("channels match by name, URL or URL tail", () => {
  assert.deepEqual(splitChannel("conda-forge/linux-64"), { channel: "conda-forge", subdir: "linux-64" });
  assert.deepEqual(splitChannel("https://repo.example/x/noarch/"), { channel: "https://repo.example/x", subdir: "noarch" });
  assert.deepEqual(splitChannel("*/win-64"), { subdir: "win-64" });
  assert.ok(channelMatches("conda-forge", "https://conda.anaconda.org/conda-forge"));
  assert.ok(channelMatches("conda-forge", "https://conda.anaconda.org/conda-forge/"));
  assert.ok(channelMatches("conda-forge", "conda-forge"));
  assert.ok(channelMatches("conda-forge", "https://mirror.example/mirrors/conda-forge"));
  assert.ok(!channelMatches("conda-forge", "https://mirror.example/conda-forge-extra"));
  assert.ok(!channelMatches("forge", "https://conda.anaconda.org/conda-forge"));
  assert.ok(channelMatches("pkgs/main", "https://repo.anaconda.com/pkgs/main"));
  assert.ok(channelMatches("defaults", "https://repo.anaconda.com/pkgs/r"));
  assert.ok(!channelMatches("defaults", "https://conda.anaconda.org/conda-forge"));
  assert.ok(channelMatches("https://user:pw@repo.example/t/tok/ch", "https://repo.example/ch"));
  assert.ok(!channelMatches("https://repo.example/ch", "https://other.example/ch"));
  assert.ok(channelMatches("https://conda.anaconda.org/conda-forge", "https://conda-static.anaconda.org/conda-forge"));
  assert.ok(channelMatches("file:///srv/channel", "file:///srv/channel/"));
  assert.equal(MatchSpec.parse("https://user:secret@repo.example/ch::numpy").toString(), "https://repo.example/ch::numpy");
});

test("bad MatchSpecs name the column and show a caret", () => {
  assert.throws(() => MatchSpec.parse("numpy >=1.2,<<2"), {
    code: "CG_MATCHSPEC_PARSE",
    column: 14,
    input: "numpy >=1.2,<<2",
    message: [
      `Invalid package spec "numpy >=1.2,<<2" at column 14: expected a version after '<', found '<'.`,
      "  numpy >=1.2,<<2",
      "               ^",
    ].join("\n"),
  });
  assert.throws(() => MatchSpec.parse("numpy[version=>=1.2,<2]"), {
    column: 21,
    message: [
      `Invalid package spec "numpy[version=>=1.2,<2]" at column 21: expected key=value inside [...], found '<'.`,
      "  numpy[version=>=1.2,<2]",
      "                      ^",
    ].join("\n"),
  });
  assert.throws(() => MatchSpec.parse("numpy,scipy"), {
    column: 6,
    hint: "Give one package per spec; versions follow the name, e.g. 'numpy >=1.2,<2'.",
  });
  assert.throws(() => MatchSpec.parse("numpy >=1.2 , 5.5..mw"), { column: 19 });
  assert.throws(() => MatchSpec.parse("numpy[version='1.2"), { column: 6 });
  assert.throws(() => MatchSpec.parse("numpy[version='1.2]"), { column: 19 });
  assert.throws(() => MatchSpec.parse("numpy[foo=bar]"), { column: 7 });
  assert.throws(() => MatchSpec.parse("numpy[version='']"), { column: 16 });
  assert.throws(() => MatchSpec.parse("numpy[build_number=x]"), { column: 20 });
  assert.throws(() => MatchSpec.parse("numpy[md5=xyz]"), { column: 11 });
  assert.throws(() => MatchSpec.parse("numpy (>=1)"), { column: 7 });
  assert.throws(() => MatchSpec.parse("numpy=="), { column: 8 });
  assert.throws(() => MatchSpec.parse("numpy="), { column: 7 });
  assert.throws(() => MatchSpec.parse("numpy >="), { column: 9 });
  assert.throws(() => MatchSpec.parse(">=1.2"), { column: 1 });
  assert.throws(() => MatchSpec.parse("   "), MatchSpecError);
  assert.throws(() => MatchSpec.parse("numpy[build='^[$']"), MatchSpecError);
});

const CF = "channels/conda-forge-py39";

test("every depends/constrains string of the conda-forge repodata parses and round-trips", { skip: needsShared(CF) }, () => {
  let strings = 0;
  let records = 0;
  const unique = new Set<string>();
  const byName = new Map<string, PackageRecord[]>();
  for (const subdir of readdirSync(sharedPath(CF)).sort()) {
    const file = sharedPath(CF, subdir, "repodata.json");
    if (!existsSync(file)) continue;
    const repodata = JSON.parse(readFileSync(file, "utf8")) as Record<string, Record<string, Record<string, unknown>> | undefined>;
    for (const key of ["packages", "packages.conda"]) {
      for (const [fn, raw] of Object.entries(repodata[key] ?? {})) {
        const rec = recordFromRepodata(fn, raw, {
          channel: "https://conda.anaconda.org/conda-forge",
          subdir,
          downloadBaseUrl: `https://conda.anaconda.org/conda-forge/${subdir}`,
        });
        records++;
        byName.set(rec.name, [...(byName.get(rec.name) ?? []), rec]);
        for (const s of [...rec.depends, ...rec.constrains]) {
          strings++;
          unique.add(s);
        }
      }
    }
  }
  const failures: string[] = [];
  let matchChecks = 0;
  for (const text of unique) {
    try {
      const spec = MatchSpec.parse(text);
      const again = MatchSpec.parse(spec.toString());
      assert.equal(again.toString(), spec.toString(), text);
      // Round-tripping must keep the meaning on every candidate of that name.
      for (const rec of byName.get(spec.name) ?? []) {
        assert.equal(again.match(rec), spec.match(rec), `${text} on ${rec.fn}`);
        matchChecks++;
      }
    } catch (error) {
      failures.push(`${text}: ${(error as Error).message.split("\n")[0]}`);
    }
  }
  console.log(`# conda-forge-py39: ${strings} dependency strings (${unique.size} unique) from ${records} records parse; ${matchChecks} round-trip match checks`);
  assert.deepEqual(failures.slice(0, 10), []);
  assert.ok(strings > 8000);
});
