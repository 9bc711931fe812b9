import assert from "node:assert/strict";
import { test } from "node:test";
import {
  EnvFileError,
  channelDisplayName,
  defaultCondaConfig,
  parseEnvironmentYaml,
  resolveChannel,
  resolveChannels,
  type CondaConfig,
} from "../../src/env/index.js";

const config: CondaConfig = defaultCondaConfig({ home: "/home/user", platform: "linux" });

test("bare names go through the channel alias", () => {
  assert.deepEqual(resolveChannel("conda-forge", config), { name: "conda-forge", baseUrl: "https://conda.anaconda.org/conda-forge" });
  assert.deepEqual(resolveChannel("pytorch", config), { name: "pytorch", baseUrl: "https://conda.anaconda.org/pytorch" });
  assert.deepEqual(resolveChannel("conda-forge/label/dev", config), {
    name: "conda-forge/label/dev",
    baseUrl: "https://conda.anaconda.org/conda-forge/label/dev",
  });
  const aliased = { ...config, channelAlias: "https://mirror.example/conda/" };
  assert.equal(resolveChannel("nvidia", aliased).baseUrl, "https://mirror.example/conda/nvidia");
});

test("pkgs/main and friends come from default_channels", () => {
  assert.deepEqual(resolveChannel("pkgs/main", config), { name: "pkgs/main", baseUrl: "https://repo.anaconda.com/pkgs/main" });
  const mirrored = { ...config, defaultChannels: ["https://mirror.example/anaconda/pkgs/main"] };
  assert.equal(resolveChannel("pkgs/main", mirrored).baseUrl, "https://mirror.example/anaconda/pkgs/main");
});

test("custom_channels map a name to its server", () => {
  const custom = { ...config, customChannels: { internal: "https://conda.corp.example/" } };
  assert.deepEqual(resolveChannel("internal", custom), { name: "internal", baseUrl: "https://conda.corp.example/internal" });
  assert.deepEqual(resolveChannel("internal/label/beta", custom).baseUrl, "https://conda.corp.example/internal/label/beta");
  assert.equal(resolveChannel("https://conda.corp.example/internal", custom).name, "internal");
});

test("URLs keep their location; a trailing slash and a trailing subdir are split off", () => {
  assert.deepEqual(resolveChannel("https://conda.anaconda.org/conda-forge/", config), {
    name: "conda-forge",
    baseUrl: "https://conda.anaconda.org/conda-forge",
  });
  assert.deepEqual(resolveChannel("https://conda.anaconda.org/conda-forge/linux-64", config), {
    name: "conda-forge",
    baseUrl: "https://conda.anaconda.org/conda-forge",
    platforms: ["linux-64"],
  });
  assert.deepEqual(resolveChannel("conda-forge/noarch", config), {
    name: "conda-forge",
    baseUrl: "https://conda.anaconda.org/conda-forge",
    platforms: ["noarch"],
  });
  assert.deepEqual(resolveChannel("https://repo.anaconda.com/pkgs/main/", config).name, "pkgs/main");
  assert.deepEqual(resolveChannel("https://repo.example.org/channel", config), {
    name: "https://repo.example.org/channel",
    baseUrl: "https://repo.example.org/channel",
  });
});

test("credentials stay in baseUrl and never reach the name", () => {
  const basic = resolveChannel("https://user:s3cr3t@repo.example.org/private/", config);
  assert.equal(basic.baseUrl, "https://user:s3cr3t@repo.example.org/private");
  assert.equal(basic.name, "https://***@repo.example.org/private");
  const token = resolveChannel("https://conda.anaconda.org/t/tk-123/conda-forge", config);
  assert.equal(token.baseUrl, "https://conda.anaconda.org/t/tk-123/conda-forge");
  assert.equal(token.name, "conda-forge");
  const other = resolveChannel("https://conda.example/t/tk-123/ch", config);
  assert.equal(other.name, "https://conda.example/t/***/ch");
  assert.equal(channelDisplayName(other), "https://conda.example/t/***/ch");
});

test("paths and file URLs become file:// channels, relative to the environment file's folder", () => {
  assert.deepEqual(resolveChannel("/srv/channel/", config), { name: "file:///srv/channel", baseUrl: "file:///srv/channel" });
  assert.deepEqual(resolveChannel("./local-channel", config, { baseDir: "/srv/project" }), {
    name: "file:///srv/project/local-channel",
    baseUrl: "file:///srv/project/local-channel",
  });
  const fromFile = resolveChannels(["../channel"], config, { file: "/srv/project/env/environment.yml", includeConfigChannels: false });
  assert.equal(fromFile[0]?.baseUrl, "file:///srv/project/channel");
  assert.equal(resolveChannel("~/channels/mine", config, { home: "/home/user" }).baseUrl, "file:///home/user/channels/mine");
  assert.deepEqual(resolveChannel("file:///srv/channel/linux-64/", config), {
    name: "file:///srv/channel",
    baseUrl: "file:///srv/channel",
    platforms: ["linux-64"],
  });
});

test("resolveChannels expands defaults, drops duplicates and appends the configured channels", () => {
  assert.deepEqual(
    resolveChannels(["pytorch", "defaults", "conda-forge", "https://conda.anaconda.org/conda-forge/"], config).map((c) => c.name),
    ["pytorch", "pkgs/main", "pkgs/r", "conda-forge"],
  );
  // conda env create appends .condarc's channels (here: defaults) after the file's.
  assert.deepEqual(resolveChannels(["conda-forge"], config).map((c) => c.name), ["conda-forge", "pkgs/main", "pkgs/r"]);
  assert.deepEqual(resolveChannels(["conda-forge"], config, { includeConfigChannels: false }).map((c) => c.name), ["conda-forge"]);
  const windows = defaultCondaConfig({ home: "C:/Users/u", platform: "win32" });
  assert.deepEqual(resolveChannels(["defaults"], windows).map((c) => c.name), ["pkgs/main", "pkgs/r", "pkgs/msys2"]);
});

test("nodefaults drops the channels that were only added implicitly", () => {
  assert.deepEqual(resolveChannels(["nodefaults", "conda-forge"], config).map((c) => c.name), ["conda-forge"]);
  // Written explicitly, defaults stays.
  assert.deepEqual(resolveChannels(["conda-forge", "defaults", "nodefaults"], config).map((c) => c.name), ["conda-forge", "pkgs/main", "pkgs/r"]);
  const condarc = { ...config, channels: ["conda-forge", "defaults"] };
  assert.deepEqual(resolveChannels(["pytorch", "nodefaults"], condarc).map((c) => c.name), ["pytorch"]);
});

test("the same channel restricted to a subdir is a different entry", () => {
  const channels = resolveChannels(["conda-forge/linux-64", "conda-forge"], config, { includeConfigChannels: false });
  assert.deepEqual(channels, [
    { name: "conda-forge", baseUrl: "https://conda.anaconda.org/conda-forge", platforms: ["linux-64"] },
    { name: "conda-forge", baseUrl: "https://conda.anaconda.org/conda-forge" },
  ]);
});

function unknownChannel(fn: () => unknown): EnvFileError {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof EnvFileError);
    assert.equal(error.code, "CG_CHANNEL_UNKNOWN");
    return error;
  }
  assert.fail("expected CG_CHANNEL_UNKNOWN");
}

test("error wording: channels that cannot be resolved", () => {
  assert.equal(unknownChannel(() => resolveChannel("", config)).message, "Channel `` is not a channel name, URL or path: it is empty.");
  assert.equal(
    unknownChannel(() => resolveChannel("::", config)).message,
    "Channel `::` is not a channel name, URL or path: `::` belongs in a package spec (`channel::package`).",
  );
  const broken = unknownChannel(() => resolveChannel("http//broken", config));
  assert.equal(broken.hint, "Did you mean `http://broken`?");
  const spaces = unknownChannel(() => resolveChannel("conda forge", config));
  assert.equal(
    spaces.message,
    "Channel `conda forge` is not a channel name, URL or path: a channel name may hold only letters, digits, `-`, `_`, `.` and `/` between non-empty parts.",
  );
  assert.equal(unknownChannel(() => resolveChannel("ssh://host/channel", config)).message, "Channel `ssh://host/channel` is not a channel name, URL or path: conda cannot fetch from `ssh:` URLs.");
  assert.match(unknownChannel(() => resolveChannel("defaults", config)).message, /names a group of channels/);
});

test("error messages never show credentials", () => {
  const error = unknownChannel(() => resolveChannel("ftpx://user:pw@host/t/abc/chan", config));
  assert.ok(!error.message.includes("pw@") && !error.message.includes("/t/abc"), error.message);
  assert.ok(!String(error.input).includes("pw@"));
});

test("errors name the file and line a channel came from", () => {
  // Parsing already checks channel syntax, with the position.
  const parsed = unknownChannel(() => parseEnvironmentYaml("channels:\n  - conda-forge\n  - ${MISSING}\n", "environment.yml", { env: {} }));
  assert.match(parsed.message, /^environment\.yml:3:5: Channel `\$\{MISSING\}` is not a channel name/);
  const error = unknownChannel(() =>
    resolveChannels(["conda-forge", "conda forge"], config, {
      file: "environment.yml",
      locations: [
        { line: 2, column: 5 },
        { line: 3, column: 5 },
      ],
    }),
  );
  assert.equal(error.file, "environment.yml");
  assert.equal(error.line, 3);
  assert.match(error.message, /^environment\.yml:3:5: Channel `conda forge` is not a channel name/);
});

test("channelDisplayName gives conda's short names for URLs from lockfiles", () => {
  assert.equal(channelDisplayName("https://conda.anaconda.org/conda-forge/"), "conda-forge");
  assert.equal(channelDisplayName("https://conda.anaconda.org/conda-forge/linux-64"), "conda-forge");
  assert.equal(channelDisplayName("https://repo.anaconda.com/pkgs/main", config), "pkgs/main");
  assert.equal(channelDisplayName({ name: "x", baseUrl: "https://u:p@repo.example.org/ch" }), "https://***@repo.example.org/ch");
  assert.equal(channelDisplayName({ name: "file:///srv/ch", baseUrl: "file:///srv/ch" }), "file:///srv/ch");
});
