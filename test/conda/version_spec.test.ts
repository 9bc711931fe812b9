import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { BuildNumberSpec, Version, VersionSpec, VersionSpecError } from "../../src/conda/index.js";
import { needsShared, sharedPath } from "../helpers/shared_data.js";

interface Cases {
  spec_matches: { cases: [string, string, boolean][] };
  spec_normal_form: [string, string][];
  spec_equal: [string, string][];
  invalid_specs: string[];
}
const CASES = "conda-version-cases/conda-version-cases.json";
const loadCases = (): Cases => JSON.parse(readFileSync(sharedPath(CASES), "utf8")) as Cases;

test("conda-version-cases: spec matching, normal form, equality, rejection", { skip: needsShared(CASES) }, () => {
  const cases = loadCases();
  let agree = 0;
  for (const [version, spec, expected] of cases.spec_matches.cases) {
    const parsed = VersionSpec.parse(spec);
    assert.equal(parsed.matches(version), expected, `${version} ~ ${spec}`);
    assert.equal(parsed.matches(Version.parse(version)), expected, `${version} ~ ${spec} (Version)`);
    // The unambiguous form must mean the same thing.
    assert.equal(VersionSpec.parse(parsed.toExpressionString()).matches(version), expected, `${spec} re-parsed`);
    agree++;
  }
  for (const [spec, normal] of cases.spec_normal_form) assert.equal(VersionSpec.parse(spec).toString(), normal);
  for (const [a, b] of cases.spec_equal) assert.ok(VersionSpec.parse(a).equals(VersionSpec.parse(b)), `${a} equals ${b}`);
  for (const spec of cases.invalid_specs) {
    assert.throws(
      () => VersionSpec.parse(spec),
      (e: unknown) => e instanceof VersionSpecError && e.code === "CG_VERSION_SPEC_PARSE" && typeof e.column === "number",
      JSON.stringify(spec),
    );
  }
  console.log(`# spec_matches: ${agree}/${cases.spec_matches.cases.length} agree; ${cases.invalid_specs.length} invalid specs rejected`);
});

test("conda's spec quirks", () => {
  const m = (spec: string, version: string): boolean => VersionSpec.parse(spec).matches(version);
  assert.ok(m("1.0.2*", "1.0.2l"), "a glob prefix keeps letter suffixes (openssl)");
  assert.ok(!m("1.0.2*", "1.0.20"));
  assert.ok(m("=1.2", "1.2.5") && !m("=1.2", "1.20"));
  assert.ok(!m("!=1.2.*", "1.2.5") && m("!=1.2.*", "1.3"));
  assert.ok(m(">=1.2.*", "1.2.0"), "'.*' after >= is dropped");
  assert.ok(m("1.2", "1.2.0") && !m("1.2", "1.2.1"), "a bare version is ==");
  assert.ok(m("~=2.2", "2.9") && !m("~=2.2", "3.0") && !m("~=2.2", "2.1"));
  assert.ok(m("^1\\.2\\..*$", "1.2.3"), "regexes look at the text");
  assert.ok(m("1.2.*|>=3,<4", "3.5") && !m("1.2.*|>=3,<4", "4.0"));
  assert.ok(!m("(1.2|1.3),>=1.2.5", "1.2") && m("(1.2|1.3),>=1.2.5", "1.3"), ", applies to the whole group");
  assert.ok(!m(">=1", "not a version!"), "invalid versions satisfy no comparison");
  assert.ok(m("*", "anything at all"));
  assert.equal(VersionSpec.parse("1.7.1*").toString(), "1.7.1.*");
  assert.equal(VersionSpec.parse(" >=1.2 , <2 ").toString(), ">=1.2,<2");
  assert.equal(VersionSpec.parse("(1.5|1.6),1.8").toExpressionString(), "(1.5|1.6),1.8");
  assert.equal(VersionSpec.parse("(1.5|1.6),1.8").toString(), "1.5|1.6,1.8", "conda's normal form drops the group");
  assert.ok(VersionSpec.parse("==1.2").isExact && VersionSpec.parse("1.2").isExact && !VersionSpec.parse("1.2.*").isExact);
  assert.equal(VersionSpec.parse(">=3.8"), VersionSpec.parse(">=3.8"), "parse is cached");
});

test("bad version specs point at the character", () => {
  assert.throws(() => VersionSpec.parse("1.5||1.6"), {
    code: "CG_VERSION_SPEC_PARSE",
    column: 5,
    message: [
      `Invalid version spec "1.5||1.6" at column 5: expected a constraint on both sides of '|'.`,
      "  1.5||1.6",
      "      ^",
    ].join("\n"),
  });
  assert.throws(() => VersionSpec.parse(">=1.2,<<2"), {
    column: 8,
    message: [
      `Invalid version spec ">=1.2,<<2" at column 8: expected a version after '<', found '<'.`,
      "  >=1.2,<<2",
      "         ^",
    ].join("\n"),
  });
  assert.throws(() => VersionSpec.parse(">=1.2,(<2"), { column: 7 });
  assert.throws(() => VersionSpec.parse(">=1.2,5.5..mw"), { column: 11 });
  assert.throws(() => VersionSpec.parse("~=1"), { column: 3 });
});

test("build number specs", () => {
  assert.ok(BuildNumberSpec.parse("3").matches(3));
  assert.ok(!BuildNumberSpec.parse(3).matches(4));
  assert.ok(BuildNumberSpec.parse(">=3").matches(10) && !BuildNumberSpec.parse(">=3").matches(2));
  assert.ok(BuildNumberSpec.parse("!=2").matches(1));
  assert.ok(BuildNumberSpec.parse("*").matches(99));
  assert.ok(BuildNumberSpec.parse("^1[0-9]$").matches(12));
  assert.equal(BuildNumberSpec.parse(" 7 ").exact, 7);
  assert.throws(() => BuildNumberSpec.parse("abc"), VersionSpecError);
  assert.throws(() => BuildNumberSpec.parse(">=x"), VersionSpecError);
});
