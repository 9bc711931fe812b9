import { isMap, isScalar, type Node, type YAMLMap } from "yaml";
import { dependsFromMap, mapFromDepends, _withUrlParts, type LockChannel, type LockedPackage, type Lockfile, type LockFormat } from "./model.js";
import { PIP_REQUIREMENTS_KEY } from "./conda_lock_write.js";
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

const HINT = "conda-lock v1 entries need name, version, manager (conda or pip), platform, url and hash; regenerate the lock.";

function readChannels(src: _LockSource, metadata: YAMLMap<unknown, unknown>): LockChannel[] {
  const node = _field(metadata, "channels");
  if (node === undefined) return [];
  return _asSeq(src, node, "metadata.channels").items.map((item) => {
    if (isScalar(item)) return { url: String(item.value), used_env_vars: [] };
    const map = _asMap(src, item, "a channel");
    return { url: _requireString(src, map, "url", "A channel"), used_env_vars: _stringList(src, map, "used_env_vars", "A channel") };
  });
}

function stringMap(src: _LockSource, node: Node | undefined, what: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (node === undefined || (isScalar(node) && node.value === null)) return out;
  for (const { key, value } of _entries(_asMap(src, node, what))) out[key] = _scalarText(value) ?? "";
  return out;
}

/** `dependencies` is a map in conda-lock v0/v1 and a list of MatchSpecs in pixi's v3 (conda-lock-like) files. */
function readDependencies(src: _LockSource, node: Node | undefined): { dependencies: Record<string, string>; depends: string[] } {
  if (node === undefined || (isScalar(node) && node.value === null)) return { dependencies: {}, depends: [] };
  if (isMap(node)) {
    const dependencies = stringMap(src, node, "dependencies");
    return { dependencies, depends: dependsFromMap(dependencies) };
  }
  const depends = _asSeq(src, node, "dependencies").items.map((i) => _scalarText(i as Node) ?? "");
  return { dependencies: mapFromDepends(depends), depends };
}

function readPackage(src: _LockSource, node: unknown, format: LockFormat): LockedPackage {
  const map = _asMap(src, node, "a package entry");
  const name = _requireString(src, map, "name", "A package entry");
  const what = `Package \`${name}\``;
  const manager = _requireString(src, map, "manager", what);
  if (manager !== "conda" && manager !== "pip") {
    throw _fail(src, _field(map, "manager"), `${what} has manager \`${manager}\`; expected conda or pip.`, HINT);
  }
  const hashNode = _field(map, "hash");
  if (hashNode === undefined) throw _fail(src, map, `${what} has no \`hash\`.`, HINT);
  const hash = _asMap(src, hashNode, `${what}'s hash`);
  const category = _optionalString(map, "category") ?? "main";
  const optionalNode = _field(map, "optional");
  const pkg: LockedPackage = {
    manager,
    name,
    version: _requireString(src, map, "version", what),
    platform: _requireString(src, map, "platform", what),
    url: _requireString(src, map, "url", what),
    ...readDependencies(src, _field(map, "dependencies")),
    category,
    optional: isScalar(optionalNode) && typeof optionalNode.value === "boolean" ? optionalNode.value : category !== "main",
  };
  const md5 = _optionalString(hash, "md5");
  const sha256 = _optionalString(hash, "sha256");
  if (md5 !== undefined) pkg.md5 = md5;
  if (sha256 !== undefined) pkg.sha256 = sha256;
  if (md5 === undefined && sha256 === undefined && format === "conda-lock-v1") {
    throw _fail(src, hashNode, `${what} has an empty \`hash\`; expected md5 and/or sha256.`, HINT);
  }
  const build = _optionalString(map, "build");
  if (build !== undefined) pkg.build = build;
  const buildNumber = _optionalNumber(map, "build_number");
  if (buildNumber !== undefined) pkg.buildNumber = buildNumber;
  const subdir = _optionalString(map, "subdir");
  if (subdir !== undefined) pkg.subdir = subdir;
  const size = _optionalNumber(map, "size");
  if (size !== undefined) pkg.size = size;
  const timestamp = _optionalNumber(map, "timestamp");
  if (timestamp !== undefined) pkg.timestamp = timestamp;
  const license = _optionalString(map, "license");
  if (license !== undefined && license !== "None") pkg.license = license;
  const constrainsNode = _field(map, "constrains");
  if (constrainsNode !== undefined) {
    pkg.constrains = isMap(constrainsNode) ? dependsFromMap(stringMap(src, constrainsNode, "constrains")) : _stringList(src, map, "constrains", what);
  }
  return _withUrlParts(pkg);
}

/**
 * Reads conda-lock's format: v1 (`version: 1`), v0 (no version key) and the
 * conda-lock-like v3 that early pixi wrote (dependencies as a list).
 */
export function _readCondaLockDocument(src: _LockSource, root: YAMLMap<unknown, unknown>, version: number): Lockfile {
  const format: LockFormat = version === 0 ? "conda-lock-v0" : version === 1 ? "conda-lock-v1" : "pixi-v3";
  // Packages first: a broken entry is the more useful message than a missing metadata block.
  const packageNode = _field(root, "package");
  const packages = packageNode === undefined || (isScalar(packageNode) && packageNode.value === null)
    ? []
    : _asSeq(src, packageNode, "package").items.map((item) => readPackage(src, item, format));
  const metadataNode = _field(root, "metadata");
  if (metadataNode === undefined) throw _fail(src, root, "the lockfile has no `metadata` section.", HINT);
  const metadata = _asMap(src, metadataNode, "metadata");
  const custom = stringMap(src, _field(metadata, "custom_metadata"), "metadata.custom_metadata");
  const pipRequirements: Record<string, string[]> = {};
  const customMetadata: Record<string, string> = {};
  for (const [key, value] of Object.entries(custom)) {
    if (key.startsWith(`${PIP_REQUIREMENTS_KEY}:`)) pipRequirements[key.slice(PIP_REQUIREMENTS_KEY.length + 1)] = value.split("\n").filter(Boolean);
    else customMetadata[key] = value;
  }
  const lock: Lockfile = {
    version,
    format,
    platforms: _stringList(src, metadata, "platforms", "metadata"),
    channels: readChannels(src, metadata),
    contentHash: stringMap(src, _field(metadata, "content_hash"), "metadata.content_hash"),
    sources: _stringList(src, metadata, "sources", "metadata"),
    packages,
  };
  if (Object.keys(pipRequirements).length > 0) lock.pipRequirements = pipRequirements;
  if (Object.keys(customMetadata).length > 0) lock.customMetadata = customMetadata;
  return lock;
}
