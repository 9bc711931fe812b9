import { MatchSpec } from "../conda/index.js";

/**
 * Checks one dependency string. Throws a `CondaguardError` (ideally with a
 * 1-based `column` inside the text) when it is not a valid conda spec; the
 * return value is ignored by this folder.
 */
export type SpecParser = (text: string) => unknown;

/** conda's MatchSpec grammar, from src/conda. */
export const defaultSpecParser: SpecParser = (text) => MatchSpec.parse(text);

/**
 * The reason of a spec error without the input repeated and without the
 * caret drawing src/conda adds for one-line inputs: this folder prints the
 * file position instead.
 */
export function _specErrorReason(error: Error): string {
  const reason = (error as { reason?: unknown }).reason;
  if (typeof reason === "string" && reason !== "") return reason;
  return (error.message.split("\n")[0] ?? error.message).replace(/\.\s*$/, "");
}
