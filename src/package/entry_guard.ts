import { PackageError } from "./errors.js";

/**
 * Pure checks on archive entry names and link targets. Everything works on
 * `/`-separated paths relative to the extraction root, and never touches the
 * disk: the extractor knows every link it made, so it can resolve them here.
 */

/** Case-insensitive file systems (macOS, Windows) treat `Lib` and `lib` as one name. */
const FOLD_CASE = process.platform === "darwin" || process.platform === "win32";

/** The key under which an entry path is remembered. */
export function entryKey(rel: string): string {
  return FOLD_CASE ? rel.toLowerCase() : rel;
}

/** An unsafe-entry error naming the archive and the entry. */
export function unsafeEntry(archive: string, entry: string, why: string): PackageError {
  return new PackageError("CG_PACKAGE_UNSAFE_ENTRY", `${archive}: refusing entry ${JSON.stringify(entry)}: ${why}.`, {
    archive,
    entry,
    file: archive,
  });
}

/**
 * Turns a tar entry name into a clean relative path (`./a//b/` -> `a/b`), or
 * throws for names that could leave the root: absolute, drive-letter, `..`
 * components, NUL bytes, and on Windows backslashes.
 * Returns "" for the root itself (`./`).
 */
export function normaliseEntryName(archive: string, name: string): string {
  if (name.includes("\0")) throw unsafeEntry(archive, name, "the name holds a NUL byte");
  if (name.startsWith("/") || /^[A-Za-z]:/.test(name) || name.startsWith("\\")) {
    throw unsafeEntry(archive, name, "absolute paths are not allowed");
  }
  const parts = name.split(process.platform === "win32" ? /[\\/]/ : "/");
  const out: string[] = [];
  for (const part of parts) {
    if (part === "" || part === ".") continue;
    if (part === "..") throw unsafeEntry(archive, name, `".." components are not allowed`);
    out.push(part);
  }
  return out.join("/");
}

/** The folder part of a relative path, as components. */
export function parentParts(rel: string): string[] {
  const parts = rel.split("/");
  parts.pop();
  return parts;
}

const MAX_LINK_DEPTH = 40;

/**
 * Resolves `target` as seen from the folder `base` (components under the
 * root), following the symlinks in `links` (entry key -> target). Returns the
 * resolved components, or undefined when the path leaves the root, is
 * absolute, or loops.
 */
export function resolveInside(base: readonly string[], target: string, links: ReadonlyMap<string, string>, depth = 0): string[] | undefined {
  if (target.startsWith("/") || /^[A-Za-z]:/.test(target) || target.startsWith("\\")) return undefined;
  let stack = [...base];
  for (const part of target.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") {
      if (stack.length === 0) return undefined;
      stack.pop();
      continue;
    }
    stack.push(part);
    const link = links.get(entryKey(stack.join("/")));
    if (link !== undefined) {
      if (depth >= MAX_LINK_DEPTH) return undefined;
      stack.pop();
      const resolved = resolveInside(stack, link, links, depth + 1);
      if (resolved === undefined) return undefined;
      stack = resolved;
    }
  }
  return stack;
}
