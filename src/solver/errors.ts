import { CondaguardError } from "../conda/index.js";

/** Stable codes of `SolverError`. */
export type SolverErrorCode = "CG_SOLVE_UNSAT" | "CG_SOLVE_NOT_FOUND" | "CG_SOLVE_INVALID_SPEC";

/**
 * A solve that cannot give an answer because of the request or the channels.
 *
 * - `CG_SOLVE_UNSAT`: the specs conflict; `message` is the explanation tree.
 * - `CG_SOLVE_NOT_FOUND`: a spec matches no record at all; `message` names it,
 *   with close names and the platforms that do have it.
 * - `CG_SOLVE_INVALID_SPEC`: a spec could not be parsed or contradicts itself.
 */
export class SolverError extends CondaguardError {
  declare readonly code: SolverErrorCode;
  /** For `CG_SOLVE_UNSAT` raised by pinned specs: the requested specs conflict with the pins. */
  readonly pinConflict: boolean;

  constructor(
    code: SolverErrorCode,
    message: string,
    options: { hint?: string; input?: string; cause?: unknown; pinConflict?: boolean } = {},
  ) {
    super(code, message, {
      hint: options.hint,
      input: options.input,
      cause: options.cause,
      // An unsatisfiable or unknown request is an input error like any other (DESIGN: exit 2).
      exitCode: 2,
    });
    this.pinConflict = options.pinConflict ?? false;
  }
}
