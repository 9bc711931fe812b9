import { readFile } from "node:fs/promises";
import { isMap, isScalar, type YAMLMap } from "yaml";
import { LockError, _where } from "./errors.js";
import { _readCondaLockDocument } from "./conda_lock_read.js";
import { _readPixiDocument } from "./pixi_lock_read.js";
import { readExplicit } from "./explicit.js";
import { _asMap, _entries, _fail, _field, _optionalString, _parseLockYaml, _scalarText, type _LockSource } from "./lock_yaml.js";
import type { LockedPackage, Lockfile } from "./model.js";

export interface ParseLockfileOptions {
  /** pixi locks: the environment to read (default `default`). */
  environment?: string;
}

/** Reads mambajs/emscripten-forge style JSON locks (`lockVersion`): one platform, packages by file name, channels by name. */
function readMambajs(src: _LockSource, root: YAMLMap<unknown, unknown>): Lockfile {
  const lockVersion = _optionalString(root, "lockVersion") ?? "";
  if (!/^1\./.test(lockVersion)) {
    throw _fail(src, _field(root, "lockVersion"), `unsupported mambajs lock version \`${lockVersion}\`; condaguard reads version 1.x.`, "Regenerate the lock with a current mambajs or micromamba.");
  }
  const platform = _optionalString(root, "platform");
  if (platform === undefined) throw _fail(src, root, "the lock has no `platform`.", "Regenerate the lockfile.");
  const channelUrl = new Map<string, string>();
  const infoNode = _field(root, "channelInfo");
  if (infoNode !== undefined) {
    for (const { key, value } of _entries(_asMap(src, infoNode, "channelInfo"))) {
      const first = (value as { items?: unknown[] } | undefined)?.items?.[0];
      if (isMap(first)) channelUrl.set(key, _optionalString(first as YAMLMap<unknown, unknown>, "url") ?? key);
    }
  }
  const packages: LockedPackage[] = [];
  const pkgsNode = _field(root, "packages");
  if (pkgsNode !== undefined) {
    for (const { key: fn, value } of _entries(_asMap(src, pkgsNode, "packages"))) {
      const map = _asMap(src, value, `package ${fn}`);
      const channelName = _optionalString(map, "channel") ?? "";
      const subdir = _optionalString(map, "subdir") ?? platform;
      const channel = (channelUrl.get(channelName) ?? channelName).replace(/\/+$/, "");
      const hashNode = _field(map, "hash");
      const hash = hashNode !== undefined ? _asMap(src, hashNode, "hash") : undefined;
      const pkg: LockedPackage = {
        manager: "conda",
        name: _optionalString(map, "name") ?? fn,
        version: _optionalString(map, "version") ?? "",
        build: _optionalString(map, "build") ?? "",
        platform,
        url: `${channel}/${subdir}/${fn}`,
        dependencies: {},
        depends: [],
        category: "main",
        optional: false,
        subdir,
        channel,
        fn,
      };
      const md5 = hash && _optionalString(hash, "md5");
      const sha256 = hash && _optionalString(hash, "sha256");
      if (md5) pkg.md5 = md5;
      if (sha256) pkg.sha256 = sha256;
      packages.push(pkg);
    }
  }
  const pipNode = _field(root, "pipPackages");
  if (pipNode !== undefined) {
    for (const { key: fn, value } of _entries(_asMap(src, pipNode, "pipPackages"))) {
      const map = _asMap(src, value, `pip package ${fn}`);
      packages.push({
        manager: "pip",
        name: _optionalString(map, "name") ?? fn,
        version: _optionalString(map, "version") ?? "",
        platform,
        url: _optionalString(map, "url") ?? "",
        dependencies: {},
        depends: [],
        category: "main",
        optional: false,
        fn,
      });
    }
  }
  const channels = (_field(root, "channels") as { items?: unknown[] } | undefined)?.items ?? [];
  return {
    version: 1,
    format: "mambajs",
    platforms: [platform],
    channels: channels.map((c) => ({ url: isScalar(c) ? String(c.value) : "", used_env_vars: [] })),
    contentHash: {},
    sources: [],
    packages,
  };
}

/** The pixi lock versions this folder reads; older ones are conda-lock-like (v3) or not supported. */
const PIXI_VERSIONS = new Set([4, 5, 6, 7]);

/**
 * Reads a lockfile of any supported format from its text, detecting the
 * format: conda-lock v1 (and v0), pixi v3-v7, mambajs JSON locks and
 * `@EXPLICIT` files. `file` is used in error messages only.
 */
export function parseLockfile(text: string, file: string, options: ParseLockfileOptions = {}): Lockfile {
  if (/^\s*@EXPLICIT\s*$/m.test(text) && !/^\s*(version|metadata|package|packages)\s*:/m.test(text)) {
    const packages = readExplicit(text, file);
    const platform = /^#\s*platform:\s*(\S+)/m.exec(text)?.[1] ?? packages[0]?.platform ?? "";
    const platforms = platform === "" ? [] : [platform];
    return { version: 1, format: "explicit", platforms, channels: [], contentHash: {}, sources: [], packages: packages.map((p) => ({ ...p, platform: platform || p.platform })) };
  }
  const src = _parseLockYaml(text, file);
  const contents = src.doc.contents;
  if (!isMap(contents)) {
    throw new LockError("CG_LOCK_FORMAT", `${_where(file, 1, 1)}not a lockfile: expected a mapping with \`version\` and packages.`, {
      file,
      line: 1,
      column: 1,
      hint: "Pass a conda-lock.yml, pixi.lock or @EXPLICIT file.",
    });
  }
  const root = _asMap(src, contents, "the document");
  if (_field(root, "lockVersion") !== undefined) return readMambajs(src, root);
  const versionNode = _field(root, "version");
  if (versionNode === undefined) {
    if (_field(root, "metadata") !== undefined && _field(root, "package") !== undefined) return _readCondaLockDocument(src, root, 0);
    throw _fail(src, root, "not a lockfile we know: it has no `version` key.", "Pass a conda-lock.yml (version 1), a pixi.lock (versions 3-7) or an @EXPLICIT file.");
  }
  const versionText = _scalarText(versionNode) ?? "";
  const version = Number(versionText);
  if (!Number.isInteger(version)) {
    throw _fail(src, versionNode, `lockfile version \`${versionText}\` is not a whole number.`, "Regenerate the lockfile.");
  }
  if (version === 1) return _readCondaLockDocument(src, root, 1);
  if (version === 3 && _field(root, "metadata") !== undefined) return _readCondaLockDocument(src, root, 3);
  if (PIXI_VERSIONS.has(version)) return _readPixiDocument(src, root, version, options.environment);
  throw _fail(
    src,
    versionNode,
    `unsupported lockfile version ${version}: condaguard reads conda-lock version 1 and pixi versions 3 to 7.`,
    version > 7 ? "This lock was written by a newer tool; update condaguard or re-lock with conda-lock." : "Regenerate the lockfile with a current conda-lock or pixi.",
  );
}

/** Reads and parses a lockfile from disk (see `parseLockfile`). */
export async function readLockfile(path: string, options: ParseLockfileOptions = {}): Promise<Lockfile> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new LockError("CG_LOCK_READ", `Cannot read the lockfile ${path}: ${code}.`, { file: path, hint: "Check the path; create a lock with `condaguard lock`.", cause: err });
  }
  return parseLockfile(text, path, options);
}
