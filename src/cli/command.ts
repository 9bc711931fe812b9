/**
 * What every command returns: the CLI prints `output` (already formatted as
 * text or JSON) and exits with `exitCode`. Keeping commands free of
 * `process.exit` and `console` makes them testable in-process.
 */
export interface CommandResult {
  exitCode: number;
  output: string;
  /** Lines for stderr (progress summaries, warnings). */
  diagnostics?: string[];
}

/** Options every command accepts. */
export interface GlobalOptions {
  json: boolean;
  quiet: boolean;
}

export function jsonResult(value: unknown, exitCode = 0): CommandResult {
  return { exitCode, output: JSON.stringify(value, null, 2) + "\n" };
}

/** Formats rows as left-aligned columns separated by two spaces (the last column is not padded). */
export function formatTable(header: string[], rows: string[][]): string {
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((r) => (r[i] ?? "").length)));
  return (
    all
      .map((r) =>
        r
          .map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
          .join("  ")
          .trimEnd(),
      )
      .join("\n") + "\n"
  );
}
