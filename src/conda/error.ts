/**
 * The base of every error a user can cause (bad input, unreachable channel,
 * corrupt file). Each folder subclasses it once; plain `Error` means a bug.
 * The CLI prints `message` and `hint` for these and never a stack trace.
 */
export interface ErrorLocation {
  /** The file the bad input came from, when there is one. */
  file?: string;
  /** 1-based line and column in that file (or in a one-line input such as a spec). */
  line?: number;
  column?: number;
}

export interface CondaguardErrorOptions extends ErrorLocation {
  /** What the user can do about it, one sentence. */
  hint?: string;
  /** The offending input (a spec, a URL without credentials, a package name). */
  input?: string;
  cause?: unknown;
  /** Process exit code the CLI should use; 2 (usage or input error) unless said otherwise. */
  exitCode?: number;
}

export class CondaguardError extends Error {
  /** Stable identifier such as `CG_MATCHSPEC_PARSE`; safe to match on. */
  readonly code: string;
  readonly hint: string | undefined;
  readonly input: string | undefined;
  readonly file: string | undefined;
  readonly line: number | undefined;
  readonly column: number | undefined;
  readonly exitCode: number;

  constructor(code: string, message: string, options: CondaguardErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.hint = options.hint;
    this.input = options.input;
    this.file = options.file;
    this.line = options.line;
    this.column = options.column;
    this.exitCode = options.exitCode ?? 2;
  }

  /** `file:line:column` when known, for the front of a printed message. */
  location(): string | undefined {
    if (this.file === undefined) return undefined;
    let where = this.file;
    if (this.line !== undefined) where += `:${this.line}`;
    if (this.line !== undefined && this.column !== undefined) where += `:${this.column}`;
    return where;
  }

  toJSON(): Record<string, unknown> {
    return {
      code: this.code,
      message: this.message,
      hint: this.hint,
      input: this.input,
      file: this.file,
      line: this.line,
      column: this.column,
    };
  }
}

export function isCondaguardError(value: unknown): value is CondaguardError {
  return value instanceof CondaguardError;
}
