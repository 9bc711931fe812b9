/**
 * Typed access to a parsed lockfile that keeps positions, so every format
 * error names the file, line and column of the offending field.
 */
import { LineCounter, isMap, isScalar, isSeq, parseDocument, type Document, type Node, type YAMLMap, type YAMLSeq } from "yaml";
import { LockError, _where } from "./errors.js";

export interface _LockSource {
  file: string;
  doc: Document.Parsed;
  lines: LineCounter;
}

/** Parses YAML (JSON is YAML) and fails with `CG_LOCK_PARSE` at the first syntax error or duplicate key. */
export function _parseLockYaml(text: string, file: string): _LockSource {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const first = doc.errors[0];
  if (first !== undefined) {
    const pos = lines.linePos(first.pos[0]);
    const what = first.code === "DUPLICATE_KEY" ? "a key is defined twice" : first.message.split("\n")[0];
    throw new LockError("CG_LOCK_PARSE", `${_where(file, pos.line, pos.col)}not a valid lockfile: ${what}.`, {
      file,
      line: pos.line,
      column: pos.col,
      hint: first.code === "DUPLICATE_KEY" ? "Remove the repeated key; each key may appear once per mapping." : "Fix the YAML syntax at that position, or regenerate the lockfile.",
    });
  }
  return { file, doc, lines };
}

/** 1-based line and column of a node (the document start when unknown). */
export function _pos(src: _LockSource, node: Node | null | undefined): { line: number; column: number } {
  const offset = node?.range?.[0] ?? 0;
  const p = src.lines.linePos(offset);
  return { line: p.line, column: p.col };
}

/** A `CG_LOCK_FORMAT` (or other code) error located at `node`. */
export function _fail(src: _LockSource, node: Node | null | undefined, message: string, hint: string, code: "CG_LOCK_FORMAT" | "CG_LOCK_PLATFORM" = "CG_LOCK_FORMAT"): LockError {
  const { line, column } = _pos(src, node);
  return new LockError(code, `${_where(src.file, line, column)}${message}`, { file: src.file, line, column, hint });
}

const HINT = "Regenerate the lockfile with conda-lock, pixi or condaguard, or fix the field by hand.";

export function _asMap(src: _LockSource, node: unknown, what: string): YAMLMap<unknown, unknown> {
  if (isMap(node)) return node as YAMLMap<unknown, unknown>;
  throw _fail(src, node as Node | undefined, `expected ${what} to be a mapping.`, HINT);
}

export function _asSeq(src: _LockSource, node: unknown, what: string): YAMLSeq<unknown> {
  if (isSeq(node)) return node as YAMLSeq<unknown>;
  throw _fail(src, node as Node | undefined, `expected ${what} to be a list.`, HINT);
}

/** The value node under `key`, or undefined. */
export function _field(map: YAMLMap<unknown, unknown>, key: string): Node | undefined {
  const pair = map.items.find((p) => isScalar(p.key) && String(p.key.value) === key);
  return (pair?.value ?? undefined) as Node | undefined;
}

/** The keys of a mapping, as strings, with their key nodes. */
export function _entries(map: YAMLMap<unknown, unknown>): Array<{ key: string; keyNode: Node; value: Node | undefined }> {
  return map.items.map((p) => ({ key: isScalar(p.key) ? String(p.key.value) : String(p.key), keyNode: p.key as Node, value: (p.value ?? undefined) as Node | undefined }));
}

/** A scalar as text (numbers such as `version: 1.10` come back as written, not as 1.1). */
export function _scalarText(node: Node | undefined): string | undefined {
  if (!isScalar(node)) return undefined;
  if (node.value === null) return undefined;
  if (typeof node.value === "number" && typeof node.source === "string") return node.source;
  return String(node.value);
}

export function _requireString(src: _LockSource, map: YAMLMap<unknown, unknown>, key: string, what: string): string {
  const node = _field(map, key);
  const text = _scalarText(node);
  if (text === undefined) throw _fail(src, node ?? map, `${what} has no \`${key}\`.`, HINT);
  return text;
}

export function _optionalString(map: YAMLMap<unknown, unknown>, key: string): string | undefined {
  return _scalarText(_field(map, key));
}

export function _optionalNumber(map: YAMLMap<unknown, unknown>, key: string): number | undefined {
  const node = _field(map, key);
  if (!isScalar(node)) return undefined;
  return typeof node.value === "number" ? node.value : undefined;
}

export function _stringList(src: _LockSource, map: YAMLMap<unknown, unknown>, key: string, what: string): string[] {
  const node = _field(map, key);
  if (node === undefined || (isScalar(node) && node.value === null)) return [];
  return _asSeq(src, node, `${what}'s \`${key}\``).items.map((item) => _scalarText(item as Node) ?? "");
}
