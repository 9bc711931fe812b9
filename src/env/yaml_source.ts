import { LineCounter, parseDocument, type Document, type Node } from "yaml";
import { EnvFileError, _wherePrefix, type EnvErrorCode } from "./errors.js";

/** 1-based position of something in a file. */
export interface SourceLocation {
  readonly file?: string;
  readonly line: number;
  readonly column: number;
}

/** A parsed YAML file that still knows where each node came from. */
export interface YamlSource {
  readonly text: string;
  readonly file: string | undefined;
  readonly doc: Document.Parsed;
  readonly lines: LineCounter;
}

/**
 * Parses YAML keeping positions. Syntax errors become an `EnvFileError` with
 * the position the yaml library reports; duplicate keys count as errors
 * because conda's loader would silently keep only the last one.
 */
export function _parseYamlSource(text: string, file: string | undefined, code: EnvErrorCode, what: string): YamlSource {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: true, uniqueKeys: true });
  const first = doc.errors[0];
  if (first !== undefined) {
    // The library's own message quotes source lines, which may hold tokens; only its first sentence is kept, and no cause.
    const pos = first.linePos?.[0];
    const reason = first.message.split(/ at line \d+, column \d+/)[0]?.trim() ?? first.message;
    throw new EnvFileError(
      code,
      `${_wherePrefix(file, pos?.line, pos?.col)}${what} is not valid YAML: ${reason.charAt(0).toLowerCase()}${reason.slice(1)}.`,
      {
        file,
        line: pos?.line,
        column: pos?.col,
        hint:
          first.code === "DUPLICATE_KEY"
            ? "Remove or merge the repeated key; YAML keeps only one of them."
            : "Fix the YAML syntax at that position (check indentation, and quote values that contain `: ` or start with `*`, `&`, `!` or `%`).",
      },
    );
  }
  return { text, file, doc, lines };
}

/** Where a node starts, or undefined for nodes the parser made up (an empty value). */
export function _nodeLocation(source: YamlSource, node: Node | null | undefined): SourceLocation | undefined {
  const start = node?.range?.[0];
  if (start === undefined) return undefined;
  const pos = source.lines.linePos(start);
  return { file: source.file, line: pos.line, column: pos.col };
}

/** The text between a node's value and the end of its line (where trailing comments live). */
export function _restOfLine(source: YamlSource, node: Node): string {
  const end = node.range?.[1];
  if (end === undefined) return "";
  const newline = source.text.indexOf("\n", end);
  return source.text.slice(end, newline < 0 ? source.text.length : newline);
}

/** The full source line (1-based) without its newline. */
export function _sourceLine(source: YamlSource, line: number): string {
  const starts = source.lines.lineStarts;
  const start = starts[line - 1];
  if (start === undefined) return "";
  const next = starts[line];
  return source.text.slice(start, next === undefined ? source.text.length : next).replace(/\r?\n$/, "");
}

/**
 * Offset of a scalar's first character of content: a quoted scalar's text
 * starts one column after its quote. Escapes inside double quotes can shift
 * later columns; positions inside such strings are best effort.
 */
export function _contentColumn(source: YamlSource, node: Node, location: SourceLocation): number {
  const start = node.range?.[0];
  if (start === undefined) return location.column;
  const first = source.text[start];
  return first === '"' || first === "'" ? location.column + 1 : location.column;
}
