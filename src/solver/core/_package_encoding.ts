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
 * - requires V (of A):   (¬A ∨ B1 ∨ … ∨ Bn)     added when A first becomes true
 * - root constrains V:   (¬C)                    for every candidate C of V's name not matching V
 * - constrains V (of A): (¬A ∨ ¬C)               for every C of V's name not matching V, added with A
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
 * Laziness: a name's candidates get variables (and their forbid clauses) only
 * when some clause mentions the name, and a solvable's dependencies are asked
 * for only when it first becomes true, or just before the heuristic would
 * decide it (so that a candidate whose dependencies are already impossible,
 * e.g. a build for another interpreter, is ruled out by propagation instead
 * of a conflict). An unassigned candidate at the end is not installed, which
 * satisfies every clause it heads, so the clauses never generated cannot be
 * violated by the answer.
 *
 * Decisions: among the requires clauses whose owner is installed (or the
 * root's) and that no installed candidate satisfies yet, take the one with
 * the fewest candidates still possible (counted up to COUNT_CAP; ties: the
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
import { _SatEngine } from "./_sat_engine.js";

const PAIRWISE_LIMIT = 5;
/**
 * Requirements with at least this many possible candidates count as equally
 * open, so the heuristic never counts long candidate lists to the end.
 */
const COUNT_CAP = 64;

const KIND_ROOT_REQUIRES = 1;
const KIND_REQUIRES = 2;
const KIND_ROOT_CONSTRAINS = 3;
const KIND_CONSTRAINS = 4;
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

export class _PackageEncoding {
  readonly engine: _SatEngine;
  /** Per variable: its solvable, or -1 for auxiliary variables. */
  private varSolvable = new Int32Array(1024);
  /** Per solvable id: its variable, -1 when it has none yet (ids are small dense ints). */
  private solvableVar = new Int32Array(1024).fill(-1);
  private nameVars = new Map<NameId, Int32Array>();
  private nameIndex = new Map<NameId, number>();
  private varName = new Int32Array(1024); // per variable: name index, -1 for auxiliary variables

  /** Makes room for per-variable data of every variable the engine has. */
  private reserveVars(): void {
    const needed = this.engine.numVars;
    if (needed <= this.varSolvable.length) return;
    let size = this.varSolvable.length * 2;
    while (size < needed) size *= 2;
    const solvable = new Int32Array(size);
    solvable.set(this.varSolvable);
    this.varSolvable = solvable;
    const name = new Int32Array(size);
    name.set(this.varName);
    this.varName = name;
  }
  /** Per name index: a candidate seen true on the trail (valid while it stays true). */
  private nameTrue: number[] = [];
  /** Per version set, the variables of its name's candidates that match it and those that do not. */
  private splitVars = new Map<VersionSetId, { matching: Int32Array; nonMatching: Int32Array }>();

  // Clause metadata, indexed by clause id (learnt clauses leave zeros).
  private kind = new Int8Array(1024);
  private dataA = new Int32Array(1024);
  private dataB = new Int32Array(1024);
  private dataC = new Int32Array(1024);

  /** Makes room for the metadata of clause ids below `needed`. */
  private reserveMeta(needed: number): void {
    if (needed <= this.kind.length) return;
    let size = this.kind.length * 2;
    while (size < needed) size *= 2;
    const kind = new Int8Array(size);
    kind.set(this.kind);
    this.kind = kind;
    const widen = (old: Int32Array<ArrayBuffer>): Int32Array<ArrayBuffer> => {
      const next = new Int32Array(size);
      next.set(old);
      return next;
    };
    this.dataA = widen(this.dataA);
    this.dataB = widen(this.dataB);
    this.dataC = widen(this.dataC);
  }
  private reasons: string[] = [];

  // Requires clauses the decision heuristic looks at. The requires of one
  // owner are added together, so they are a contiguous range per variable.
  private reqCandidates: Int32Array[] = [];
  private reqName: number[] = []; // name index of the requirement's version set
  // A prefix of a requirement's candidates seen false, the highest level among
  // them and that level's stamp: while the level stands, the prefix stays false.
  private reqSkip: number[] = [];
  private reqSkipLevel: number[] = [];
  private reqSkipStamp: number[] = [];
  private rootReqCount = 0;
  private reqStart: number[] = []; // per variable
  private reqCount: number[] = []; // per variable

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
    for (const vs of problem.requirements) {
      const candidates = this.candidatesMatching(vs);
      const lits = new Int32Array(candidates.length);
      for (let i = 0; i < candidates.length; i++) lits[i] = 2 * candidates[i];
      this.add(lits, KIND_ROOT_REQUIRES, -1, vs, -1);
      this.trackRequires(-1, vs, candidates);
    }
    for (const vs of problem.constraints ?? []) {
      for (const v of this.candidatesNotMatching(vs)) {
        this.add([2 * v + 1], KIND_ROOT_CONSTRAINS, this.varSolvable[v], vs, -1);
      }
    }
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

  private trackRequires(owner: number, vs: VersionSetId, candidates: Int32Array): void {
    const name = this.nameIndex.get(this.provider.versionSetName(vs)) as number;
    if (owner < 0) this.rootReqCount++;
    else {
      if (this.reqCount[owner] === undefined) {
        this.reqStart[owner] = this.reqCandidates.length;
        this.reqCount[owner] = 0;
      }
      this.reqCount[owner]++;
    }
    this.reqCandidates.push(candidates);
    this.reqName.push(name);
    this.reqSkip.push(0);
    this.reqSkipLevel.push(0);
    this.reqSkipStamp.push(0);
  }

  /** Variables of all candidates of a name, most preferred first; creates them on first use. */
  private touchName(name: NameId): Int32Array {
    const known = this.nameVars.get(name);
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
    const vars = new Int32Array(solvables.length);
    const first = this.engine.newVars(solvables.length);
    this.reserveVars();
    const index = this.nameTrue.length;
    let maxSolvable = -1;
    for (const s of solvables) if (s > maxSolvable) maxSolvable = s;
    if (maxSolvable >= this.solvableVar.length) {
      let size = this.solvableVar.length * 2;
      while (size <= maxSolvable) size *= 2;
      const next = new Int32Array(size).fill(-1);
      next.set(this.solvableVar);
      this.solvableVar = next;
    }
    for (let i = 0; i < solvables.length; i++) {
      const s = solvables[i];
      if (this.solvableVar[s] !== -1) throw new Error(`Solvable ${s} is a candidate of two names.`);
      const v = first + i;
      this.varSolvable[v] = s;
      this.varName[v] = index;
      this.solvableVar[s] = v;
      this.engine.notifyWhenTrue(v);
      vars[i] = v;
    }
    this.nameVars.set(name, vars);
    this.nameIndex.set(name, index);
    this.nameTrue.push(-1);
    this.forbidMultiple(name, vars);
    if (this.locked.size === 0 && this.excluded.size === 0) return vars;
    let lockedVar = -1;
    for (const v of vars) if (this.locked.has(this.varSolvable[v])) lockedVar = v;
    for (const v of vars) {
      const s = this.varSolvable[v];
      const reason = this.excluded.get(s);
      if (reason !== undefined) {
        this.reasons.push(reason);
        this.add([2 * v + 1], KIND_EXCLUDED, s, this.reasons.length - 1, -1);
      } else if (lockedVar >= 0 && v !== lockedVar) {
        this.add([2 * v + 1], KIND_LOCKED, this.varSolvable[lockedVar], s, -1);
      }
    }
    return vars;
  }

  private forbidMultiple(name: NameId, vars: Int32Array): void {
    const n = vars.length;
    if (n <= PAIRWISE_LIMIT) {
      for (let i = 0; i < n; i++) {
        for (let j = i + 1; j < n; j++) this.add([2 * vars[i] + 1, 2 * vars[j] + 1], KIND_FORBID, name, -1, -1);
      }
      return;
    }
    // Auxiliary Si gets variable aux + i (i = 0..n-2), allocated after the
    // candidates; the clauses are added in the order of the scheme above,
    // per candidate: (¬Bi ∨ ¬Si-1), (¬Bi ∨ Si), (¬Si-1 ∨ Si).
    const aux = this.engine.newVars(n - 1);
    this.reserveVars();
    this.varSolvable.fill(-1, aux, aux + n - 1);
    this.varName.fill(-1, aux, aux + n - 1);
    const lits = new Int32Array(2 * (3 * n - 4));
    let k = 0;
    for (let i = 0; i < n; i++) {
      const x = 2 * vars[i] + 1;
      const prevS = aux + i - 1;
      if (i > 0) {
        lits[k++] = x;
        lits[k++] = 2 * prevS + 1;
      }
      if (i === n - 1) break;
      lits[k++] = x;
      lits[k++] = 2 * (aux + i);
      if (i > 0) {
        lits[k++] = 2 * prevS + 1;
        lits[k++] = 2 * (aux + i);
      }
    }
    if (k !== lits.length) throw new Error("Counter encoding miscounted its clauses.");
    const first = this.engine.addFreshBinaryClauses(lits);
    const end = first + (lits.length >> 1);
    this.reserveMeta(end);
    for (let c = first; c < end; c++) {
      this.kind[c] = KIND_FORBID;
      this.dataA[c] = name;
      this.dataB[c] = -1;
      this.dataC[c] = -1;
    }
  }

  /** Per name: its candidates' solvables in variable order (shared by its version sets). */
  private nameSolvables = new Map<NameId, SolvableId[]>();

  private splitCandidates(vs: VersionSetId): { matching: Int32Array; nonMatching: Int32Array } {
    const name = this.provider.versionSetName(vs);
    const vars = this.touchName(name);
    const nameIndex = this.nameIndex.get(name);
    let solvables = this.nameSolvables.get(name);
    if (solvables === undefined) {
      solvables = Array.from(vars, (v) => this.varSolvable[v]);
      this.nameSolvables.set(name, solvables);
    }
    const matched = this.provider.filterCandidates(vs, solvables, false);
    const matching = new Int32Array(matched.length);
    for (let i = 0; i < matched.length; i++) {
      const v = matched[i] < this.solvableVar.length ? this.solvableVar[matched[i]] : -1;
      if (v === -1 || this.varName[v] !== nameIndex) {
        throw new Error(`filterCandidates returned ${matched[i]}, which is not a candidate of the version set's name.`);
      }
      matching[i] = v;
    }
    matching.sort();
    // A provider answering a candidate twice would put a literal twice in one clause.
    let unique = 0;
    for (let i = 0; i < matching.length; i++) if (i === 0 || matching[i] !== matching[i - 1]) matching[unique++] = matching[i];
    const nonMatching = new Int32Array(vars.length);
    let k = 0;
    let m = 0;
    for (const v of vars) {
      if (m < unique && matching[m] === v) m++;
      else nonMatching[k++] = v;
    }
    const split = { matching: matching.subarray(0, unique), nonMatching: nonMatching.subarray(0, k) };
    this.splitVars.set(vs, split);
    return split;
  }

  private candidatesMatching(vs: VersionSetId): Int32Array {
    return (this.splitVars.get(vs) ?? this.splitCandidates(vs)).matching;
  }

  private candidatesNotMatching(vs: VersionSetId): Int32Array {
    return (this.splitVars.get(vs) ?? this.splitCandidates(vs)).nonMatching;
  }

  /** Lazy clause generation: the first time a candidate becomes true, add its dependency clauses. */
  private expand(v: number): void {
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
    for (const vs of deps.requires) {
      const candidates = this.candidatesMatching(vs);
      const lits = new Int32Array(candidates.length + 1);
      lits[0] = 2 * v + 1;
      for (let i = 0; i < candidates.length; i++) lits[i + 1] = 2 * candidates[i];
      this.add(lits, KIND_REQUIRES, s, vs, -1);
      this.trackRequires(v, vs, candidates);
    }
    for (const vs of deps.constrains) {
      for (const other of this.candidatesNotMatching(vs)) {
        // A solvable whose constraint rules itself out can never be installed: (¬A).
        if (other === v) this.add([2 * v + 1], KIND_CONSTRAINS, s, vs, s);
        else this.add([2 * v + 1, 2 * other + 1], KIND_CONSTRAINS, s, vs, this.varSolvable[other]);
      }
    }
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
      for (let i = 0; i < this.rootReqCount; i++) open[openCount++] = i;
      for (let k = 0; k < this.installedCount; k++) {
        const v = this.installedVar[k];
        const first = this.reqStart[v];
        for (let i = first; i < first + this.reqCount[v]; i++) open[openCount++] = i;
      }
    }
    for (let i = keep; i < engine.trailLen; i++) {
      const lit = trail[i];
      const v = lit >> 1;
      if ((lit & 1) === 1) continue;
      const name = this.varName[v];
      if (name < 0) continue;
      this.nameTrue[name] = v;
      if (this.reqCount[v] === undefined) continue;
      this.installedAt[this.installedCount] = i;
      this.installedVar[this.installedCount++] = v;
      const first = this.reqStart[v];
      for (let r = first; r < first + this.reqCount[v]; r++) open[openCount++] = r;
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
      namesTouched: this.nameVars.size,
      solvablesExpanded: this.expanded,
    };
  }

  /** The proof of an "unsat" outcome, as package-level causes. */
  conflict(): Conflict {
    const causes: ConflictCause[] = [];
    const forbidden = new Map<NameId, Set<number>>();
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
          causes.push({ kind: "constrains", solvable: a, versionSet: b, conflicting: this.dataC[c] });
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
