/**
 * Recognises requirement lines that only pip understands. conda's MatchSpec
 * grammar happens to accept `name==1.0`, so pip-style pins are fine in the
 * conda list; these constructs are not, and conda's own error for them
 * ("invalid spec") does not tell the user the real fix: move the line under
 * `- pip:`.
 */
export interface PipOnlySyntax {
  /** Why the text is pip syntax, as a phrase for an error message. */
  readonly reason: string;
  /** 0-based offset in the text where the pip-only part starts. */
  readonly offset: number;
}

const WHEEL = /\.whl(?:$|[#?])/i;

export function _findPipOnlySyntax(text: string): PipOnlySyntax | undefined {
  const trimmed = text.trimStart();
  const lead = text.length - trimmed.length;
  if (trimmed.startsWith("-")) {
    return { reason: "it is a pip option (`-e`, `-r`, `--index-url`, ...)", offset: lead };
  }
  if (/^(?:git|hg|svn|bzr)\+/i.test(trimmed)) {
    return { reason: "it is a version-control requirement, which only pip can install", offset: lead };
  }
  if (WHEEL.test(trimmed)) {
    return { reason: "it points to a Python wheel, which only pip can install", offset: lead };
  }
  const marker = text.indexOf(";");
  if (marker >= 0) {
    return { reason: "`;` starts a PEP 508 environment marker, which conda does not read", offset: marker };
  }
  const direct = /\s@\s*\S/.exec(text);
  if (direct !== null) {
    return { reason: "`name @ url` is a pip direct reference", offset: direct.index + 1 };
  }
  // conda brackets hold key=value pairs (`blas[build=mkl]`); bare words are pip extras.
  const bracket = /^\s*[A-Za-z0-9_.\-]+\s*\[([^\]=]*)\]/.exec(text);
  if (bracket !== null) {
    return { reason: "`[...]` without `key=value` is a pip extra", offset: text.indexOf("[") };
  }
  const arbitrary = text.indexOf("===");
  if (arbitrary >= 0) {
    return { reason: "`===` is pip's arbitrary-equality operator", offset: arbitrary };
  }
  return undefined;
}
