import { SolveAbortedError, SolveTimeoutError } from "./errors.js";

/** A check that throws once the deadline has passed or the signal was aborted. */
export function _makeInterruptCheck(timeoutMs: number | undefined, signal: AbortSignal | undefined): () => void {
  const started = performance.now();
  return () => {
    if (signal?.aborted === true) throw new SolveAbortedError(signal.reason);
    if (timeoutMs !== undefined && performance.now() - started > timeoutMs) throw new SolveTimeoutError(timeoutMs);
  };
}
