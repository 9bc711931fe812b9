import { CondaguardError } from "../../conda/index.js";

/** The solve ran past `Problem.timeoutMs`. */
export class SolveTimeoutError extends CondaguardError {
  readonly timeoutMs: number;
  constructor(timeoutMs: number) {
    super("CG_SOLVE_TIMEOUT", `Solving took longer than ${timeoutMs} ms and was stopped.`, {
      hint: "Pin more packages to narrow the search, or raise the timeout.",
      exitCode: 1,
    });
    this.timeoutMs = timeoutMs;
  }
}

/** The solve was stopped through `Problem.signal`. */
export class SolveAbortedError extends CondaguardError {
  constructor(cause: unknown) {
    super("CG_SOLVE_ABORTED", "Solving was cancelled.", { cause, exitCode: 1 });
  }
}
