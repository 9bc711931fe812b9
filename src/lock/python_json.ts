/** A JSON value as Python's `json` module sees it. */
export type PyJson = null | boolean | number | string | PyJson[] | { [key: string]: PyJson };

/** Escapes a string as Python's `json.dumps` does with its default `ensure_ascii=True`. */
function pyString(text: string): string {
  let out = '"';
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const ch = text[i] as string;
    if (ch === '"') out += '\\"';
    else if (ch === "\\") out += "\\\\";
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (ch === "\b") out += "\\b";
    else if (ch === "\f") out += "\\f";
    // UTF-16 code units are what Python escapes too (surrogate pairs stay pairs).
    else if (c < 0x20 || c > 0x7e) out += `\\u${c.toString(16).padStart(4, "0")}`;
    else out += ch;
  }
  return `${out}"`;
}

/**
 * The exact text of Python's `json.dumps(value, sort_keys=True)`: `", "` and
 * `": "` separators, keys sorted by code point, non-ASCII escaped. conda-lock
 * hashes this text, so a byte of difference changes the content hash.
 */
export function pythonJsonDumps(value: PyJson): string {
  if (value === null) return "null";
  if (typeof value === "boolean") return value ? "true" : "false";
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new Error(`pythonJsonDumps: ${value} has no JSON form`);
    return Number.isInteger(value) ? String(value) : JSON.stringify(value);
  }
  if (typeof value === "string") return pyString(value);
  if (Array.isArray(value)) return `[${value.map(pythonJsonDumps).join(", ")}]`;
  const keys = Object.keys(value).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${keys.map((k) => `${pyString(k)}: ${pythonJsonDumps(value[k] as PyJson)}`).join(", ")}}`;
}
