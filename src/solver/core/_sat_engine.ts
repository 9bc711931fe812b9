/**
 * A conflict-driven clause-learning (CDCL) engine over plain boolean variables.
 * It knows nothing about packages: the package layer (and the CNF front end)
 * feed it clauses and choose decisions through `EngineHooks`.
 *
 * Literals are ints: `2 * variable` is the positive literal, `2 * variable + 1`
 * the negative one, so negation is `lit ^ 1` and a literal indexes arrays directly.
 *
 * Clause literals live in one growing Int32Array arena. Each clause watches its
 * first two literals; a watch is the int `2 * clause + slot`, chained in a
 * per-literal singly linked list (`watchHead` / `watchNext`), so moving a watch
 * never allocates.
 *
 * Backtracking is chronological when a backjump would undo many levels
 * (after Nadel and Ryvchin, "Chronological Backtracking", SAT 2018): the
 * learnt literal is still assigned at its proper (lower) level, but only the
 * current level is undone, so the trail may hold literals out of level order.
 * Package solving needs this: a conflict with an interpreter decided early
 * would otherwise throw away and replay hundreds of later, unrelated decisions.
 * Consequences: an implied literal's level is the highest level among the
 * other literals of its reason, and undoing a level keeps the lower-level
 * literals that sit above it on the trail.
 *
 * Learnt clauses remember the clause ids resolved to derive them, so an
 * unsatisfiable result can be traced back to the original clauses
 * (`unsatCore`), which the explanation is built from. Learnt clauses are
 * never deleted: package solves produce few conflicts, and deleting would
 * break those derivation chains.
 */

const TRUE = 1;
const FALSE = -1;

/** Hooks through which a front end drives the search. */
export interface EngineHooks {
  /**
   * Called once for a variable flagged with `notifyWhenTrue` when it first
   * propagates as true; may add clauses (lazy clause generation).
   */
  onTrue(variable: number): void;
  /**
   * The next decision literal; -1 when the assignment is complete; -2 when the
   * hook added clauses instead (e.g. the dependencies of the candidate it was
   * about to pick), which must be propagated before asking again.
   */
  decide(): number;
  /** Called periodically; throws to stop the search (timeout, abort). */
  checkInterrupt(): void;
}

export interface EngineOptions {
  /** Conflicts in the first restart interval; the Luby sequence scales it. 0 disables restarts. */
  restartBase: number;
  /** Backjumps over more levels than this only undo the current level. */
  chronoThreshold: number;
}

export type EngineOutcome = "sat" | "unsat";

/** The capacity to grow an array of `length` to so that it holds `needed`: doubling. */
function nextSize(length: number, needed: number): number {
  let size = Math.max(16, length * 2);
  while (size < needed) size *= 2;
  return size;
}

/** `array`, or a copy with room for `needed` entries (doubling); new entries are `fill`. */
export function _grow(array: Int32Array<ArrayBuffer>, needed: number, fill = 0): Int32Array<ArrayBuffer> {
  if (needed <= array.length) return array;
  const size = nextSize(array.length, needed);
  const next = new Int32Array(size);
  next.set(array);
  if (fill !== 0) next.fill(fill, array.length);
  return next;
}

export function _growInt8(array: Int8Array<ArrayBuffer>, needed: number): Int8Array<ArrayBuffer> {
  if (needed <= array.length) return array;
  const size = nextSize(array.length, needed);
  const next = new Int8Array(size);
  next.set(array);
  return next;
}

/** The Luby restart sequence 1 1 2 1 1 2 4 ...; index starts at 0. */
export function _luby(index: number): number {
  let size = 1;
  let seq = 0;
  while (size < index + 1) {
    seq++;
    size = 2 * size + 1;
  }
  let x = index;
  while (size - 1 !== x) {
    size = (size - 1) >> 1;
    seq--;
    x = x % size;
  }
  return 2 ** seq;
}

export class _SatEngine {
  // Variables.
  numVars = 0;
  private vals = new Int8Array(32); // indexed by literal
  level = new Int32Array(16);
  reason = new Int32Array(16);
  private notify = new Int8Array(16);
  activity = new Float64Array(16);
  private seen = new Int8Array(16);

  // Trail.
  trail = new Int32Array(16);
  trailLen = 0;
  /** The lowest `trailLen` since a front end last reset it: trail entries below it are unchanged. */
  trailLowWater = 0;
  private trailLim = new Int32Array(16);
  decisionLevel = 0;
  /**
   * Per level, a number that changes whenever the level is opened again, so a
   * front end can tell that facts it cached about a level are still current.
   */
  levelStamp = new Int32Array(16);
  private stamps = 0;
  private qhead = 0;

  // Clauses.
  private arena = new Int32Array(1024);
  private arenaLen = 0;
  private clauseStart = new Int32Array(64);
  private clauseLen = new Int32Array(64);
  private clauseLearnt = new Int8Array(64);
  numClauses = 0;
  private watchHead = new Int32Array(32).fill(-1);
  private watchNext = new Int32Array(128);
  /** Unit clauses that could not be fixed at level 0 when added: a restart settles them at the next step. */
  private deferredUnits: number[] = [];
  /** A clause found false when it was added; handled by the next propagate. */
  private pendingConflict = -1;

  // Derivations of learnt clauses: clause ids in `proof`, per learnt clause.
  private proof = new Int32Array(256);
  private proofLen = 0;
  private proofStart = new Int32Array(64);
  private proofCount = new Int32Array(64);

  /** The clause that was false at level 0 when the search proved unsatisfiability. */
  finalConflict = -1;
  conflicts = 0;
  decisions = 0;
  propagations = 0;
  private varInc = 1;
  private learntScratch: number[] = [];
  private proofScratch: number[] = [];

  constructor(
    private readonly hooks: EngineHooks,
    private readonly options: EngineOptions,
  ) {}

  /** Allocates a fresh unassigned variable. */
  newVar(): number {
    return this.newVars(1);
  }

  /** Allocates `count` fresh unassigned variables; returns the first (they are consecutive). */
  newVars(count: number): number {
    const v = this.numVars;
    this.numVars += count;
    const n = this.numVars;
    if (n > this.level.length) {
      this.level = _grow(this.level, n);
      this.reason = _grow(this.reason, n);
      this.notify = _growInt8(this.notify, n);
      this.seen = _growInt8(this.seen, n);
      this.trail = _grow(this.trail, n);
      this.trailLim = _grow(this.trailLim, n + 1);
      this.levelStamp = _grow(this.levelStamp, n + 1);
      const activity = new Float64Array(this.level.length);
      activity.set(this.activity);
      this.activity = activity;
    }
    if (2 * n > this.vals.length) {
      this.vals = _growInt8(this.vals, 2 * n);
      this.watchHead = _grow(this.watchHead, 2 * n, -1);
    }
    this.reason.fill(-1, v, n);
    return v;
  }

  /** Asks for `hooks.onTrue(variable)` the first time the variable propagates as true. */
  notifyWhenTrue(variable: number): void {
    this.notify[variable] = 1;
  }

  /** Whether a clause added since the last propagation is false. */
  hasPendingConflict(): boolean {
    return this.pendingConflict >= 0;
  }

  /** Whether `onTrue` is still due for this variable; clears the request, as the caller now does that work. */
  takeNotification(variable: number): boolean {
    if (this.notify[variable] !== 1) return false;
    this.notify[variable] = 0;
    return true;
  }

  /** 1 true, -1 false, 0 unassigned. */
  value(lit: number): number {
    return this.vals[lit];
  }

  isLearnt(clause: number): boolean {
    return this.clauseLearnt[clause] === 1;
  }

  /** The literals of a clause, in their current (watch) order. */
  clauseLiterals(clause: number): Int32Array {
    const start = this.clauseStart[clause];
    return this.arena.subarray(start, start + this.clauseLen[clause]);
  }

  /**
   * Adds a clause at any point of the search (lazy clause generation). It is
   * watched right away; if it is unit under the current assignment its literal
   * is implied at the level it would have had, and if it is false it is
   * reported as a conflict by the next propagation step.
   */
  addClause(lits: ArrayLike<number>): number {
    const c = this.storeClause(lits, false);
    this.integrate(c);
    return c;
  }

  /**
   * Adds `lits.length / 2` binary clauses, (lits[0] ∨ lits[1]), (lits[2] ∨ lits[3]), ...,
   * whose variables are all unassigned (e.g. just allocated): the same as
   * calling `addClause` for each in turn, without the per-clause checks.
   * Returns the id of the first; the others follow consecutively.
   */
  addFreshBinaryClauses(lits: Int32Array): number {
    const count = lits.length >> 1;
    const first = this.numClauses;
    for (let i = 0; i < lits.length; i++) {
      if (this.vals[lits[i]] !== 0) throw new Error(`Literal ${lits[i]} is assigned.`);
    }
    this.reserveClauses(first + count);
    this.arena = _grow(this.arena, this.arenaLen + lits.length);
    const arena = this.arena;
    const head = this.watchHead;
    const next = this.watchNext;
    let at = this.arenaLen;
    for (let k = 0; k < count; k++) {
      const c = first + k;
      const a = lits[2 * k];
      const b = lits[2 * k + 1];
      arena[at] = a;
      arena[at + 1] = b;
      this.clauseStart[c] = at;
      this.clauseLen[c] = 2;
      this.clauseLearnt[c] = 0;
      this.proofCount[c] = 0;
      at += 2;
      next[2 * c] = head[a];
      head[a] = 2 * c;
      next[2 * c + 1] = head[b];
      head[b] = 2 * c + 1;
    }
    this.arenaLen = at;
    this.numClauses = first + count;
    return first;
  }

  /** Grows the per-clause arrays to hold `needed` clauses. */
  private reserveClauses(needed: number): void {
    if (needed <= this.clauseStart.length) return;
    this.clauseStart = _grow(this.clauseStart, needed);
    this.clauseLen = _grow(this.clauseLen, needed);
    const l = new Int8Array(this.clauseStart.length);
    l.set(this.clauseLearnt);
    this.clauseLearnt = l;
    this.watchNext = _grow(this.watchNext, 2 * this.clauseStart.length);
    this.proofStart = _grow(this.proofStart, this.clauseStart.length);
    this.proofCount = _grow(this.proofCount, this.clauseStart.length);
  }

  private storeClause(lits: ArrayLike<number>, learnt: boolean): number {
    const c = this.numClauses++;
    this.reserveClauses(c + 1);
    const n = lits.length;
    this.arena = _grow(this.arena, this.arenaLen + n);
    for (let i = 0; i < n; i++) this.arena[this.arenaLen + i] = lits[i];
    this.clauseStart[c] = this.arenaLen;
    this.clauseLen[c] = n;
    this.clauseLearnt[c] = learnt ? 1 : 0;
    this.proofCount[c] = 0;
    this.arenaLen += n;
    return c;
  }

  /** Rank for choosing watches: true first, then unassigned, then false by decreasing level. */
  private watchRank(lit: number): number {
    const val = this.vals[lit];
    if (val === TRUE) return 0x7fffffff;
    if (val === 0) return 0x7ffffffe;
    return this.level[lit >> 1];
  }

  private integrate(c: number): void {
    const start = this.clauseStart[c];
    const n = this.clauseLen[c];
    const a = this.arena;
    if (n === 0) {
      if (this.pendingConflict < 0) this.pendingConflict = c;
      return;
    }
    if (n === 1) {
      const lit = a[start];
      const val = this.vals[lit];
      // Unit clauses are not watched: their literal is fixed at level 0 right
      // away, or once the pending conflict is dealt with.
      if (val === FALSE) {
        if (this.pendingConflict < 0) this.pendingConflict = c;
        else this.deferredUnits.push(c);
      } else if (val === 0) {
        this.enqueue(lit, c, 0);
      } else if (this.level[lit >> 1] > 0) {
        // True for now; it must become a level-0 fact before anything undoes it.
        this.deferredUnits.push(c);
      }
      return;
    }
    // Move the two best literals to the watch slots.
    for (let slot = 0; slot < 2; slot++) {
      let best = slot;
      let bestRank = this.watchRank(a[start + slot]);
      for (let i = slot + 1; i < n; i++) {
        const r = this.watchRank(a[start + i]);
        if (r > bestRank) {
          best = i;
          bestRank = r;
        }
      }
      if (best !== slot) {
        const t = a[start + slot];
        a[start + slot] = a[start + best];
        a[start + best] = t;
      }
    }
    this.watch(c);
    const v0 = this.vals[a[start]];
    const v1 = this.vals[a[start + 1]];
    if (v0 === FALSE) {
      if (this.pendingConflict < 0) this.pendingConflict = c;
    } else if (v0 === 0 && v1 === FALSE) {
      this.enqueue(a[start], c, this.level[a[start + 1] >> 1]);
    }
  }

  private watch(c: number): void {
    const start = this.clauseStart[c];
    for (let slot = 0; slot < 2; slot++) {
      const lit = this.arena[start + slot];
      const w = 2 * c + slot;
      this.watchNext[w] = this.watchHead[lit];
      this.watchHead[lit] = w;
    }
  }

  private enqueue(lit: number, reason: number, level: number): void {
    const v = lit >> 1;
    this.vals[lit] = TRUE;
    this.vals[lit ^ 1] = FALSE;
    this.level[v] = level;
    this.reason[v] = reason;
    this.trail[this.trailLen++] = lit;
  }

  /** Unit propagation; returns a false clause, or -1. */
  private propagate(): number {
    while (this.qhead < this.trailLen) {
      const p = this.trail[this.qhead++];
      this.propagations++;
      const pv = p >> 1;
      if ((p & 1) === 0 && this.notify[pv] === 1) {
        this.notify[pv] = 0;
        this.hooks.onTrue(pv);
        if (this.pendingConflict >= 0) {
          const c = this.pendingConflict;
          this.pendingConflict = -1;
          return c;
        }
      }
      // Read after `onTrue`, which may have grown the arrays.
      const arena = this.arena;
      const next = this.watchNext;
      const values = this.vals;
      const falseLit = p ^ 1;
      let prev = -1;
      let w = this.watchHead[falseLit];
      while (w !== -1) {
        const c = w >> 1;
        const slot = w & 1;
        const following = next[w];
        const start = this.clauseStart[c];
        const other = arena[start + 1 - slot];
        if (values[other] === TRUE) {
          prev = w;
          w = following;
          continue;
        }
        const end = start + this.clauseLen[c];
        let moved = false;
        for (let k = start + 2; k < end; k++) {
          const lit = arena[k];
          if (values[lit] !== FALSE) {
            arena[k] = arena[start + slot];
            arena[start + slot] = lit;
            if (prev === -1) this.watchHead[falseLit] = following;
            else next[prev] = following;
            next[w] = this.watchHead[lit];
            this.watchHead[lit] = w;
            moved = true;
            break;
          }
        }
        if (moved) {
          w = following;
          continue;
        }
        if (values[other] === FALSE) {
          this.qhead = this.trailLen;
          return c;
        }
        let level = 0;
        for (let k = start; k < end; k++) {
          const lit = arena[k];
          if (lit !== other && this.level[lit >> 1] > level) level = this.level[lit >> 1];
        }
        this.enqueue(other, c, level);
        prev = w;
        w = following;
      }
    }
    return -1;
  }

  /** Undoes every assignment above level `target`, keeping lower-level literals that sit above it. */
  private cancelUntil(target: number): void {
    if (this.decisionLevel <= target) return;
    const stop = this.trailLim[target];
    let kept = stop;
    for (let i = stop; i < this.trailLen; i++) {
      const lit = this.trail[i];
      if (this.level[lit >> 1] <= target) {
        this.trail[kept++] = lit;
        continue;
      }
      this.vals[lit] = 0;
      this.vals[lit ^ 1] = 0;
      this.reason[lit >> 1] = -1;
    }
    this.trailLen = kept;
    if (stop < this.trailLowWater) this.trailLowWater = stop;
    // Kept literals are propagated again: cheap, and keeps the watches honest.
    if (this.qhead > stop) this.qhead = stop;
    this.decisionLevel = target;
  }

  /** Opens a new decision level and assigns `lit` true. */
  private decideLiteral(lit: number): void {
    this.trailLim[this.decisionLevel++] = this.trailLen;
    this.levelStamp[this.decisionLevel] = ++this.stamps;
    this.decisions++;
    this.enqueue(lit, -1, this.decisionLevel);
  }

  private bump(v: number): void {
    const act = (this.activity[v] += this.varInc);
    if (act > 1e100) {
      for (let i = 0; i < this.numVars; i++) this.activity[i] *= 1e-100;
      this.varInc *= 1e-100;
    }
  }

  /**
   * First-UIP analysis of a clause false at the current level. Fills
   * `learntScratch` (asserting literal first, then the literal of the highest
   * remaining level) and `proofScratch`; returns the backjump level.
   */
  private analyze(conflict: number): number {
    const learnt = this.learntScratch;
    const proof = this.proofScratch;
    learnt.length = 0;
    proof.length = 0;
    learnt.push(-1);
    let pathCount = 0;
    let p = -1;
    let index = this.trailLen - 1;
    let clause = conflict;
    for (;;) {
      proof.push(clause);
      const start = this.clauseStart[clause];
      const end = start + this.clauseLen[clause];
      for (let k = start; k < end; k++) {
        const q = this.arena[k];
        if (q === p) continue;
        const v = q >> 1;
        if (this.seen[v] === 1 || this.level[v] === 0) continue;
        this.seen[v] = 1;
        this.bump(v);
        if (this.level[v] >= this.decisionLevel) pathCount++;
        else learnt.push(q);
      }
      // Out-of-order literals of lower levels may sit between current-level ones.
      while (this.seen[this.trail[index] >> 1] === 0 || this.level[this.trail[index] >> 1] !== this.decisionLevel) index--;
      p = this.trail[index];
      index--;
      this.seen[p >> 1] = 0;
      pathCount--;
      if (pathCount === 0) break;
      clause = this.reason[p >> 1];
    }
    learnt[0] = p ^ 1;
    let backjump = 0;
    let maxAt = 1;
    for (let i = 1; i < learnt.length; i++) {
      const v = learnt[i] >> 1;
      this.seen[v] = 0;
      if (this.level[v] > backjump) {
        backjump = this.level[v];
        maxAt = i;
      }
    }
    if (learnt.length > 1) {
      const t = learnt[1];
      learnt[1] = learnt[maxAt];
      learnt[maxAt] = t;
    }
    this.varInc *= 1.05;
    return backjump;
  }

  /** Stores the clause in `learntScratch` and assigns its first literal at level `assertLevel`. */
  private learn(assertLevel: number): void {
    const c = this.storeClause(this.learntScratch, true);
    const proof = this.proofScratch;
    this.proof = _grow(this.proof, this.proofLen + proof.length);
    this.proofStart[c] = this.proofLen;
    this.proofCount[c] = proof.length;
    for (let i = 0; i < proof.length; i++) this.proof[this.proofLen++] = proof[i];
    if (this.learntScratch.length > 1) this.watch(c);
    this.enqueue(this.learntScratch[0], c, assertLevel);
  }

  private settleDeferredUnits(): void {
    this.cancelUntil(0);
    for (const c of this.deferredUnits) {
      const lit = this.arena[this.clauseStart[c]];
      if (this.vals[lit] === 0) this.enqueue(lit, c, 0);
      else if (this.vals[lit] === FALSE && this.pendingConflict < 0) this.pendingConflict = c;
    }
    this.deferredUnits.length = 0;
  }

  /** Runs the search until the clauses are satisfied or proven unsatisfiable. */
  solve(): EngineOutcome {
    let restartIndex = 0;
    let restartLimit = this.options.restartBase > 0 ? this.options.restartBase * _luby(0) : Infinity;
    let conflictsSinceRestart = 0;
    let work = 0;
    for (;;) {
      if (this.deferredUnits.length > 0 && this.pendingConflict < 0) this.settleDeferredUnits();
      let conflict = this.pendingConflict;
      this.pendingConflict = -1;
      if (conflict < 0) conflict = this.propagate();
      if (conflict >= 0) {
        this.conflicts++;
        let highest = 0;
        const lits = this.clauseLiterals(conflict);
        for (let i = 0; i < lits.length; i++) highest = Math.max(highest, this.level[lits[i] >> 1]);
        if (highest === 0) {
          this.cancelUntil(0);
          this.finalConflict = conflict;
          return "unsat";
        }
        if (highest < this.decisionLevel) this.cancelUntil(highest);
        const backjump = this.analyze(conflict);
        const chronological = this.decisionLevel - backjump > this.options.chronoThreshold;
        this.cancelUntil(chronological ? this.decisionLevel - 1 : backjump);
        this.learn(backjump);
        conflictsSinceRestart++;
        if (conflictsSinceRestart >= restartLimit) {
          conflictsSinceRestart = 0;
          restartIndex++;
          restartLimit = this.options.restartBase * _luby(restartIndex);
          this.cancelUntil(0);
        }
      } else {
        const lit = this.hooks.decide();
        if (lit === -1) return "sat";
        if (lit >= 0) this.decideLiteral(lit);
      }
      if ((++work & 127) === 0) this.hooks.checkInterrupt();
    }
  }

  /**
   * After an "unsat" outcome: the original (non-learnt) clauses that prove it.
   * Learnt clauses are replaced by their derivations, and every literal fixed
   * at level 0 brings in its reason, until only original clauses remain.
   */
  unsatCore(): number[] {
    const core: number[] = [];
    if (this.finalConflict < 0) return core;
    const inSet = new Uint8Array(this.numClauses);
    const work = [this.finalConflict];
    inSet[this.finalConflict] = 1;
    const push = (c: number): void => {
      if (c >= 0 && inSet[c] === 0) {
        inSet[c] = 1;
        work.push(c);
      }
    };
    while (work.length > 0) {
      const c = work.pop() as number;
      if (this.clauseLearnt[c] === 1) {
        const s = this.proofStart[c];
        for (let i = 0; i < this.proofCount[c]; i++) push(this.proof[s + i]);
      } else {
        core.push(c);
      }
      const start = this.clauseStart[c];
      for (let k = start; k < start + this.clauseLen[c]; k++) {
        const v = this.arena[k] >> 1;
        if (this.vals[2 * v] !== 0 && this.level[v] === 0) push(this.reason[v]);
      }
    }
    core.sort((x, y) => x - y);
    return core;
  }
}
