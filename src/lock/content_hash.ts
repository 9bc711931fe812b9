/**
 * conda-lock's content hash, reproduced from its documented behaviour: per
 * platform, sha256 of Python's `json.dumps(..., sort_keys=True)` of
 *
 *   { channels: [<each channel as compact JSON text>],
 *     specs: [<each dependency as a dict, sorted by (manager, name)>],
 *     pip_repositories?: [...],
 *     virtual_package_hash: { noarch: <fake repodata>, <platform>: <fake repodata> } }
 *
 * where the dependencies are those of the environment files after platform
 * selectors, deduplicated by (manager, name) with the last file winning, and
 * the fake repodata is conda-lock's default virtual package set (with the
 * `_0` build suffix on builds that have a build string, and the extra
 * `__osx 10.15` on osx-64, which conda-lock keeps for hash stability).
 *
 * `pip_repositories` (each as compact JSON `{"url": ...}`) is added when a
 * file has `pip-repositories:`.
 *
 * This matches conda-lock for conda dependencies and for pip requirements of
 * the forms `name`, `name[extras] <specifiers>`, `name @ https://…` and
 * `name @ git+…` with simple `sys_platform`/`platform_system`/`os_name`
 * markers. Requirements it cannot model (local paths, `-r` includes,
 * Poetry `^`/`~` ranges) still go into our hash in a stable form, so
 * `checkLock` stays meaningful, but such a hash will not equal conda-lock's.
 */
import { createHash } from "node:crypto";
import { MatchSpec } from "../conda/index.js";
import { specForPlatform, type EnvironmentSpec } from "../env/index.js";
import { lockChannel } from "./lock_channels.js";
import { pythonJsonDumps, type PyJson } from "./python_json.js";

/** Virtual packages per subdir as conda-lock's virtual-packages.yaml writes them: name -> "version" or "version build". */
export type CondaLockVirtualPackages = Record<string, Record<string, string>>;

/** conda-lock's built-in default (its `default-virtual-packages.yaml`), used when no spec file is given. */
export const CONDA_LOCK_DEFAULT_VIRTUAL_PACKAGES: Readonly<CondaLockVirtualPackages> = {
  "linux-64": { __unix: "0", __linux: "5.10", __archspec: "1 x86_64", __glibc: "2.28", __cuda: "11.4" },
  "linux-aarch64": { __unix: "0", __linux: "5.10", __archspec: "1 aarch64", __glibc: "2.28", __cuda: "11.4" },
  "linux-ppc64le": { __unix: "0", __linux: "5.10", __archspec: "1 ppc64le", __glibc: "2.28", __cuda: "11.4" },
  "osx-64": { __unix: "0", __archspec: "1 x86_64", __osx: "11.0" },
  "osx-arm64": { __unix: "0", __archspec: "1 arm64", __osx: "11.0" },
  "win-64": { __win: "0", __archspec: "1 x86_64", __cuda: "11.4" },
};

/** The subdirs conda-lock always writes fake repodata for, even when empty. */
const FAKE_REPO_SUBDIRS = new Set(["noarch", "linux-aarch64", "linux-ppc64le", "linux-64", "osx-64", "osx-arm64", "win-64"]);

/** conda-lock's fixed virtual package timestamp (2020-01-01). */
const VIRTUAL_TIMESTAMP = 1577854800000;

export interface ContentHashOptions {
  /** Channels that replace those of the files (conda-lock `-c`). */
  channels?: readonly string[];
  /**
   * A virtual-packages spec (conda-lock `--virtual-package-spec`); when
   * absent, conda-lock's default set, with `__cuda` as `cuda` says.
   */
  virtualPackages?: CondaLockVirtualPackages;
  /** conda-lock `--with-cuda VERSION` (`""` = `--without-cuda`); ignored with `virtualPackages`. */
  cuda?: string;
  /**
   * Variables that hold channel credentials: with it, credentials in channel
   * URLs are hashed as the `${VAR}` references a lock stores (see `lockChannel`).
   */
  env?: NodeJS.ProcessEnv;
}

/** One dependency as conda-lock serialises it for the hash (its pydantic `model_dump`). */
type HashedDependency = { [key: string]: PyJson };

/** PEP 503 name normalisation, as `packaging.utils.canonicalize_name`. */
function canonicalPypiName(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, "-");
}

/** Evaluates the platform part of a PEP 508 marker for a conda subdir; anything it cannot read counts as true (kept). */
function markerMatches(markers: string, platform: string): boolean {
  const os = platform.split("-")[0];
  const values: Record<string, string> = {
    sys_platform: os === "win" ? "win32" : os === "osx" ? "darwin" : os === "linux" ? "linux" : "",
    platform_system: os === "win" ? "Windows" : os === "osx" ? "Darwin" : os === "linux" ? "Linux" : "",
    os_name: os === "win" ? "nt" : "posix",
  };
  const evalAtom = (atom: string): boolean | undefined => {
    const m = /^\s*([a-z_]+)\s*(==|!=)\s*(['"])(.*?)\3\s*$/.exec(atom);
    if (m === null) return undefined;
    const actual = values[m[1] as string];
    if (actual === undefined) return undefined;
    return m[2] === "==" ? actual === m[4] : actual !== m[4];
  };
  if (/[()]/.test(markers)) return true;
  return markers.split(/\s+or\s+/).some((alt) =>
    alt.split(/\s+and\s+/).every((atom) => evalAtom(atom) ?? true),
  );
}

/** A PEP 440 specifier set as `packaging` prints it: each clause without spaces, sorted, comma-joined. */
function normaliseSpecifiers(text: string): string {
  const clauses = text.split(",").map((c) => c.replace(/\s+/g, "")).filter(Boolean);
  return clauses.sort().join(",");
}

/** conda-lock's dependency dict for one pip requirement line, or undefined when conda-lock would skip it. */
export function _pipDependency(line: string, category: string, platform: string): HashedDependency | undefined {
  let text = line.trim();
  if (text === "" || text.startsWith("-")) return undefined; // -e (skipped by conda-lock), -r, --index-url
  let markers: string | null = null;
  const semi = text.lastIndexOf(";");
  if (semi >= 0) {
    markers = text.slice(semi + 1).trim();
    text = text.slice(0, semi).trim();
  }
  let hash: string | null = null;
  const hashAt = text.indexOf(" --hash=");
  if (hashAt >= 0) {
    hash = text.slice(hashAt + " --hash=".length).trim();
    text = text.slice(0, hashAt).trim();
  }
  if (markers !== null && !markerMatches(markers, platform)) return undefined;
  if (/^(git\+|https:\/\/|ssh:\/\/)/.test(text)) {
    const last = text.split("/").pop() ?? text;
    text = `${(last.split("@")[0] ?? last).replace(/\.git$/, "")} @ ${text}`;
  }
  const m = /^([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[([^\]]*)\])?\s*(.*)$/.exec(text);
  if (m === null) return undefined;
  const name = canonicalPypiName(m[1] as string);
  const extras = (m[2] ?? "").split(",").map((e) => e.trim()).filter(Boolean).sort();
  const rest = (m[3] ?? "").trim();
  const base = { name, manager: "pip", category, extras, markers };
  if (rest.startsWith("@")) {
    const url = rest.slice(1).trim();
    if (url.startsWith("git+")) {
      let source = url.slice(4);
      let subdirectory: string | null = null;
      const frag = source.indexOf("#");
      if (frag >= 0) {
        subdirectory = /subdirectory=([^&]+)/.exec(source.slice(frag + 1))?.[1] ?? null;
        source = source.slice(0, frag);
      }
      let rev: string | null = null;
      const at = source.lastIndexOf("@");
      if (at > source.indexOf("://") + 3) {
        rev = source.slice(at + 1);
        source = source.slice(0, at);
      }
      if (source.endsWith(".git")) source = source.slice(0, -4);
      const dep: HashedDependency = { ...base, source, vcs: "git", rev, subdirectory };
      delete dep.extras;
      return { ...dep, extras: [] };
    }
    const frag = url.indexOf("#");
    return { ...base, url: frag >= 0 ? url.slice(0, frag) : url, hashes: [frag >= 0 ? url.slice(frag + 1).replace("=", ":") : ""] };
  }
  const version = normaliseSpecifiers(rest).replace(/===/g, "==");
  const sorted = version === "" ? "*" : version.split(",").sort().join(",");
  return { ...base, version: sorted, build: null, conda_channel: null, hash };
}

/** conda-lock's dependency dict for one conda MatchSpec string. */
export function _condaDependency(text: string, category: string): HashedDependency {
  const spec = MatchSpec.parse(text);
  return {
    name: spec.name,
    manager: "conda",
    category,
    extras: [],
    markers: null,
    version: spec.version === undefined ? "" : String(spec.version),
    build: spec.build ?? null,
    conda_channel: spec.channel ?? null,
    hash: null,
  };
}

/** The dependencies of one file for one platform, in file order, as conda-lock lists them. */
function fileDependencies(file: EnvironmentSpec, platform: string): HashedDependency[] {
  const spec = specForPlatform(file, platform);
  const fileCategory = file.category ?? "main";
  const out: HashedDependency[] = spec.dependencies.map((text, i) => _condaDependency(text, spec.specLocations?.[i]?.category ?? fileCategory));
  if (file.pip.length > 0) {
    spec.pip.forEach((line, i) => {
      const dep = _pipDependency(line, spec.pipLocations?.[i]?.category ?? fileCategory, platform);
      if (dep !== undefined) out.push(dep);
    });
    // conda-lock adds `pip` (any version, category main) to every file with a pip section.
    out.push({ name: "pip", manager: "conda", category: "main", extras: [], markers: null, version: "*", build: null, conda_channel: null, hash: null });
  }
  return out;
}

/** conda-lock's `_remove_new_nulls`: `markers` and `subdirectory` are left out when null. */
function withoutNewNulls(dep: HashedDependency): HashedDependency {
  const out = { ...dep };
  if (out.markers === null) delete out.markers;
  if (out.subdirectory === null) delete out.subdirectory;
  return out;
}

/** The channels of several files: the longest list (conda-lock requires the others to be a suffix of it). */
function unifiedChannels(files: readonly EnvironmentSpec[]): string[] {
  let longest: string[] = [];
  for (const file of files) {
    const channels = file.channels.filter((c) => c !== "nodefaults");
    if (channels.length > longest.length) longest = channels;
  }
  return longest;
}

/** conda-lock's fake repodata entry for one virtual package, with the build-number suffix it reinserts for hash stability. */
function virtualEntry(name: string, text: string, subdir: string): [string, PyJson] {
  const space = text.indexOf(" ");
  const version = space < 0 ? text : text.slice(0, space);
  const buildString = space < 0 ? "" : text.slice(space + 1);
  const build = buildString === "" ? "0" : `${buildString}_0`;
  return [
    `${name}-${version}-${build}.tar.bz2`,
    { name, version, build_string: buildString, build_number: 0, noarch: "", depends: [], timestamp: VIRTUAL_TIMESTAMP, package_type: "virtual_system", build, subdir },
  ];
}

function virtualPackageContent(platform: string, options: ContentHashOptions): PyJson {
  const custom = options.virtualPackages;
  const spec = custom ?? CONDA_LOCK_DEFAULT_VIRTUAL_PACKAGES;
  const subdirs = new Set(FAKE_REPO_SUBDIRS);
  for (const s of Object.keys(spec)) subdirs.add(s);
  const repodata = (subdir: string): PyJson => {
    if (!subdirs.has(subdir)) return {};
    const packages: { [key: string]: PyJson } = {};
    for (const [name, text] of Object.entries(spec[subdir] ?? {})) {
      let value = text;
      if (custom === undefined && name === "__cuda" && options.cuda !== undefined) {
        if (options.cuda === "") continue;
        value = options.cuda;
      }
      const [key, entry] = virtualEntry(name, value, subdir);
      packages[key] = entry;
    }
    if (custom === undefined && subdir === "osx-64") {
      const [key, entry] = virtualEntry("__osx", "10.15", subdir);
      packages[key] = entry;
    }
    return { info: { subdir }, packages };
  };
  return { noarch: repodata("noarch"), [platform]: repodata(platform) };
}

/** The exact JSON text conda-lock hashes for one platform (exposed for debugging a hash mismatch). */
export function contentHashInput(files: EnvironmentSpec | readonly EnvironmentSpec[], platform: string, options: ContentHashOptions = {}): string {
  const list = Array.isArray(files) ? (files as readonly EnvironmentSpec[]) : [files as EnvironmentSpec];
  const unique = new Map<string, HashedDependency>();
  for (const file of list) {
    for (const dep of fileDependencies(file, platform)) {
      // Last one wins but keeps the first one's slot, like a Python dict.
      unique.set(`${String(dep.manager)}\u0000${String(dep.name)}`, dep);
    }
  }
  const specs = [...unique.values()]
    .sort((a, b) => {
      const ka = `${String(a.manager)}\u0000${String(a.name)}`;
      const kb = `${String(b.manager)}\u0000${String(b.name)}`;
      return ka < kb ? -1 : ka > kb ? 1 : 0;
    })
    .map(withoutNewNulls);
  const env = options.env;
  const channels = (options.channels ?? unifiedChannels(list)).map((url) => (env === undefined ? url : lockChannel(url, env).channel.url));
  const data: { [key: string]: PyJson } = {
    channels: channels.map((url) => JSON.stringify({ url, used_env_vars: [] })),
    specs,
    virtual_package_hash: virtualPackageContent(platform, options),
  };
  // `pip-repositories:` take part only when some file names them (the longest list, as for channels).
  let repositories: readonly string[] = [];
  for (const file of list) if ((file.pipRepositories?.length ?? 0) > repositories.length) repositories = file.pipRepositories ?? [];
  if (repositories.length > 0) data.pip_repositories = repositories.map((url) => JSON.stringify({ url }));
  return pythonJsonDumps(data);
}

/**
 * The content hash of the environment file(s) for each platform, as
 * conda-lock computes it (see the file header for what is covered). Pass
 * several files in the order conda-lock was given them (`-f a -f b`).
 */
export function computeContentHashes(
  files: EnvironmentSpec | readonly EnvironmentSpec[],
  platforms: readonly string[],
  options: ContentHashOptions = {},
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const platform of platforms) {
    out[platform] = createHash("sha256").update(contentHashInput(files, platform, options), "utf8").digest("hex");
  }
  return out;
}
