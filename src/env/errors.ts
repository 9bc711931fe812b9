import { CondaguardError, type CondaguardErrorOptions } from "../conda/index.js";

/**
 * Stable codes for everything this folder rejects. Callers (the CLI, the
 * audit report) match on these, so they never change meaning.
 */
export const ENV_ERROR_CODES = {
  /** The file is not valid YAML. */
  yaml: "CG_ENV_YAML",
  /** Valid YAML, but not the shape of an environment file (wrong types, wrong nesting). */
  schema: "CG_ENV_SCHEMA",
  /** A dependency is not a conda package spec (often a pip requirement in the conda list). */
  spec: "CG_ENV_SPEC",
  /** A .condarc file is unreadable, not YAML, or holds a setting of the wrong type. */
  condarc: "CG_CONDARC",
  /** A channel name, URL or path that cannot be resolved to a location. */
  channelUnknown: "CG_CHANNEL_UNKNOWN",
  /** An environment file that cannot be read from disk. */
  read: "CG_ENV_READ",
  /** `-n` and `-p` together, neither, or an environment name that cannot be a folder. */
  prefixUsage: "CG_PREFIX_USAGE",
} as const;

export type EnvErrorCode = (typeof ENV_ERROR_CODES)[keyof typeof ENV_ERROR_CODES];

/**
 * A problem with an environment file, a .condarc or a channel reference.
 * `message` starts with `file:line:column` whenever the input came from a
 * file, so a terminal or an editor can jump straight to it.
 */
export class EnvFileError extends CondaguardError {
  declare readonly code: EnvErrorCode;

  constructor(code: EnvErrorCode, message: string, options: CondaguardErrorOptions = {}) {
    super(code, message, options);
  }
}

/** A problem worth telling the user about that does not stop parsing (an unknown key, a mamba-only construct). */
export interface EnvWarning {
  readonly code: string;
  readonly message: string;
  readonly file?: string;
  readonly line?: number;
  readonly column?: number;
}

/**
 * `file:line:column: ` for the front of a message, or `line L, column C: `
 * when the text did not come from a named file.
 */
export function _wherePrefix(file: string | undefined, line?: number, column?: number): string {
  if (file !== undefined) {
    let where = file;
    if (line !== undefined) where += `:${line}`;
    if (line !== undefined && column !== undefined) where += `:${column}`;
    return `${where}: `;
  }
  if (line === undefined) return "";
  return column === undefined ? `line ${line}: ` : `line ${line}, column ${column}: `;
}

/**
 * Removes credentials wherever a URL appears in user text (a spec such as
 * `https://user:pw@host/ch::numpy` carries one mid-string).
 */
export function _redactCredentials(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/)[^/@\s]*@/gi, "$1***@").replace(/\/t\/[^/\s]+(?=\/|\s|$)/g, "/t/***");
}

/** Quotes user text for a message, credentials removed and shortened so one bad line cannot flood a terminal. */
export function _quote(text: string, max = 80): string {
  const oneLine = _redactCredentials(text).replace(/\s*\n\s*/g, " ");
  const cut = oneLine.length > max ? `${oneLine.slice(0, max - 1)}…` : oneLine;
  return `\`${cut}\``;
}
