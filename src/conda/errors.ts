import { CondaguardError } from "./error.js";

/**
 * Formats a one-line input with a caret under the offending character, so a
 * user sees where a spec went wrong without counting characters.
 */
export function caretLines(input: string, column: number): string {
  const at = Math.max(1, Math.min(column, input.length + 1));
  return `  ${input}\n  ${" ".repeat(at - 1)}^`;
}

/** Builds `summary` + the caret block; `column` is 1-based. */
function located(summary: string, input: string, column: number): string {
  return `${summary}\n${caretLines(input, column)}`;
}

/** A version string conda would refuse (`CG_VERSION_PARSE`). `column` points at the bad character. */
export class VersionError extends CondaguardError {
  /** What was wrong, without the quoted input (for re-wrapping in a larger message). */
  readonly reason: string;
  constructor(input: string, reason: string, column: number) {
    super("CG_VERSION_PARSE", located(`Invalid version "${input}" at column ${column}: ${reason}.`, input, column), {
      input,
      column,
      hint: "Use a conda version such as 1.2.3, 1.0rc1, 2!1.0 or 1.2+local: letters, digits, '.', '_', '-' (not mixed with '_'), '*', at most one '!' and one '+'.",
    });
    this.reason = reason;
  }
}

/** A version spec conda would refuse (`CG_VERSION_SPEC_PARSE`). `column` points at the bad character. */
export class VersionSpecError extends CondaguardError {
  readonly reason: string;
  constructor(input: string, reason: string, column: number) {
    super(
      "CG_VERSION_SPEC_PARSE",
      located(`Invalid version spec "${input}" at column ${column}: ${reason}.`, input, column),
      {
        input,
        column,
        hint: "Write constraints such as '>=1.2,<2', '1.2.*', '==1.2.3', '~=1.4' or '1.2|1.3'; ',' means and, '|' means or.",
      },
    );
    this.reason = reason;
  }
}

/** A package spec conda would refuse (`CG_MATCHSPEC_PARSE`). `column` points at the bad character. */
export class MatchSpecError extends CondaguardError {
  readonly reason: string;
  constructor(input: string, reason: string, column: number, hint?: string) {
    super("CG_MATCHSPEC_PARSE", located(`Invalid package spec "${input}" at column ${column}: ${reason}.`, input, column), {
      input,
      column,
      hint:
        hint ??
        "Write a spec such as 'numpy', 'numpy >=1.2,<2', 'numpy=1.2=py39*', 'conda-forge::numpy 1.26.*' or \"numpy[version='>=1.2', build=py*]\".",
    });
    this.reason = reason;
  }
}
