/**
 * Turns a package problem into clauses for the engine, lazily, and chooses
 * decisions in the provider's preference order.
 *
 * Variables: one per candidate of every name the search has touched, plus
 * auxiliary variables of the at-most-one encodings. Candidates of one name get
 * consecutive variables in preference order (favored first), so comparing
 * variables compares preference and sorting a candidate list is a numeric sort.
 *
 * Clause kinds (A, B, C are "this candidate is installed"):
 * - root requires V:     (B1 ∨ … ∨ Bn)          Bi = candidates matching V, most preferred first
 * - requires V (of A):   (¬A ∨ B1 ∨ … ∨ Bn)     added when A first becomes true (Bi with variables,
 *                        and the name's tail T when more match beyond them, see below)
 * - root constrains V:   (¬C)                    for every candidate C of V's name not matching V
 * - constrains V (of A): (¬A ∨ ¬XV)              added with A, where XV = "a candidate of V's name
 *                        that V rules out is installed", one per version set, shared by every
 *                        owner of the constraint (hundreds of builds constrain the same spec)
 * - ruled out by V:      (¬C ∨ XV)               for every C of V's name not matching V
 * - forbid multiple:     at most one candidate of a name. Up to PAIRWISE_LIMIT candidates:
 *                        (¬Bi ∨ ¬Bj) for each pair. Above: a sequential counter with
 *                        auxiliary Si = "one of B1..Bi is installed":
 *                        (¬Bi ∨ Si), (¬Si-1 ∨ Si), (¬Bi ∨ ¬Si-1) — 3n clauses instead of n²/2.
 *                        The counter is what makes learning strong: one learnt (¬Si) rules
 *                        out a whole prefix of candidates (every openssl 3 when a request
 *                        needs openssl 1.1), where pairwise reasons would refute them one by one.
 * - locked L:            (¬C)                    for every other candidate C of L's name
 * - excluded / unknown dependencies of A: (¬A)
 * - learnt:              implied by the above, derived by conflict analysis (see the engine)
 *
 * - tail T of a name:    "the name's candidate lies beyond the ones with variables"; it stands
 *                        in requires clauses for their matching candidates there:
 *                        (¬A ∨ B1 ∨ … ∨ Bk ∨ T), and counts in the forbid counter
 *                        as one more candidate: (¬T ∨ ¬Sk).
 *
 * Laziness: a name's candidates get variables (and their forbid clauses) only
 * when some clause mentions the name, and only a first block of them (the
 * most preferred `blockSize`); the rest is the name's tail variable. When a
 * tail becomes true (every matching candidate with a variable is ruled
 * out), the next block gets variables (twice as many as before, so a name
 * costs O(log n) expansions), the counter continues over it, and every
 * requires clause that held the old tail is added again over the longer
 * prefix with the new tail. A true tail is always expanded, and the last
 * block has no tail, so a satisfying assignment installs only candidates
 * with variables and satisfies the full clauses. At scale (100k candidates
 * of one name, of which the search needs the first few) this keeps the
 * encoding to the part of each name the search reaches. A solvable's
 * dependencies are asked for only when it first becomes true, or just
 * before the heuristic would decide it (so that a candidate whose dependencies are already impossible,
 * e.g. a build for another interpreter, is ruled out by propagation instead
 * of a conflict). An unassigned candidate at the end is not installed, which
 * satisfies every clause it heads, so the clauses never generated cannot be
 * violated by the answer.
 *
 * Decisions: among the requires clauses whose owner is installed (or the
 * root's) and that no installed candidate satisfies yet, take the one with
 * the fewest candidates still possible (counted up to COUNT_CAP, a tail's
 * matching candidates included; ties: the
 * root's first, then by when the owner was installed), and
 * install its most preferred candidate that is not ruled out. Every decision
 * is positive and takes the best candidate not yet false, so the answer is
 * never dominated: no other solution installs, for every name of the answer,
 * an equally or more preferred candidate and for one name a strictly more
 * preferred one (the decisions of such a solution would agree with ours up to
 * the first name where it is better, where that better candidate was already
 * forced false by the same decisions).
 */

import type { NameId, SolvableId, VersionSetId } from "./ids.js";
import type { DependencyProvider } from "./provider.js";
import type { Problem } from "./problem.js";
import type { Conflict, ConflictCause } from "./conflict.js";
import { _grow, _growInt8, _SatEngine } from "./_sat_engine.js";

const PAIRWISE_LIMIT = 5;
/**
 * Requirements with at least this many possible candidates count as equally
 * open, so the heuristic never counts long candidate lists to the end.
 */
const COUNT_CAP = 64;
/** Candidates of a name that get variables when it is first touched (see Laziness). */
const DEFAULT_BLOCK_SIZE = 256;
const EMPTY = new Int32Array(0);

/** The index of the first entry of ascending `sorted` that is at least `value`. */
function lowerBound(sorted: Int32Array, value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid] < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

const KIND_ROOT_REQUIRES = 1;
const KIND_REQUIRES = 2;
const KIND_ROOT_CONSTRAINS = 3;
const KIND_CONSTRAINS = 4;
const KIND_RULED_OUT = 9;
const KIND_FORBID = 5;
const KIND_LOCKED = 6;
const KIND_EXCLUDED = 7;
const KIND_UNKNOWN = 8;

/** Counters of one solve, for progress output and benchmarks. */
export interface SolveStats {
  decisions: number;
  conflicts: number;
  propagations: number;
  clauses: number;
  variables: number;
  /** Names whose candidates were fetched. */
  namesTouched: number;
  /** Solvables whose dependencies were fetched. */
  solvablesExpanded: number;
}

/** A touched name: its candidates in preference order, the prefix of them with variables, and the tail. */
interface NameState {
  readonly id: NameId;
  /** Index into per-name arrays (`nameTrue`). */
  readonly index: number;
  /** Every candidate, most preferred first (favored ones in front). */
  readonly solvables: readonly SolvableId[];
  /** Variables of the first `materialised` candidates. */
  readonly vars: Int32Array;
  materialised: number;
  /** The counter's auxiliary variable after the last candidate with a variable; -1 before the first. */
  lastCounter: number;
  /** The tail variable; -1 once every candidate has a variable. */
  tail: number;
  /** Requirements whose clause holds the current tail. */
  tailRequires: number[];
  /** Constraints on the name (the root's, and the version sets with a ruled-out variable): later blocks get their clauses too. */
  readonly constrains: Array<{ root: boolean; vs: VersionSetId }>;
  /** The locked candidate of the name; -1 when none. */
  readonly locked: SolvableId;
}

/**
 * A version set's candidates that match it, by position (ascending) in its
 * name's list, among the first `filtered` positions (the others there are
 * the rest). Filtered as far as the encoding has reached, and in the tail
 * only until COUNT_CAP matches are found: at scale a name has a hundred
 * thousand candidates, and the heuristic counts no further than that.
 */
interface Split {
  readonly state: NameState;
  readonly vs: VersionSetId;
  matching: Int32Array<ArrayBuffer>;
  count: number;
  filtered: number;
}

export class _PackageEncoding {
  readonly engine: _SatEngine;
  /** Per variable: its solvable, or -1 for auxiliary and tail variables. */
  private varSolvable = new Int32Array(1024);
  /** Per variable: its name's state index for tail variables, else -1. */
  private varTail = new Int32Array(1024);
  /** Per solvable id: its position in its name's list, -1 before the name is touched (ids are small dense ints). */
  private solvablePos = new Int32Array(1024).fill(-1);
  private names = new Map<NameId, NameState>();
  private states: NameState[] = [];
  private varName = new Int32Array(1024); // per variable: name index, -1 for auxiliary and tail variables
  private readonly blockSize: number;

  /** Makes room for per-variable data of every variable the engine has. */
  private reserveVars(): void {
    // The three arrays always have one length, so growing each gives the same new length.
    const needed = this.engine.numVars;
    this.varSolvable = _grow(this.varSolvable, needed);
    this.varName = _grow(this.varName, needed);
    this.varTail = _grow(this.varTail, needed);
  }
  /** Per name index: a candidate seen true on the trail (valid while it stays true). */
  private nameTrue: number[] = [];
  private splits = new Map<VersionSetId, Split>();

  // Clause metadata, indexed by clause id (learnt clauses leave zeros).
  private kind = new Int8Array(1024);
  private dataA = new Int32Array(1024);
  private dataB = new Int32Array(1024);
  private dataC = new Int32Array(1024);

  /** Makes room for the metadata of clause ids below `needed`. */
  private reserveMeta(needed: number): void {
    this.kind = _growInt8(this.kind, needed);
    this.dataA = _grow(this.dataA, needed);
    this.dataB = _grow(this.dataB, needed);
    this.dataC = _grow(this.dataC, needed);
  }
  private reasons: string[] = [];

  // Requires clauses the decision heuristic looks at.
  private reqCandidates: Int32Array[] = [];
  private reqName: number[] = []; // name index of the requirement's version set
  /** Matching candidates beyond the requirement's variables (0 when its clause has no tail). */
  private reqTailCount: number[] = [];
  private reqTailVar: number[] = [];
  private reqOwner: number[] = []; // variable, -1 for the root's
  private reqVersionSet: number[] = [];
  // A prefix of a requirement's candidates seen false, the highest level among
  // them and that level's stamp: while the level stands, the prefix stays false.
  private reqSkip: number[] = [];
  private reqSkipLevel: number[] = [];
  private reqSkipStamp: number[] = [];
  private rootReqs: number[] = [];
  /** Per owner variable: its requirements, in the order they were added. */
  private ownerReqs: Array<number[] | undefined> = [];

  private readonly favored: Set<SolvableId>;
  private readonly locked: Set<SolvableId>;
  private readonly excluded = new Map<SolvableId, string>();
  private expanded = 0;

  constructor(
    private readonly provider: DependencyProvider,
    problem: Problem,
    private readonly checkInterrupt: () => void,
  ) {
    this.favored = new Set(problem.favored ?? []);
    this.locked = new Set(problem.locked ?? []);
    this.blockSize = Math.max(1, Math.floor(problem.blockSize ?? DEFAULT_BLOCK_SIZE));
    for (const { solvable, reason } of problem.excluded ?? []) {
      if (!this.excluded.has(solvable)) this.excluded.set(solvable, reason);
    }
    this.engine = new _SatEngine(
      {
        onTrue: (v) => this.expand(v),
        decide: () => this.decide(),
        checkInterrupt,
      },
      // Always backtrack chronologically: most conflicts involve a solvable
      // decided long before (an interpreter, a compiler runtime), and a
      // backjump there would replay every unrelated decision made since.
      { restartBase: 256, chronoThreshold: 0 },
    );
    for (const vs of problem.requirements) this.addRequires(-1, vs);
    for (const vs of problem.constraints ?? []) this.addConstrains(-1, vs);
  }

  private add(lits: ArrayLike<number>, kind: number, a: number, b: number, c: number): number {
    const id = this.engine.addClause(lits);
    this.reserveMeta(id + 1);
    this.kind[id] = kind;
    this.dataA[id] = a;
    this.dataB[id] = b;
    this.dataC[id] = c;
    return id;
  }

  /**
   * requires V of `owner` (-1: the root's): (¬A ∨ B1 ∨ … ∨ Bk [∨ T]) over the
   * matching candidates with variables, and the tail when more match beyond.
   */
  private addRequires(owner: number, vs: VersionSetId): void {
    const req = this.reqCandidates.length;
    this.reqCandidates.push(EMPTY);
    this.reqName.push(-1);
    this.reqTailCount.push(0);
    this.reqTailVar.push(-1);
    this.reqOwner.push(owner);
    this.reqVersionSet.push(vs);
    this.reqSkip.push(0);
    this.reqSkipLevel.push(0);
    this.reqSkipStamp.push(0);
    if (owner < 0) this.rootReqs.push(req);
    else (this.ownerReqs[owner] ??= []).push(req);
    this.encodeRequires(req);
  }

  /**
   * Adds the clause of requirement `req` over the candidates that have
   * variables now, and points the requirement at them. After a tail
   * expansion the requirement keeps its id, and so its place in the
   * heuristic's order; its candidates only grow (the old ones are a prefix
   * of the new ones, so the false prefix it remembers stays valid), and the
   * clause it had before stays, implied by the new one and harmless.
   */
  private encodeRequires(req: number): void {
    const owner = this.reqOwner[req];
    const vs = this.reqVersionSet[req];
    const split = this.splitOf(vs);
    const state = split.state;
    this.filterUpTo(split, state.materialised);
    const k = lowerBound(split.matching.subarray(0, split.count), state.materialised);
    // The heuristic counts a tail's matches only up to COUNT_CAP: so many are all it needs to know of.
    const tailCount = this.tailMatches(split, state.materialised);
    const { matching } = split;
    const lits = new Int32Array((owner >= 0 ? 1 : 0) + k + (tailCount > 0 ? 1 : 0));
    let at = 0;
    if (owner >= 0) lits[at++] = 2 * owner + 1;
    const candidates = new Int32Array(k);
    for (let i = 0; i < k; i++) {
      candidates[i] = state.vars[matching[i]];
      lits[at++] = 2 * candidates[i];
    }
    if (tailCount > 0) lits[at++] = 2 * state.tail;
    if (owner < 0) this.add(lits, KIND_ROOT_REQUIRES, -1, vs, -1);
    else this.add(lits, KIND_REQUIRES, this.varSolvable[owner], vs, -1);
    this.reqCandidates[req] = candidates;
    this.reqName[req] = state.index;
    this.reqTailCount[req] = tailCount;
    this.reqTailVar[req] = tailCount > 0 ? state.tail : -1;
    if (tailCount > 0) state.tailRequires.push(req);
  }

  /** constrains V of `owner` (-1: the root's): (¬C) for the root, else (¬A ∨ ¬XV) (see the clause kinds). */
  private addConstrains(owner: number, vs: VersionSetId): void {
    const split = this.splitOf(vs);
    if (owner < 0) {
      split.state.constrains.push({ root: true, vs });
      this.constrainBlock(true, vs, split, 0, split.state.materialised);
      return;
    }
    let ruledOut = this.ruledOutVar.get(vs);
    if (ruledOut === undefined) {
      ruledOut = this.engine.newVar();
      this.reserveVars();
      this.varSolvable[ruledOut] = -1;
      this.varName[ruledOut] = -1;
      this.varTail[ruledOut] = -1;
      this.ruledOutVar.set(vs, ruledOut);
      split.state.constrains.push({ root: false, vs });
      this.constrainBlock(false, vs, split, 0, split.state.materialised);
    }
    this.add([2 * owner + 1, 2 * ruledOut + 1], KIND_CONSTRAINS, this.varSolvable[owner], vs, -1);
  }

  /** Per version set used in a constrains: its XV variable. */
  private readonly ruledOutVar = new Map<VersionSetId, number>();

  /** The clauses of one constraint for the candidates it rules out at positions [from, to): (¬C), or (¬C ∨ XV). */
  private constrainBlock(root: boolean, vs: VersionSetId, split: Split, from: number, to: number): void {
    this.filterUpTo(split, to);
    const { state, count } = split;
    const matching = split.matching.subarray(0, count);
    let m = lowerBound(matching, from);
    const ruledOut = root ? -1 : (this.ruledOutVar.get(vs) as number);
    for (let pos = from; pos < to; pos++) {
      if (m < count && matching[m] === pos) {
        m++;
        continue;
      }
      const other = state.vars[pos];
      if (root) this.add([2 * other + 1], KIND_ROOT_CONSTRAINS, this.varSolvable[other], vs, -1);
      else this.add([2 * other + 1, 2 * ruledOut], KIND_RULED_OUT, this.varSolvable[other], vs, -1);
    }
  }

  /** The state of a name; on first use its candidates are fetched and sorted and the first block gets variables. */
  private touchName(name: NameId): NameState {
    const known = this.names.get(name);
    if (known !== undefined) return known;
    const solvables = [...this.provider.candidates(name)];
    this.provider.sortCandidates(solvables);
    if (this.favored.size > 0) {
      const front = solvables.filter((s) => this.favored.has(s));
      if (front.length > 0) {
        const rest = solvables.filter((s) => !this.favored.has(s));
        solvables.length = 0;
        solvables.push(...front, ...rest);
      }
    }
    let maxSolvable = -1;
    for (const s of solvables) if (s > maxSolvable) maxSolvable = s;
    if (maxSolvable >= this.solvablePos.length) {
      let size = this.solvablePos.length * 2;
      while (size <= maxSolvable) size *= 2;
      const next = new Int32Array(size).fill(-1);
      next.set(this.solvablePos);
      this.solvablePos = next;
    }
    for (let i = 0; i < solvables.length; i++) {
      const s = solvables[i];
      if (this.solvablePos[s] !== -1) throw new Error(`Solvable ${s} is a candidate of two names.`);
      this.solvablePos[s] = i;
    }
    let locked = -1;
    if (this.locked.size > 0) for (const s of solvables) if (this.locked.has(s)) locked = s;
    const state: NameState = {
      id: name,
      index: this.states.length,
      solvables,
      vars: new Int32Array(solvables.length),
      materialised: 0,
      lastCounter: -1,
      tail: -1,
      tailRequires: [],
      constrains: [],
      locked,
    };
    this.names.set(name, state);
    this.states.push(state);
    this.nameTrue.push(-1);
    // A few candidates: all at once with pairwise forbid clauses. Else the first block.
    if (solvables.length <= PAIRWISE_LIMIT) this.materialise(state, solvables.length);
    else this.materialise(state, Math.min(solvables.length, this.blockSize));
    return state;
  }

  /**
   * Gives the candidates at positions [materialised, to) variables: their
   * forbid clauses, locked and excluded clauses, the clauses of the name's
   * constraints, and a new tail when candidates remain after them.
   */
  private materialise(state: NameState, to: number): void {
    const from = state.materialised;
    const n = state.solvables.length;
    const count = to - from;
    const first = this.engine.newVars(count);
    this.reserveVars();
    for (let i = 0; i < count; i++) {
      const s = state.solvables[from + i];
      const v = first + i;
      this.varSolvable[v] = s;
      this.varName[v] = state.index;
      this.varTail[v] = -1;
      this.engine.notifyWhenTrue(v);
      state.vars[from + i] = v;
    }
    state.materialised = to;
    if (n <= PAIRWISE_LIMIT) this.forbidPairwise(state);
    else this.forbidCounter(state, from, to);
    for (let pos = from; pos < to; pos++) {
      const v = state.vars[pos];
      const s = state.solvables[pos];
      const reason = this.excluded.get(s);
      if (reason !== undefined) {
        this.reasons.push(reason);
        this.add([2 * v + 1], KIND_EXCLUDED, s, this.reasons.length - 1, -1);
      } else if (state.locked >= 0 && s !== state.locked) {
        this.add([2 * v + 1], KIND_LOCKED, state.locked, s, -1);
      }
    }
    for (const { root, vs } of state.constrains) this.constrainBlock(root, vs, this.splitOf(vs), from, to);
  }

  private forbidPairwise(state: NameState): void {
    const vars = state.vars;
    const n = vars.length;
    for (let i = 0; i < n; i++) {
      for (let j = i + 1; j < n; j++) this.add([2 * vars[i] + 1, 2 * vars[j] + 1], KIND_FORBID, state.id, -1, -1);
    }
  }

  /**
   * The counter over the candidates at positions [from, to), continuing the
   * one before: auxiliary Si for every position but the last of the name,
   * per candidate (¬Bi ∨ ¬Si-1), (¬Bi ∨ Si), (¬Si-1 ∨ Si); then, when
   * candidates remain, a new tail T with (¬T ∨ ¬Sto-1).
   */
  private forbidCounter(state: NameState, from: number, to: number): void {
    const n = state.solvables.length;
    const auxCount = Math.min(to, n - 1) - from;
    const aux = this.engine.newVars(auxCount + (to < n ? 1 : 0));
    this.reserveVars();
    const end = aux + auxCount + (to < n ? 1 : 0);
    this.varSolvable.fill(-1, aux, end);
    this.varName.fill(-1, aux, end);
    this.varTail.fill(-1, aux, end);
    // The clauses that touch the previous block's last counter go through addClause after the
    // others: it may be assigned already, and adding them may assign the new variables.
    const carried = state.lastCounter;
    const fresh: number[] = [];
    const carriedClauses: number[][] = [];
    for (let i = from; i < to; i++) {
      const x = 2 * state.vars[i] + 1;
      const prevS = i === from ? carried : aux + (i - from) - 1;
      const hasS = i < n - 1;
      const s = aux + (i - from);
      if (i > 0) {
        if (i === from) carriedClauses.push([x, 2 * prevS + 1]);
        else fresh.push(x, 2 * prevS + 1);
      }
      if (!hasS) break;
      fresh.push(x, 2 * s);
      if (i > 0) {
        if (i === from) carriedClauses.push([2 * prevS + 1, 2 * s]);
        else fresh.push(2 * prevS + 1, 2 * s);
      }
    }
    if (to < n) {
      const tail = aux + auxCount;
      this.varTail[tail] = state.index;
      this.engine.notifyWhenTrue(tail);
      // The tail is one more candidate after the last counter.
      if (to > 0) fresh.push(2 * tail + 1, 2 * (aux + auxCount - 1) + 1);
      state.tail = tail;
      state.lastCounter = aux + auxCount - 1;
    } else {
      state.tail = -1;
      state.lastCounter = auxCount > 0 ? aux + auxCount - 1 : carried;
    }
    if (fresh.length > 0) {
      const first = this.engine.addFreshBinaryClauses(Int32Array.from(fresh));
      const last = first + (fresh.length >> 1);
      this.reserveMeta(last);
      for (let c = first; c < last; c++) {
        this.kind[c] = KIND_FORBID;
        this.dataA[c] = state.id;
        this.dataB[c] = -1;
        this.dataC[c] = -1;
      }
    }
    for (const lits of carriedClauses) this.add(lits, KIND_FORBID, state.id, -1, -1);
  }

  /**
   * A true tail: the next block (as many candidates as the name has
   * variables already, at least `blockSize`) gets variables, and every
   * requires clause that held the old tail is added again over them.
   */
  private expandTail(state: NameState): void {
    const n = state.solvables.length;
    this.materialise(state, Math.min(n, state.materialised + Math.max(this.blockSize, state.materialised)));
    const requires = state.tailRequires;
    state.tailRequires = [];
    for (const req of requires) this.encodeRequires(req);
  }

  /** A version set's split (see Split); filtered on demand. */
  private splitOf(vs: VersionSetId): Split {
    const known = this.splits.get(vs);
    if (known !== undefined) return known;
    const state = this.touchName(this.provider.versionSetName(vs));
    const split: Split = { state, vs, matching: new Int32Array(0), count: 0, filtered: 0 };
    this.splits.set(vs, split);
    return split;
  }

  /** Filters the candidates of a split up to position `to` (at least). */
  private filterUpTo(split: Split, to: number): void {
    const { state } = split;
    if (split.filtered >= to) return;
    // Whole when the rest is small: one call, and the provider keeps whole answers across solves.
    const end = state.solvables.length - to < this.blockSize ? state.solvables.length : to;
    const from = split.filtered;
    const slice = from === 0 && end === state.solvables.length ? state.solvables : state.solvables.slice(from, end);
    const matched = this.provider.filterCandidates(split.vs, slice, false);
    const found = new Int32Array(matched.length);
    for (let i = 0; i < matched.length; i++) {
      const pos = matched[i] < this.solvablePos.length ? this.solvablePos[matched[i]] : -1;
      if (pos < from || pos >= end || state.solvables[pos] !== matched[i]) {
        throw new Error(`filterCandidates returned ${matched[i]}, which is not one of the candidates it was given.`);
      }
      found[i] = pos;
    }
    found.sort();
    if (split.count + found.length > split.matching.length) split.matching = _grow(split.matching, split.count + found.length);
    // A provider answering a candidate twice would put a literal twice in one clause.
    for (let i = 0; i < found.length; i++) if (i === 0 || found[i] !== found[i - 1]) split.matching[split.count++] = found[i];
    split.filtered = end;
  }

  /** How many candidates at positions `from` and after match the split's version set, up to COUNT_CAP. */
  private tailMatches(split: Split, from: number): number {
    const n = split.state.solvables.length;
    let chunk = this.blockSize;
    for (;;) {
      const known = split.count - lowerBound(split.matching.subarray(0, split.count), from);
      if (known >= COUNT_CAP || split.filtered >= n) return Math.min(known, COUNT_CAP);
      this.filterUpTo(split, Math.min(n, split.filtered + chunk));
      chunk *= 2;
    }
  }

  /** Variables of the candidates that match a version set and have variables (for explanations). */
  private candidatesMatching(vs: VersionSetId): Int32Array {
    const split = this.splitOf(vs);
    const { state } = split;
    this.filterUpTo(split, state.materialised);
    const out: number[] = [];
    for (let i = 0; i < split.count; i++) if (split.matching[i] < state.materialised) out.push(state.vars[split.matching[i]]);
    return Int32Array.from(out);
  }

  /** Lazy clause generation: the first time a candidate becomes true, add its dependency clauses; a true tail brings the next block. */
  private expand(v: number): void {
    const tail = this.varTail[v];
    if (tail >= 0) {
      this.expandTail(this.states[tail]);
      return;
    }
    const s = this.varSolvable[v];
    if (s < 0) return;
    this.expanded++;
    if ((this.expanded & 63) === 0) this.checkInterrupt();
    const deps = this.provider.dependencies(s);
    if ("unknown" in deps) {
      this.reasons.push(deps.unknown);
      this.add([2 * v + 1], KIND_UNKNOWN, s, this.reasons.length - 1, -1);
      return;
    }
    for (const vs of deps.requires) this.addRequires(v, vs);
    for (const vs of deps.constrains) this.addConstrains(v, vs);
  }

  /**
   * Between two backjumps the trail only grows, so a satisfied requirement
   * stays satisfied and an owner stays installed. `open` therefore holds the
   * requirements not yet seen satisfied, updated incrementally; it is rebuilt
   * from the installed solvables only after a backjump. Order (root first,
   * then owners in trail order) is the tie-break of the heuristic.
   */
  private decide(): number {
    const engine = this.engine;
    const trail = engine.trail;
    const backjumped = this.firstDecision || engine.trailLowWater < this.scannedTrail;
    this.firstDecision = false;
    const keep = backjumped ? engine.trailLowWater : this.scannedTrail;
    const open = this.open;
    let openCount = this.openCount;
    if (backjumped) {
      while (this.installedCount > 0 && this.installedAt[this.installedCount - 1] >= keep) this.installedCount--;
      openCount = 0;
      for (const r of this.rootReqs) open[openCount++] = r;
      for (let k = 0; k < this.installedCount; k++) {
        for (const r of this.ownerReqs[this.installedVar[k]] as number[]) open[openCount++] = r;
      }
    }
    for (let i = keep; i < engine.trailLen; i++) {
      const lit = trail[i];
      const v = lit >> 1;
      if ((lit & 1) === 1) continue;
      const name = this.varName[v];
      if (name < 0) continue;
      this.nameTrue[name] = v;
      const reqs = this.ownerReqs[v];
      if (reqs === undefined) continue;
      this.installedAt[this.installedCount] = i;
      this.installedVar[this.installedCount++] = v;
      for (const r of reqs) open[openCount++] = r;
    }

    this.scannedTrail = engine.trailLen;
    engine.trailLowWater = engine.trailLen;

    // A requirement is met once any candidate of its name is installed: a
    // non-matching one would have made its clause false during propagation.
    // Two possible candidates is the fewest an open requirement can have
    // (one would have been propagated), so the first such one wins outright.
    let best = -1;
    let bestCount = COUNT_CAP;
    let kept = 0;
    let j = 0;
    for (; j < openCount; j++) {
      const i = open[j];
      const t = this.nameTrue[this.reqName[i]];
      if (t >= 0 && engine.value(2 * t) === 1) continue;
      open[kept++] = i;
      const candidates = this.reqCandidates[i];
      let possible = 0;
      let first = -1;
      let k = 0;
      let prefixLevel = 0;
      const skipLevel = this.reqSkipLevel[i];
      if (skipLevel <= engine.decisionLevel && engine.levelStamp[skipLevel] === this.reqSkipStamp[i]) {
        k = this.reqSkip[i];
        prefixLevel = skipLevel;
      }
      // Counting stops at the best so far (and so at COUNT_CAP), which is all a comparison needs.
      for (; k < candidates.length && possible < bestCount; k++) {
        const c = candidates[k];
        if (engine.value(2 * c) !== 0) {
          if (first < 0 && engine.level[c] > prefixLevel) prefixLevel = engine.level[c];
          continue;
        }
        if (first < 0) {
          first = c;
          this.reqSkip[i] = k;
          this.reqSkipLevel[i] = prefixLevel;
          this.reqSkipStamp[i] = engine.levelStamp[prefixLevel];
        }
        possible++;
      }
      // Matching candidates in the tail count too (they have no variable, so none is ruled out yet),
      // up to the best so far, as if the loop above had gone on through them.
      if (this.reqTailCount[i] > 0 && engine.value(2 * this.reqTailVar[i]) !== -1) possible = Math.min(bestCount, possible + this.reqTailCount[i]);
      if (first >= 0 && (possible < bestCount || best < 0)) {
        best = first;
        bestCount = possible;
        if (possible <= 2) {
          j++;
          break;
        }
      }
    }
    for (; j < openCount; j++) open[kept++] = open[j];
    this.openCount = kept;
    if (best < 0) return -1;
    // Look before deciding: adding the candidate's dependencies now lets
    // propagation rule it out (a build for another interpreter, say) without
    // a conflict; then the heuristic runs again.
    if (engine.takeNotification(best)) {
      const trailBefore = engine.trailLen;
      this.expand(best);
      if (engine.trailLen !== trailBefore || engine.value(2 * best) !== 0 || engine.hasPendingConflict()) return -2;
    }
    return 2 * best;
  }

  private installedAt: number[] = [];
  private installedVar: number[] = [];
  private installedCount = 0;
  /** Trail length at the last decision; the engine's low-water mark says if it shrank since. */
  private scannedTrail = 0;
  private open: number[] = [];
  private openCount = 0;
  private firstDecision = true;

  /** The installed solvables of a satisfying assignment, in the order their names were reached. */
  installed(): SolvableId[] {
    const out: SolvableId[] = [];
    for (let v = 0; v < this.engine.numVars; v++) {
      const s = this.varSolvable[v];
      if (s >= 0 && this.engine.value(2 * v) === 1) out.push(s);
    }
    return out;
  }

  stats(): SolveStats {
    const e = this.engine;
    return {
      decisions: e.decisions,
      conflicts: e.conflicts,
      propagations: e.propagations,
      clauses: e.numClauses,
      variables: e.numVars,
      namesTouched: this.names.size,
      solvablesExpanded: this.expanded,
    };
  }

  /** The proof of an "unsat" outcome, as package-level causes. */
  conflict(): Conflict {
    const causes: ConflictCause[] = [];
    const forbidden = new Map<NameId, Set<number>>();
    const constrainers = new Map<VersionSetId, SolvableId[]>();
    const ruledOut = new Map<VersionSetId, SolvableId[]>();
    for (const c of this.engine.unsatCore()) {
      if (c >= this.kind.length) throw new Error(`Clause ${c} of unknown kind in the proof.`);
      const a = this.dataA[c];
      const b = this.dataB[c];
      switch (this.kind[c]) {
        case KIND_ROOT_REQUIRES:
          causes.push({ kind: "root-requires", versionSet: b, candidates: this.solvablesOf(this.candidatesMatching(b)) });
          break;
        case KIND_REQUIRES:
          causes.push({ kind: "requires", solvable: a, versionSet: b, candidates: this.solvablesOf(this.candidatesMatching(b)) });
          break;
        case KIND_ROOT_CONSTRAINS:
          causes.push({ kind: "root-constrains", versionSet: b, solvable: a });
          break;
        case KIND_CONSTRAINS:
          // Paired below with the candidates the proof used as ruled out by the same version set.
          (constrainers.get(b) ?? constrainers.set(b, []).get(b))?.push(a);
          break;
        case KIND_RULED_OUT:
          (ruledOut.get(b) ?? ruledOut.set(b, []).get(b))?.push(a);
          break;
        case KIND_FORBID: {
          let set = forbidden.get(a);
          if (set === undefined) forbidden.set(a, (set = new Set()));
          // Candidates appear negated; auxiliary counter variables are not packages.
          for (const lit of this.engine.clauseLiterals(c)) {
            if ((lit & 1) === 1 && this.varSolvable[lit >> 1] >= 0) set.add(lit >> 1);
          }
          break;
        }
        case KIND_LOCKED:
          causes.push({ kind: "locked", locked: a, solvable: b });
          break;
        case KIND_EXCLUDED:
          causes.push({ kind: "excluded", solvable: a, reason: this.reasons[b] });
          break;
        case KIND_UNKNOWN:
          causes.push({ kind: "unknown-dependencies", solvable: a, reason: this.reasons[b] });
          break;
        default:
          throw new Error(`Clause ${c} of unknown kind in the proof.`);
      }
    }
    for (const [vs, owners] of constrainers) {
      for (const solvable of owners) {
        for (const conflicting of ruledOut.get(vs) ?? []) causes.push({ kind: "constrains", solvable, versionSet: vs, conflicting });
      }
    }
    for (const [name, vars] of forbidden) {
      const sorted = [...vars].sort((x, y) => x - y);
      causes.push({ kind: "forbid-multiple", name, solvables: sorted.map((v) => this.varSolvable[v]) });
    }
    return { causes };
  }

  private solvablesOf(vars: Int32Array): SolvableId[] {
    return Array.from(vars, (v) => this.varSolvable[v]);
  }
}
