import { LockError, _where } from "./errors.js";
import { packagesForPlatform, parseArchiveUrl, type LockedPackage, type Lockfile } from "./model.js";

/**
 * CEP 23's explicit line: a URL (or path) ending in a `.conda`/`.tar.bz2`
 * file name, optionally followed by `#<md5>` (32 hex), `#<sha256>` (64 hex)
 * or `#sha256:<sha256>`.
 */
const EXPLICIT_LINE = /^(?<url>(?:.+[/\\])?[^/\\#]+(?:\.tar\.bz2|\.conda))(?:#(?<hash>.*))?$/;
const MD5 = /^[0-9a-f]{32}$/;
const SHA256 = /^(?:sha256:)?([0-9a-f]{64})$/;

const HINT = "Each line after @EXPLICIT must be a package URL ending in .conda or .tar.bz2, optionally followed by #<md5>, #<sha256> or #sha256:<sha256>.";

/**
 * Reads an `@EXPLICIT` file (CEP 23) into locked packages: name, version,
 * build, subdir and channel from each URL, md5 or sha256 from its anchor.
 * Comments and blank lines are skipped; `# platform: X` sets the platform
 * (else each package's subdir). A line that is not a package URL fails
 * with `CG_LOCK_EXPLICIT` naming `file:line:column`.
 */
export function readExplicit(text: string, file: string): LockedPackage[] {
  const lines = text.split(/\r?\n/);
  const platform = /^#\s*platform:\s*(\S+)/m.exec(text)?.[1];
  const out: LockedPackage[] = [];
  let explicit = false;
  lines.forEach((raw, index) => {
    const line = raw.trim();
    const column = raw.length - raw.trimStart().length + 1;
    if (line === "" || line.startsWith("#")) return;
    if (line === "@EXPLICIT") {
      explicit = true;
      return;
    }
    const fail = (what: string): never => {
      throw new LockError("CG_LOCK_EXPLICIT", `${_where(file, index + 1, column)}${what}`, { file, line: index + 1, column, input: line, hint: HINT });
    };
    if (!explicit) fail("expected `@EXPLICIT` before the first package URL.");
    const m = EXPLICIT_LINE.exec(line);
    if (m === null) fail(`\`${line.length > 80 ? `${line.slice(0, 77)}...` : line}\` is not a package URL ending in .conda or .tar.bz2.`);
    const url = m?.groups?.url as string;
    const hash = m?.groups?.hash;
    const parts = parseArchiveUrl(url);
    if (parts === undefined) fail(`the file name in \`${url}\` is not name-version-build.conda or .tar.bz2.`);
    const pkg: LockedPackage = {
      manager: "conda",
      name: parts!.name,
      version: parts!.version,
      build: parts!.build,
      platform: platform ?? (parts!.subdir === "noarch" ? "noarch" : parts!.subdir),
      url,
      dependencies: {},
      depends: [],
      category: "main",
      optional: false,
      fn: parts!.fn,
    };
    if (parts!.subdir !== "") pkg.subdir = parts!.subdir;
    if (parts!.channel !== "") pkg.channel = parts!.channel;
    if (hash !== undefined) {
      const lower = hash.toLowerCase();
      const sha = SHA256.exec(lower);
      if (MD5.test(lower)) pkg.md5 = lower;
      else if (sha !== null) pkg.sha256 = sha[1] as string;
      else fail(`\`#${hash}\` is neither an md5 (32 hex digits) nor a sha256 (64 hex digits, optionally after \`sha256:\`).`);
    }
    out.push(pkg);
  });
  return out;
}

export interface ExportExplicitOptions {
  /** Which hash goes after `#`: sha256 (default, md5 where a package has none) or md5 (for conda older than 23). */
  hash?: "sha256" | "md5";
  /** Categories to include (default: all). */
  categories?: readonly string[];
}

/**
 * Conda packages in dependency order (a package after what it depends on),
 * ties by name: conda links an explicit file in the order given.
 */
function dependencyOrder(packages: readonly LockedPackage[]): LockedPackage[] {
  const byName = new Map(packages.map((p) => [p.name, p]));
  const sorted = [...packages].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const done = new Set<string>();
  const visiting = new Set<string>();
  const out: LockedPackage[] = [];
  const visit = (pkg: LockedPackage): void => {
    if (done.has(pkg.name) || visiting.has(pkg.name)) return; // a cycle is broken where it is found
    visiting.add(pkg.name);
    const deps = Object.keys(pkg.dependencies).length > 0 ? Object.keys(pkg.dependencies) : pkg.depends.map((d) => d.split(/[\s=<>!~]/)[0] ?? d);
    for (const dep of [...deps].sort()) {
      const target = byName.get(dep);
      if (target !== undefined) visit(target);
    }
    visiting.delete(pkg.name);
    done.add(pkg.name);
    out.push(pkg);
  };
  for (const pkg of sorted) visit(pkg);
  return out;
}

/**
 * The lock's conda packages for `platform` as an `@EXPLICIT` file for
 * `conda create --file` / `micromamba create -f`: one URL per line with
 * `#<sha256>` (CEP 23; `#<md5>` where there is no sha256), dependencies
 * first. pip packages cannot be expressed and are listed as comments.
 */
export function exportExplicit(lock: Lockfile, platform: string, options: ExportExplicitOptions = {}): string {
  if (!lock.platforms.includes(platform) && !lock.packages.some((p) => p.platform === platform)) {
    throw new LockError("CG_LOCK_PLATFORM", `The lock has no platform ${platform} (it has ${lock.platforms.join(", ") || "none"}).`, {
      input: platform,
      hint: "Pick one of the lock's platforms, or re-lock with that platform added.",
    });
  }
  const packages = packagesForPlatform(lock, platform, options.categories);
  const conda = dependencyOrder(packages.filter((p) => p.manager === "conda" && !p.name.startsWith("__") && p.source === undefined));
  const lines = [
    "# This file may be used to create an environment using:",
    "# $ conda create --name <env> --file <this file>",
    "# Generated by condaguard from a lock; every line pins an archive by hash.",
    `# platform: ${platform}`,
  ];
  const hash = lock.contentHash[platform];
  if (hash !== undefined) lines.push(`# input_hash: ${hash}`);
  lines.push("@EXPLICIT");
  for (const p of conda) {
    const digest = options.hash === "md5" ? (p.md5 ?? p.sha256) : (p.sha256 ?? p.md5);
    lines.push(digest === undefined ? p.url : `${p.url}#${digest}`);
  }
  const pip = packages.filter((p) => p.manager === "pip");
  if (pip.length > 0) {
    lines.push("# pip packages (install them with pip after creating the environment):");
    for (const p of pip) lines.push(`# pip ${p.name} @ ${p.url}${p.sha256 === undefined ? "" : `#sha256=${p.sha256}`}`);
  }
  const unresolved = lock.pipRequirements?.[platform] ?? [];
  for (const req of unresolved) lines.push(`# pip requirement not locked: ${req}`);
  return `${lines.join("\n")}\n`;
}
