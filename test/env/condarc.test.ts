import assert from "node:assert/strict";
import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { EnvFileError, condarcSearchPath, defaultCondaConfig, loadCondaConfig, parseCondarc } from "../../src/env/index.js";

async function tempHome(): Promise<string> {
  return mkdtemp(join(tmpdir(), "cg-condarc-"));
}

async function write(path: string, text: string): Promise<string> {
  await mkdir(join(path, ".."), { recursive: true });
  await writeFile(path, text);
  return path;
}

function condarcError(fn: () => unknown): EnvFileError {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof EnvFileError);
    return error;
  }
  assert.fail("expected an error");
}

test("parseCondarc reads the settings that change what gets installed, as written", () => {
  const settings = parseCondarc(
    [
      "channels:",
      "  - conda-forge",
      "  - defaults",
      "channel_priority: strict",
      "channel_alias: https://mirror.example/conda",
      "default_channels:",
      "  - https://mirror.example/pkgs/main",
      "custom_channels:",
      "  internal: https://conda.corp.example/",
      "pkgs_dirs: [~/cache/pkgs]",
      "envs_path: [$DATA/envs]",
      "auto_activate_base: false",
      "",
    ].join("\n"),
    "/home/u/.condarc",
  );
  assert.deepEqual(settings, {
    channels: ["conda-forge", "defaults"],
    channelPriority: "strict",
    channelAlias: "https://mirror.example/conda",
    defaultChannels: ["https://mirror.example/pkgs/main"],
    customChannels: { internal: "https://conda.corp.example/" },
    pkgsDirs: ["~/cache/pkgs"],
    envsDirs: ["$DATA/envs"],
  });
  assert.deepEqual(parseCondarc("", "/etc/conda/.condarc"), {});
  assert.equal(parseCondarc("channel_priority: true\n", "f").channelPriority, "flexible");
  assert.equal(parseCondarc("channel_priority: false\n", "f").channelPriority, "disabled");
});

test("error wording: .condarc problems name the file, line and column", () => {
  const priority = condarcError(() => parseCondarc("channel_priority: sometimes\n", "/home/u/.condarc"));
  assert.equal(priority.code, "CG_CONDARC");
  assert.equal(priority.message, "/home/u/.condarc:1:19: `channel_priority` must be `strict`, `flexible` or `disabled`, found `sometimes`.");
  assert.equal(priority.hint, "Set `channel_priority: strict` (recommended) or `flexible`.");
  const channels = condarcError(() => parseCondarc("channels: conda-forge\n", "/home/u/.condarc"));
  assert.equal(channels.message, "/home/u/.condarc:1:11: `channels` must be a list, found `conda-forge`.");
  const yaml = condarcError(() => parseCondarc("channels: [a\n", "/home/u/.condarc"));
  assert.equal(yaml.code, "CG_CONDARC");
  assert.match(yaml.message, /^\/home\/u\/\.condarc:\d+:\d+: The \.condarc file is not valid YAML: /);
  const top = condarcError(() => parseCondarc("- conda-forge\n", "/home/u/.condarc"));
  assert.equal(top.message, "/home/u/.condarc:1:1: A .condarc file must be a mapping of settings, found a list.");
});

test("error wording: channel locations in .condarc must be URLs or paths", () => {
  const alias = condarcError(() => parseCondarc("channel_alias: conda-forge\n", "/home/u/.condarc"));
  assert.equal(alias.code, "CG_CHANNEL_UNKNOWN");
  assert.equal(alias.message, "/home/u/.condarc:1:16: `channel_alias` entry `conda-forge` is a channel name, but it must be a URL or an absolute path.");
  const custom = condarcError(() => parseCondarc("custom_channels:\n  internal: corp-server\n", "/home/u/.condarc"));
  assert.equal(custom.code, "CG_CHANNEL_UNKNOWN");
  assert.equal(custom.line, 2);
  assert.equal(custom.column, 13);
  const defaults = condarcError(() => parseCondarc("default_channels:\n  - pkgs/main\n", "/home/u/.condarc"));
  assert.equal(defaults.line, 2);
  const bad = condarcError(() => parseCondarc("channels:\n  - http//broken\n", "/home/u/.condarc"));
  assert.equal(bad.message, "/home/u/.condarc:2:5: Channel `http//broken` is not a channel name, URL or path: it looks like a URL with a malformed `://`.");
});

test("defaults match conda's", () => {
  const config = defaultCondaConfig({ home: "/home/u", platform: "linux" });
  assert.deepEqual(config, {
    channels: ["defaults"],
    defaultChannels: ["https://repo.anaconda.com/pkgs/main", "https://repo.anaconda.com/pkgs/r"],
    channelAlias: "https://conda.anaconda.org",
    customChannels: {},
    channelPriority: "flexible",
    pkgsDirs: ["/home/u/.conda/pkgs"],
    envsDirs: ["/home/u/.conda/envs"],
    sources: [],
  });
  const withRoot = defaultCondaConfig({ home: "/home/u", platform: "linux", rootPrefix: "/opt/conda" });
  assert.deepEqual(withRoot.pkgsDirs, ["/opt/conda/pkgs", "/home/u/.conda/pkgs"]);
  assert.deepEqual(withRoot.envsDirs, ["/opt/conda/envs", "/home/u/.conda/envs"]);
});

test("lists merge with higher-precedence files first; scalars: last file wins", async () => {
  const home = await tempHome();
  const system = await write(join(home, "sys", ".condarc"), "channels: [defaults]\nchannel_priority: strict\n");
  const user = await write(join(home, ".condarc"), "channels: [conda-forge, defaults]\nchannel_priority: flexible\n");
  const config = await loadCondaConfig({ files: [system, user], env: {}, home, platform: "linux" });
  assert.deepEqual(config.channels, ["conda-forge", "defaults"]);
  assert.equal(config.channelPriority, "flexible");
  assert.deepEqual(config.sources, [system, user]);
  const other = await write(join(home, "other.condarc"), "channels: [bioconda]\n");
  assert.deepEqual((await loadCondaConfig({ files: [user, other], env: {}, home })).channels, ["bioconda", "conda-forge", "defaults"]);
});

test("#!final stops higher-precedence files; #!top and #!bottom move entries", async () => {
  const home = await tempHome();
  const system = await write(join(home, "sys.condarc"), "channel_priority: strict  #!final\nchannels:  #!final\n  - conda-forge\n");
  const user = await write(join(home, "user.condarc"), "channel_priority: disabled\nchannels: [defaults]\n");
  const config = await loadCondaConfig({ files: [system, user], env: {}, home });
  assert.equal(config.channelPriority, "strict");
  assert.deepEqual(config.channels, ["conda-forge"]);

  const admin = await write(join(home, "admin.condarc"), "channels:\n  - corp  #!top\n  - defaults  #!bottom\n  - bioconda\n");
  const mine = await write(join(home, "mine.condarc"), "channels:\n  - defaults\n  - conda-forge\n");
  const merged = await loadCondaConfig({ files: [admin, mine], env: {}, home });
  assert.deepEqual(merged.channels, ["corp", "conda-forge", "bioconda", "defaults"]);
});

test("CONDA_* variables rank above every file", async () => {
  const home = await tempHome();
  const user = await write(join(home, ".condarc"), "channels: [conda-forge]\npkgs_dirs: [/data/pkgs]\n");
  const config = await loadCondaConfig({
    files: [user],
    home,
    platform: "linux",
    env: {
      CONDA_CHANNELS: "pytorch, nvidia",
      CONDA_CHANNEL_PRIORITY: "strict",
      CONDA_CHANNEL_ALIAS: "https://mirror.example/",
      CONDA_DEFAULT_CHANNELS: "https://mirror.example/pkgs/main",
      CONDA_PKGS_DIRS: "/fast/pkgs",
      CONDA_ENVS_PATH: "/fast/envs:/slow/envs",
    },
  });
  assert.deepEqual(config.channels, ["pytorch", "nvidia", "conda-forge"]);
  assert.equal(config.channelPriority, "strict");
  assert.equal(config.channelAlias, "https://mirror.example");
  assert.deepEqual(config.defaultChannels, ["https://mirror.example/pkgs/main"]);
  assert.deepEqual(config.pkgsDirs, ["/fast/pkgs", "/data/pkgs"]);
  assert.deepEqual(config.envsDirs, ["/fast/envs", "/slow/envs", join(home, ".conda", "envs")]);
  assert.match(config.sources[1] ?? "", /^environment variables \(CONDA_CHANNELS, /);
  await assert.rejects(loadCondaConfig({ files: [], env: { CONDA_CHANNEL_PRIORITY: "maybe" }, home }), /CONDA_CHANNEL_PRIORITY must be/);
});

test("~ and $VARS are expanded in folders and channel locations", async () => {
  const home = await tempHome();
  const rc = await write(
    join(home, ".condarc"),
    "pkgs_dirs: [~/pkgs, $SCRATCH/pkgs]\nenvs_dirs:\n  - ${SCRATCH}/envs\nchannels:\n  - https://host/t/${TOKEN}/ch\ncustom_channels:\n  corp: https://$HOSTNAME_X\n",
  );
  const config = await loadCondaConfig({ files: [rc], env: { SCRATCH: "/scratch", TOKEN: "tk", HOSTNAME_X: "corp.example" }, home, rootPrefix: "/opt/conda" });
  assert.deepEqual(config.pkgsDirs, [join(home, "pkgs"), "/scratch/pkgs"]);
  assert.deepEqual(config.envsDirs, ["/scratch/envs", "/opt/conda/envs", join(home, ".conda", "envs")]);
  assert.deepEqual(config.channels, ["https://host/t/tk/ch"]);
  assert.deepEqual(config.customChannels, { corp: "https://corp.example" });
  assert.equal(config.rootPrefix, "/opt/conda");
});

test("the search path is read in conda's order, condarc.d folders included", async () => {
  const home = await tempHome();
  const prefix = join(home, "envs", "active");
  const xdg = join(home, "xdg");
  await write(join(home, ".config", "conda", ".condarc"), "channels: [from-dot-config]\n");
  await write(join(xdg, "conda", "condarc.d", "b.yaml"), "channels: [from-xdg-b]\n");
  await write(join(xdg, "conda", "condarc.d", "a.yml"), "channels: [from-xdg-a]\n");
  await write(join(xdg, "conda", "condarc.d", "notes.txt"), "channels: [ignored]\n");
  await write(join(home, ".condarc"), "channels: [from-home]\n");
  await write(join(prefix, ".condarc"), "channels: [from-prefix]\n");
  const explicit = await write(join(home, "explicit.yml"), "channels: [from-condarc-var]\n");
  const config = await loadCondaConfig({ home, env: { XDG_CONFIG_HOME: xdg, CONDA_PREFIX: prefix, CONDARC: explicit }, platform: "linux" });
  const mine = config.sources.filter((source) => source.startsWith(home));
  assert.deepEqual(mine, [
    join(xdg, "conda", "condarc.d", "a.yml"),
    join(xdg, "conda", "condarc.d", "b.yaml"),
    join(home, ".config", "conda", ".condarc"),
    join(home, ".condarc"),
    join(prefix, ".condarc"),
    explicit,
  ]);
  assert.deepEqual(config.channels.slice(0, 6), ["from-condarc-var", "from-prefix", "from-home", "from-dot-config", "from-xdg-b", "from-xdg-a"]);
});

test("a missing file given explicitly is an error; the search path skips missing files", async () => {
  const home = await tempHome();
  await assert.rejects(loadCondaConfig({ files: [join(home, "nope.condarc")], env: {}, home }), (error: unknown) => {
    assert.ok(error instanceof EnvFileError);
    assert.equal(error.code, "CG_CONDARC");
    assert.equal(error.message, `${join(home, "nope.condarc")}: Cannot read the .condarc file: the file does not exist.`);
    return true;
  });
  assert.ok(condarcSearchPath("linux").includes("~/.condarc"));
  assert.equal(condarcSearchPath("win32")[0], "C:/ProgramData/conda/.condarc");
});
