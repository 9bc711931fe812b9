import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { MatchSpec } from "../conda/index.js";

// conda writes the spec lists as Python reprs: ['a', "b's"]. Only string
// items occur, so a quoted-string scan is enough.
const ITEM = /'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)"/g;

function parseList(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(ITEM)) out.push((m[1] ?? m[2] ?? "").replace(/\\(.)/g, "$1"));
  return out;
}

function nameOf(spec: string): string | undefined {
  try {
    return MatchSpec.parse(spec).name;
  } catch {
    return undefined;
  }
}

/**
 * The specs the user asked for over the prefix's life, from
 * conda-meta/history: `update specs` (conda writes them for create, install
 * and update) add or replace a name's spec, `remove specs` drop it. The
 * result constrains later solves, as conda's requested-specs map does.
 */
export function requestedSpecsFromHistory(text: string): Map<string, string> {
  const specs = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const m = /^#\s*(update|remove|neutered)\s+specs:\s*(.*)$/.exec(line.trim());
    if (m === null) continue;
    for (const spec of parseList(m[2] as string)) {
      const name = nameOf(spec);
      if (name === undefined) continue;
      if (m[1] === "remove") specs.delete(name);
      else if (m[1] === "update") specs.set(name, spec);
      // neutered specs replace a spec conda relaxed; keep the relaxed one
      else if (specs.has(name)) specs.set(name, spec);
    }
  }
  return specs;
}

/** `requestedSpecsFromHistory` of `<prefix>/conda-meta/history`; empty when there is none. */
export async function readRequestedSpecs(prefix: string): Promise<Map<string, string>> {
  try {
    return requestedSpecsFromHistory(await readFile(join(prefix, "conda-meta", "history"), "utf8"));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return new Map();
    throw err;
  }
}
