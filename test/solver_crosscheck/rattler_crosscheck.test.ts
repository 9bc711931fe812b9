// Cross-check on real data: every problem of test/helpers/solve_problems.ts is
// solved by our solver and by @conda-org/rattler's `simpleSolve` (resolvo in
// WebAssembly) against the same channels served on 127.0.0.1. The solutions
// must be the same set of `name-version-build subdir channel`, or the problem
// must carry a written explanation of the difference. Both being unable to
// solve a request counts as the same answer. Ours runs with its default
// request model (conda's); for an explained difference the same solve under
// `semantics: "rattler"` is printed as well.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { isCondaguardError } from "../../src/conda/index.js";
import type { SolveSemantics } from "../../src/solver/index.js";
import { needsShared } from "../helpers/shared_data.js";
import { SOLVE_PROBLEMS, sharedInputs, type SolveProblem } from "../helpers/solve_problems.js";
import { diffSolutions, loadRattler, serveProblem, solveWithOurs, solveWithRattler, type RattlerPeer, type ServedProblem } from "../helpers/solve_runners.js";

type Outcome = { ok: true; keys: string[] } | { ok: false; message: string; userError: boolean };

function firstLines(text: string, n: number): string {
  const lines = text.split("\n");
  return lines.length <= n ? text : `${lines.slice(0, n).join("\n")}\n  ... (${lines.length - n} more lines)`;
}

function show(label: string, outcome: Outcome): string {
  if (!outcome.ok) return `${label}: cannot solve: ${firstLines(outcome.message, 12)}`;
  return `${label} (${outcome.keys.length} packages):\n${outcome.keys.map((k) => `    ${k}`).join("\n")}`;
}

async function runRattler(rattler: RattlerPeer, served: ServedProblem): Promise<Outcome> {
  try {
    return { ok: true, keys: await solveWithRattler(rattler, served) };
  } catch (err) {
    return { ok: false, message: String(err), userError: true };
  }
}

async function runOurs(served: ServedProblem, semantics?: SolveSemantics): Promise<Outcome> {
  try {
    return { ok: true, keys: (await solveWithOurs(served, { semantics })).keys };
  } catch (err) {
    const message = isCondaguardError(err) ? err.message : (err as Error).stack ?? String(err);
    return { ok: false, message, userError: isCondaguardError(err) };
  }
}

function sameAnswer(ours: Outcome, peer: Outcome): boolean {
  if (ours.ok && peer.ok) return ours.keys.length === peer.keys.length && ours.keys.every((k, i) => k === peer.keys[i]);
  // Both unable to solve; ours must say so with a user-facing error, not crash.
  return !ours.ok && !peer.ok && ours.userError;
}

const sharedSkip = needsShared(...sharedInputs());
const rattler = sharedSkip === false ? await loadRattler() : undefined;
const skip: string | false = sharedSkip !== false ? sharedSkip : typeof rattler === "string" ? rattler : false;
if (sharedSkip === false && typeof rattler === "string") console.log(`# SKIP ${rattler}`);

describe("solver cross-check against @conda-org/rattler on real repodata", { skip }, () => {
  const counts = { identical: 0, explained: 0, failed: 0 };
  const explained: string[] = [];
  const scratch = mkdtempSync(join(tmpdir(), "cg-crosscheck-"));

  after(() => {
    rmSync(scratch, { recursive: true, force: true });
    for (const line of explained) console.log(line);
    console.log(
      `# rattler cross-check: ${counts.identical} identical, ${counts.explained} explained differences, ${counts.failed} failed (of ${SOLVE_PROBLEMS.length} problems)`,
    );
  });

  for (const problem of SOLVE_PROBLEMS) {
    test(problem.name, { timeout: 180_000 }, async () => {
      await crossCheck(problem);
    });
  }

  async function crossCheck(problem: SolveProblem): Promise<void> {
    const served = await serveProblem(problem, scratch);
    let peer: Outcome;
    let ours: Outcome;
    // Ours under rattler's request model, run only for an explained difference, as evidence for the explanation.
    let asPeer: Outcome | undefined;
    try {
      peer = await runRattler(rattler as RattlerPeer, served);
      ours = await runOurs(served);
      if (!sameAnswer(ours, peer) && problem.explainedDifference !== undefined) asPeer = await runOurs(served, "rattler");
    } finally {
      await served.close();
    }
    if (sameAnswer(ours, peer)) {
      counts.identical++;
      return;
    }
    const report = [
      `specs: ${problem.specs.join(", ")} (${problem.subdir})`,
      show("ours", ours),
      show("rattler", peer),
      ...(ours.ok && peer.ok ? ["difference:", ...diffSolutions(ours.keys, peer.keys)] : []),
    ].join("\n");
    if (problem.explainedDifference !== undefined && asPeer !== undefined) {
      const note = sameAnswer(asPeer, peer) ? "identical to rattler's" : "still different from rattler's";
      counts.explained++;
      explained.push(`# explained difference: ${problem.name} (ours with semantics "rattler": ${note}): ${problem.explainedDifference}`);
      console.log(`# ${problem.name}: explained difference\n${report.replace(/^/gm, "#   ")}`);
      return;
    }
    counts.failed++;
    assert.fail(`our solution differs from rattler's and the problem explains no difference\n${report}`);
  }
});
