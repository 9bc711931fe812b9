import assert from "node:assert/strict";
import { test } from "node:test";
import { isLocalUrl, parseMaxAge, USER_AGENT } from "../../src/repodata/fetch.js";
import { defaultCacheDir, dependencyName } from "../../src/repodata/index.js";

test("Cache-Control max-age parsing", () => {
  assert.equal(parseMaxAge("public, max-age=1200"), 1200);
  assert.equal(parseMaxAge('max-age="30"'), 30);
  assert.equal(parseMaxAge("no-cache"), 0);
  assert.equal(parseMaxAge("private, no-store, max-age=60"), 0);
  assert.equal(parseMaxAge("public"), undefined);
  assert.equal(parseMaxAge(null), undefined);
});

test("local URLs: file: and plain paths, not http", () => {
  assert.ok(isLocalUrl("file:///srv/channel/noarch"));
  assert.ok(isLocalUrl("/srv/channel/noarch"));
  assert.ok(isLocalUrl("C:\\channels\\mine\\noarch"));
  assert.ok(!isLocalUrl("https://conda.example/ch/noarch"));
  assert.ok(!isLocalUrl("http://user:secret@127.0.0.1:80/ch"));
});

test("User-Agent names condaguard and its version", () => {
  assert.match(USER_AGENT, /^condaguard\/\d+\.\d+\.\d+/);
});

test("default cache folder follows CONDAGUARD_CACHE_DIR, then XDG_CACHE_HOME, then ~/.cache", () => {
  assert.equal(defaultCacheDir({ CONDAGUARD_CACHE_DIR: "/tmp/cg", XDG_CACHE_HOME: "/x" }), "/tmp/cg");
  assert.equal(defaultCacheDir({ XDG_CACHE_HOME: "/x" }), "/x/condaguard/repodata");
  assert.equal(defaultCacheDir({ HOME: "/home/u" }), "/home/u/.cache/condaguard/repodata");
});

test("dependency names without MatchSpec", () => {
  const cases: Array<[string, string | undefined]> = [
    ["python >=3.9,<3.10.0a0", "python"],
    ["libgcc-ng>=7.3.0", "libgcc-ng"],
    ["numpy 1.21.* *_0", "numpy"],
    ["conda-forge::pytorch", "pytorch"],
    ["conda-forge/linux-64::openssl 3.*", "openssl"],
    ["pkg[version='>=1']", "pkg"],
    ["Jinja2", "jinja2"],
    ["__glibc >=2.17", "__glibc"],
    ["*", undefined],
    ["", undefined],
  ];
  for (const [spec, name] of cases) assert.equal(dependencyName(spec), name, spec);
});
