import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { Version, VersionError, compareVersions } from "../../src/conda/index.js";
import { needsShared, sharedPath } from "../helpers/shared_data.js";

type Parsed = (number | string)[][];
interface Cases {
  ordered_with_parsed_form: { versions: { version: string; parsed: Parsed }[] };
  equal_pairs: [string, string][];
  not_equal_pairs: [string, string][];
  invalid_versions: string[];
  startswith: [string, string, boolean][];
  ordered_openssl: string[];
  ordered_pep440: string[];
  ordered_other: string[][];
}

const CASES = "conda-version-cases/conda-version-cases.json";
const PARSED = "rattler/parsed_versions.txt";
const loadCases = (): Cases => JSON.parse(readFileSync(sharedPath(CASES), "utf8")) as Cases;

// The JSON writes conda's float('inf') as "inf".
const jsonForm = (v: Version): Parsed => v.parsedForm().map((s) => s.map((c) => (c === Infinity ? "inf" : c)));

function assertAscending(list: readonly string[], strict: boolean): number {
  let checks = 0;
  for (let i = 0; i < list.length; i++) {
    for (let j = i + 1; j < list.length; j++) {
      const c = compareVersions(list[i], list[j]);
      if (strict) assert.equal(c, -1, `${list[i]} < ${list[j]}`);
      else assert.ok(c <= 0, `${list[i]} <= ${list[j]}`);
      assert.equal(compareVersions(list[j], list[i]), c === 0 ? 0 : -c, `antisymmetry ${list[i]} ${list[j]}`);
      checks++;
    }
  }
  return checks;
}

test("conda-version-cases: parsed forms, normal text and order", { skip: needsShared(CASES) }, () => {
  const { versions } = loadCases().ordered_with_parsed_form;
  for (const { version, parsed } of versions) {
    const v = Version.parse(version);
    assert.deepEqual(jsonForm(v), parsed, version);
    assert.equal(v.toString(), version.toLowerCase().replace(/-/g, "_"), version);
  }
  // Neighbours may be equal (0.4 == 0.4.0, 0.5_5 == 0.5-5) but never out of order.
  const checks = assertAscending(
    versions.map((v) => v.version),
    false,
  );
  console.log(`# ordered_with_parsed_form: ${versions.length} parsed forms, ${checks} ordered pairs`);
});

test("conda-version-cases: equality, prefix matching and rejection", { skip: needsShared(CASES) }, () => {
  const cases = loadCases();
  for (const [a, b] of cases.equal_pairs) {
    assert.ok(Version.parse(a).equals(Version.parse(b)), `${a} == ${b}`);
    assert.equal(compareVersions(a, b), 0);
  }
  for (const [a, b] of cases.not_equal_pairs) assert.ok(!Version.parse(a).equals(Version.parse(b)), `${a} != ${b}`);
  for (const text of cases.invalid_versions) {
    assert.throws(() => Version.parse(text), (e: unknown) => e instanceof VersionError && e.code === "CG_VERSION_PARSE", JSON.stringify(text));
  }
  for (const [v, prefix, expected] of cases.startswith) {
    assert.equal(Version.parse(v).startsWith(Version.parse(prefix)), expected, `${v} startswith ${prefix}`);
  }
});

test("conda-version-cases: openssl, PEP 440 and other orderings", { skip: needsShared(CASES) }, () => {
  const cases = loadCases();
  let checks = assertAscending(cases.ordered_openssl, true);
  checks += assertAscending(cases.ordered_pep440, true);
  for (const list of cases.ordered_other) checks += assertAscending(list, true);
  console.log(`# strict orderings: ${checks} pairs agree`);
});

test("versions follow conda's documented rules", () => {
  assert.equal(compareVersions("1.1dev1", "1.1_"), -1);
  assert.equal(compareVersions("1.1_", "1.1a1"), -1);
  assert.equal(compareVersions("1.1.0post1", "1.1post1"), -1);
  assert.equal(compareVersions("1.0", "1.0.0"), 0);
  assert.equal(compareVersions("1!0.1", "2.0"), 1);
  assert.equal(compareVersions("1.2+3", "1.2+10"), -1);
  assert.equal(compareVersions("1.2", "1.2+0"), 0);
  assert.equal(compareVersions("20240101123456789012", "20240101123456789013"), -1);
  const v = Version.parse("  1!2.15.1_ALPHA ");
  assert.equal(v.epoch, 1);
  assert.equal(v.source, "  1!2.15.1_ALPHA ");
  assert.equal(v.toString(), "1!2.15.1_alpha");
  // conda's docstring shows [1, '_alpha'] here, but its code (and this) splits at '_' first.
  assert.equal(v.parsedFormRepr(), "[[1], [2], [15], [1], [0, 'alpha']]");
  assert.equal(Version.parse("1.2.dev3.post4").parsedFormRepr(), "[[0], [1], [2], [0, 'DEV', 3], [0, inf, 4]]");
  assert.deepEqual(Version.parse("1.0+local_7").localForm(), [[0, "local"], [7]]);
  assert.equal(Version.parse("1.2.3"), Version.parse("1.2.3"), "parse is cached");
  assert.equal(Version.tryParse("1..2"), undefined);
});

test("bad versions name the character and column", () => {
  assert.throws(() => Version.parse("5.5..mw"), {
    code: "CG_VERSION_PARSE",
    column: 5,
    message: [
      `Invalid version "5.5..mw" at column 5: expected a number or letters between separators, found an empty component.`,
      "  5.5..mw",
      "      ^",
    ].join("\n"),
  });
  assert.throws(() => Version.parse("3.5&1"), {
    column: 4,
    message: [
      `Invalid version "3.5&1" at column 4: expected letters, digits, '.', '_', '*', '!' or '+', found '&'.`,
      "  3.5&1",
      "     ^",
    ].join("\n"),
  });
  assert.throws(() => Version.parse("1.0+a+b"), { column: 6 });
  assert.throws(() => Version.parse("1_0-1"), { column: 4 }, "'-' and '_' mixed");
  assert.throws(() => Version.parse(""), (e: unknown) => e instanceof VersionError && typeof e.hint === "string");
});

// Parses Python's repr of conda's parsed form: `[[0], [1], [0, inf, 1], [0, 'DEV']]`.
function parseRepr(repr: string): Parsed {
  const json = repr.replace(/'([^']*)'/g, '"$1"').replace(/\binf\b/g, '"__inf__"');
  return (JSON.parse(json) as Parsed).map((s) => s.map((c) => (c === "__inf__" ? Infinity : c)));
}

// An independent, plain reading of conda's VersionOrder.__lt__ on parsed forms, as the oracle.
function referenceCompare(a: Parsed, b: Parsed): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const sa = a[i] ?? [];
    const sb = b[i] ?? [];
    for (let j = 0; j < Math.max(sa.length, sb.length); j++) {
      const c1 = sa[j] ?? 0;
      const c2 = sb[j] ?? 0;
      if (c1 === c2) continue;
      const s1 = typeof c1 === "string";
      const s2 = typeof c2 === "string";
      if (s1 !== s2) return s1 ? -1 : 1;
      return c1 < c2 ? -1 : 1;
    }
  }
  return 0;
}

test("rattler parsed_versions: every parsed form agrees with conda and the order is consistent", { skip: needsShared(PARSED) }, () => {
  const lines = readFileSync(sharedPath(PARSED), "utf8")
    .split("\n")
    .filter((l) => l !== "" && !l.startsWith("#"));
  const disagreements: string[] = [];
  const entries: { text: string; version: Version; parsed: Parsed }[] = [];
  for (const line of lines) {
    const eq = line.indexOf("=");
    const text = line.slice(0, eq);
    const expected = line.slice(eq + 1);
    try {
      const version = Version.parse(text);
      const got = version.parsedFormRepr();
      if (got !== expected) disagreements.push(`${text}: expected ${expected}, got ${got}`);
      entries.push({ text, version, parsed: parseRepr(expected) });
    } catch (error) {
      disagreements.push(`${text}: ${(error as Error).message.split("\n")[0]}`);
    }
  }
  console.log(`# parsed_versions: ${lines.length - disagreements.length}/${lines.length} agree`);
  assert.equal(lines.length, 28530);
  assert.deepEqual(disagreements.slice(0, 10), [], `${disagreements.length} disagreements`);

  // Sorted by our comparator, neighbours must never go down in the oracle's order
  // (the file's parsed forms leave out the local part, which only breaks ties).
  const sorted = [...entries].sort((a, b) => a.version.compare(b.version));
  const outOfOrder: string[] = [];
  for (let i = 1; i < sorted.length; i++) {
    if (referenceCompare(sorted[i - 1].parsed, sorted[i].parsed) > 0) outOfOrder.push(`${sorted[i - 1].text} > ${sorted[i].text}`);
  }
  assert.deepEqual(outOfOrder.slice(0, 10), []);

  // Random pairs: the comparator agrees with the oracle whenever the oracle sees a difference.
  let seed = 42;
  const next = (): number => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % entries.length;
  };
  let pairs = 0;
  for (let k = 0; k < 50_000; k++) {
    const a = entries[next()];
    const b = entries[next()];
    const expected = referenceCompare(a.parsed, b.parsed);
    const got = a.version.compare(b.version);
    if (expected !== 0) assert.equal(got, expected, `${a.text} vs ${b.text}`);
    else if (!a.text.includes("+") && !b.text.includes("+")) assert.equal(got, 0, `${a.text} vs ${b.text}`);
    pairs++;
  }
  console.log(`# parsed_versions: sorted ${sorted.length} versions consistently; ${pairs} random pairs agree`);
});

test("plain numeric versions (split only on demand) behave as fully parsed ones", () => {
  // A leading space sends the same version through the full parser: both must agree on everything.
  const texts = ["0", "1", "1.0", "1.0.0", "1.2", "1.2.0", "1.10", "1.9.9", "2.0.0.0", "10.4.3", "3.9", "3.10", "003.9", "0.0.1", "281474976710655", "999999999999999.1"];
  let seed = 7;
  const next = (): number => (seed = (seed * 1103515245 + 12345) % 2147483648) % 25;
  for (let i = 0; i < 200; i++) texts.push(Array.from({ length: 1 + (next() % 4) }, () => String(next())).join("."));
  for (const a of texts) {
    const fast = Version.parse(a);
    const full = Version.parse(` ${a}`);
    assert.equal(fast.normalized, full.normalized);
    assert.deepEqual(fast.parsedForm(), full.parsedForm(), a);
    assert.equal(fast.epoch, full.epoch);
    for (const b of texts) {
      const other = Version.parse(` ${b}`);
      assert.equal(fast.compare(Version.parse(b)), full.compare(other), `${a} vs ${b}`);
      assert.equal(fast.compare(other), full.compare(other), `${a} vs full ${b}`);
      assert.equal(fast.startsWith(Version.parse(b)), full.startsWith(other), `${a} starts with ${b}`);
    }
  }
  // Not plain: letters, a local part, an epoch, empty parts or huge numbers still go through the full parser.
  for (const text of ["1.0a", "1.0+local", "1!2.0", "1.0_", "1..0", "1.", "1234567890123456.1"]) {
    const full = Version.tryParse(` ${text}`);
    const got = Version.tryParse(text);
    assert.equal(got === undefined, full === undefined, text);
    if (got !== undefined && full !== undefined) assert.equal(got.compare(full), 0, text);
  }
});
