import { isScalar, type Node, type YAMLMap } from "yaml";
import { isKnownSubdir } from "../conda/index.js";
import { mapFromDepends, parseArchiveUrl, _withUrlParts, type LockChannel, type LockedPackage, type Lockfile, type LockFormat } from "./model.js";
import {
  _asMap,
  _asSeq,
  _entries,
  _fail,
  _field,
  _optionalNumber,
  _optionalString,
  _requireString,
  _scalarText,
  _stringList,
  type _LockSource,
} from "./lock_yaml.js";

const HINT = "Regenerate the lock with a current pixi, or fix the entry by hand.";
/** pixi v7 platform names: what a YAML key and a CLI argument can hold without quoting. */
const PLATFORM_NAME = /^[A-Za-z0-9_.-]+$/;

interface PixiPackage {
  /** The key environments refer to it by: its URL, path or `conda_source` string. */
  key: string;
  kind: "conda" | "pypi";
  map: YAMLMap<unknown, unknown>;
  node: Node;
}

/** v4/v5 say `kind: conda` + `url:`; v6+ say `conda: URL` / `pypi: URL`; v7 adds `conda_source: "name[hash] @ path"`. */
function packageKey(src: _LockSource, map: YAMLMap<unknown, unknown>, version: number): { key: string; kind: "conda" | "pypi"; source?: string } {
  if (version <= 5) {
    const kind = _requireString(src, map, "kind", "A package entry");
    if (kind !== "conda" && kind !== "pypi") throw _fail(src, _field(map, "kind"), `unknown package kind \`${kind}\`; expected conda or pypi.`, HINT);
    // Local packages have `path:` instead of `url:`.
    const path = _optionalString(map, "path");
    if (path !== undefined && _field(map, "url") === undefined) return { key: path, kind, source: path };
    return { key: _requireString(src, map, "url", "A package entry"), kind };
  }
  for (const kind of ["conda", "pypi"] as const) {
    const text = _optionalString(map, kind);
    if (text !== undefined) return { key: text, kind };
  }
  const source = _optionalString(map, "conda_source");
  if (source !== undefined) return { key: source, kind: "conda", source };
  throw _fail(src, map, "a package entry has none of `conda`, `pypi` or `conda_source`.", HINT);
}

/** The other fields of an environment's reference, which pick one of several packages with the same key. */
function refDiscriminators(ref: YAMLMap<unknown, unknown>): Array<[string, string]> {
  return _entries(ref)
    .filter(({ key }) => !["conda", "pypi", "conda_source", "extras"].includes(key))
    .map(({ key, value }) => [key, _scalarText(value) ?? ""]);
}

function toLocked(src: _LockSource, pkg: PixiPackage, platform: string, version: number): LockedPackage {
  const { map, kind, key } = pkg;
  const archive = kind === "conda" ? parseArchiveUrl(key) : undefined;
  const isSource =
    _optionalString(map, "conda_source") !== undefined ||
    (version <= 5 && _field(map, "url") === undefined) ||
    (kind === "conda" && archive === undefined);
  const name = _optionalString(map, "name") ?? archive?.name ?? (/^([^[\s@]+)/.exec(key)?.[1] ?? key);
  const depends = _stringList(src, map, kind === "pypi" ? "requires_dist" : "depends", `Package \`${name}\``);
  const out: LockedPackage = {
    manager: kind === "pypi" ? "pip" : "conda",
    name,
    version: _optionalString(map, "version") ?? archive?.version ?? "",
    platform,
    url: key,
    dependencies: kind === "pypi" ? {} : mapFromDepends(depends),
    category: "main",
    optional: false,
    depends: kind === "pypi" ? [] : depends,
  };
  const hashMap = _field(map, "hash");
  const sha256 = _optionalString(map, "sha256") ?? (hashMap !== undefined ? _optionalString(_asMap(src, hashMap, "hash"), "sha256") : undefined);
  const md5 = _optionalString(map, "md5") ?? (hashMap !== undefined ? _optionalString(_asMap(src, hashMap, "hash"), "md5") : undefined);
  if (sha256 !== undefined) out.sha256 = sha256;
  if (md5 !== undefined) out.md5 = md5;
  const build = _optionalString(map, "build") ?? archive?.build;
  if (build !== undefined) out.build = build;
  const buildNumber = _optionalNumber(map, "build_number");
  if (buildNumber !== undefined) out.buildNumber = buildNumber;
  const subdir = _optionalString(map, "subdir") ?? archive?.subdir;
  if (subdir !== undefined) out.subdir = subdir;
  for (const field of ["size", "timestamp"] as const) {
    const n = _optionalNumber(map, field);
    if (n !== undefined) out[field] = n;
  }
  const license = _optionalString(map, "license");
  if (license !== undefined) out.license = license;
  const constrains = _stringList(src, map, "constrains", `Package \`${name}\``);
  if (constrains.length > 0) out.constrains = constrains;
  const noarch = _optionalString(map, "noarch");
  if (noarch === "python" || noarch === "generic") out.noarch = noarch;
  const index = _optionalString(map, "index");
  if (index !== undefined) out.index = index;
  if (isSource) out.source = key;
  return isSource ? out : _withUrlParts(out);
}

/** v7's `platforms:` list: name -> subdir, with the checks pixi makes. */
function readPlatforms(src: _LockSource, root: YAMLMap<unknown, unknown>): Map<string, string> | undefined {
  const node = _field(root, "platforms");
  if (node === undefined) return undefined;
  const out = new Map<string, string>();
  for (const item of _asSeq(src, node, "platforms").items) {
    const map = _asMap(src, item, "a platform");
    const nameNode = _field(map, "name");
    const name = _requireString(src, map, "name", "A platform");
    if (!PLATFORM_NAME.test(name)) {
      throw _fail(src, nameNode, `invalid platform name \`${name}\`: use letters, digits, '_', '-' or '.' only.`, "Rename the platform, e.g. linux-64-cuda.", "CG_LOCK_PLATFORM");
    }
    const subdirNode = _field(map, "subdir");
    const subdir = _optionalString(map, "subdir") ?? name;
    if (!isKnownSubdir(subdir)) {
      throw _fail(src, subdirNode ?? nameNode, `platform \`${name}\` has unknown subdir \`${subdir}\`.`, "Use a conda subdir such as linux-64, osx-arm64 or win-64.", "CG_LOCK_PLATFORM");
    }
    if (out.has(name)) throw _fail(src, nameNode, `platform \`${name}\` is defined twice.`, "Keep one definition per platform name.", "CG_LOCK_PLATFORM");
    out.set(name, subdir);
  }
  return out;
}

/**
 * Reads a pixi lock (versions 4 to 7) for one environment (`default` unless
 * named; the first one when there is no `default`). Each environment platform becomes the `platform` of its packages:
 * the subdir in v4-v6, the platform name in v7 (its subdir unless renamed).
 */
export function _readPixiDocument(src: _LockSource, root: YAMLMap<unknown, unknown>, version: number, requested?: string): Lockfile {
  const format = `pixi-v${version}` as LockFormat;
  const platformDefs = version >= 7 ? readPlatforms(src, root) : undefined;
  const packagesNode = _field(root, "packages");
  const byKey = new Map<string, PixiPackage[]>();
  if (packagesNode !== undefined && !(isScalar(packagesNode) && packagesNode.value === null)) {
    for (const item of _asSeq(src, packagesNode, "packages").items) {
      const map = _asMap(src, item, "a package entry");
      const { key, kind } = packageKey(src, map, version);
      const list = byKey.get(key) ?? [];
      list.push({ key, kind, map, node: item as Node });
      byKey.set(key, list);
    }
  }
  const envsNode = _field(root, "environments");
  if (envsNode === undefined) throw _fail(src, root, "the lock has no `environments` section.", HINT);
  const envs = _asMap(src, envsNode, "environments");
  // pixi's default environment, else (nothing asked for) the first one the lock holds.
  const names = _entries(envs).map((e) => e.key);
  const environment = requested ?? (names.includes("default") ? "default" : (names[0] ?? "default"));
  // Every environment is checked (an unknown platform anywhere is an error), one is returned.
  let chosen: Lockfile | undefined;
  for (const { key: envName, value } of _entries(envs)) {
    const env = _asMap(src, value, `environment \`${envName}\``);
    const channels: LockChannel[] = [];
    const channelsNode = _field(env, "channels");
    if (channelsNode !== undefined) {
      for (const c of _asSeq(src, channelsNode, "channels").items) {
        channels.push({ url: isScalar(c) ? String(c.value) : _requireString(src, _asMap(src, c, "a channel"), "url", "A channel"), used_env_vars: [] });
      }
    }
    const packages: LockedPackage[] = [];
    const platforms: string[] = [];
    const envPackages = _field(env, "packages");
    if (envPackages !== undefined) {
      for (const { key: platform, keyNode, value: refs } of _entries(_asMap(src, envPackages, `environment \`${envName}\`'s packages`))) {
        if (platformDefs !== undefined ? !platformDefs.has(platform) : !isKnownSubdir(platform)) {
          throw _fail(src, keyNode, `environment \`${envName}\` uses platform \`${platform}\`, which ${platformDefs !== undefined ? "the `platforms` list does not define" : "is not a conda subdir"}.`, "Define the platform under `platforms:` or fix its name.", "CG_LOCK_PLATFORM");
        }
        platforms.push(platform);
        for (const refNode of _asSeq(src, refs, `packages of ${platform}`).items) {
          const ref = _asMap(src, refNode, "a package reference");
          const kind = _optionalString(ref, "conda") !== undefined || _optionalString(ref, "conda_source") !== undefined ? "conda" : "pypi";
          const key = _optionalString(ref, "conda") ?? _optionalString(ref, "conda_source") ?? _optionalString(ref, "pypi");
          if (key === undefined) throw _fail(src, ref, "a package reference has none of `conda`, `conda_source` or `pypi`.", HINT);
          const wanted = refDiscriminators(ref);
          const candidates = (byKey.get(key) ?? []).filter((p) => p.kind === kind);
          const match = candidates.find((p) => wanted.every(([k, v]) => _optionalString(p.map, k) === v)) ?? (wanted.length === 0 ? candidates[0] : undefined);
          if (match === undefined) throw _fail(src, ref, `environment \`${envName}\` refers to \`${key}\`, which the \`packages\` list does not hold.`, HINT);
          packages.push(toLocked(src, match, platform, version));
        }
      }
    }
    if (envName === environment) {
      chosen = { version, format, platforms, channels, contentHash: {}, sources: [], packages };
    }
  }
  if (chosen === undefined) {
    throw _fail(src, envs, `the lock has no environment \`${environment}\` (it has ${_entries(envs).map((e) => e.key).join(", ") || "none"}).`, "Name one of the environments the lock holds.");
  }
  return chosen;
}
