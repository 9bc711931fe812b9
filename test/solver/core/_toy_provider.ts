/**
 * A tiny in-memory package universe for solver tests: names with integer
 * versions, requirements written as "b >=1,<3", "b ==2", "b <=2" or just "b".
 * Higher versions are preferred. It records every provider call so tests can
 * check that the solver stays lazy.
 */
import type { Dependencies, DependencyProvider, NameId, SolvableId, VersionSetId } from "../../../src/solver/core/index.js";

export interface ToyRecord {
  requires?: string[];
  constrains?: string[];
  /** Makes `dependencies()` answer "unknown" with this reason. */
  unknown?: string;
}

/** name -> version -> record */
export type ToyUniverse = Record<string, Record<number, ToyRecord>>;

interface _VersionSet {
  name: NameId;
  text: string;
  /** inclusive lower bound, exclusive upper bound */
  low: number;
  high: number;
}

export class ToyProvider implements DependencyProvider {
  readonly names: string[] = [];
  readonly solvableNames: NameId[] = [];
  readonly versions: number[] = [];
  private readonly records: ToyRecord[] = [];
  private readonly byName: SolvableId[][] = [];
  private readonly sets: _VersionSet[] = [];
  private readonly setIds = new Map<string, VersionSetId>();
  readonly dependenciesCalls: SolvableId[] = [];
  readonly candidatesCalls: NameId[] = [];

  constructor(universe: ToyUniverse) {
    for (const [name, versions] of Object.entries(universe)) {
      const id = this.nameId(name);
      for (const [version, record] of Object.entries(versions)) {
        const s = this.versions.length;
        this.versions.push(Number(version));
        this.solvableNames.push(id);
        this.records.push(record);
        this.byName[id].push(s);
      }
    }
  }

  nameId(name: string): NameId {
    let id = this.names.indexOf(name);
    if (id < 0) {
      id = this.names.length;
      this.names.push(name);
      this.byName.push([]);
    }
    return id;
  }

  /** The solvable of `name` at `version`. */
  solvable(name: string, version: number): SolvableId {
    const s = this.byName[this.nameId(name)].find((x) => this.versions[x] === version);
    if (s === undefined) throw new Error(`no ${name} ${version}`);
    return s;
  }

  /** Interns a requirement such as "b >=1,<3". */
  vs(text: string): VersionSetId {
    const known = this.setIds.get(text);
    if (known !== undefined) return known;
    const [name, range = ""] = text.trim().split(/\s+/, 2);
    let low = -Infinity;
    let high = Infinity;
    for (const part of range.split(",").filter((p) => p !== "")) {
      const m = /^(>=|<=|==|>|<)(-?\d+)$/.exec(part);
      if (m === null) throw new Error(`bad range ${part}`);
      const n = Number(m[2]);
      if (m[1] === ">=") low = Math.max(low, n);
      if (m[1] === ">") low = Math.max(low, n + 1);
      if (m[1] === "<") high = Math.min(high, n);
      if (m[1] === "<=") high = Math.min(high, n + 1);
      if (m[1] === "==") {
        low = Math.max(low, n);
        high = Math.min(high, n + 1);
      }
    }
    const id = this.sets.length;
    this.sets.push({ name: this.nameId(name), text: text.trim(), low, high });
    this.setIds.set(text, id);
    return id;
  }

  matches(versionSet: VersionSetId, solvable: SolvableId): boolean {
    const set = this.sets[versionSet];
    const v = this.versions[solvable];
    return this.solvableNames[solvable] === set.name && v >= set.low && v < set.high;
  }

  record(solvable: SolvableId): ToyRecord {
    return this.records[solvable];
  }

  describe(solvables: readonly SolvableId[]): string[] {
    return solvables.map((s) => this.displaySolvable(s)).sort();
  }

  candidates(name: NameId): readonly SolvableId[] {
    this.candidatesCalls.push(name);
    return this.byName[name] ?? [];
  }

  sortCandidates(solvables: SolvableId[]): void {
    solvables.sort((a, b) => this.versions[b] - this.versions[a]);
  }

  filterCandidates(versionSet: VersionSetId, candidates: readonly SolvableId[], inverse: boolean): readonly SolvableId[] {
    return candidates.filter((s) => this.matches(versionSet, s) !== inverse);
  }

  versionSetName(versionSet: VersionSetId): NameId {
    return this.sets[versionSet].name;
  }

  solvableName(solvable: SolvableId): NameId {
    return this.solvableNames[solvable];
  }

  dependencies(solvable: SolvableId): Dependencies {
    this.dependenciesCalls.push(solvable);
    const record = this.records[solvable];
    if (record.unknown !== undefined) return { unknown: record.unknown };
    return {
      requires: (record.requires ?? []).map((t) => this.vs(t)),
      constrains: (record.constrains ?? []).map((t) => this.vs(t)),
    };
  }

  displaySolvable(solvable: SolvableId): string {
    return `${this.names[this.solvableNames[solvable]]} ${this.versions[solvable]}`;
  }

  displayVersionSet(versionSet: VersionSetId): string {
    return this.sets[versionSet].text;
  }

  displayName(name: NameId): string {
    return this.names[name];
  }

  displayMergedSolvables(solvables: readonly SolvableId[]): string {
    const versions = solvables.map((s) => this.versions[s]).sort((a, b) => a - b);
    return `${this.names[this.solvableNames[solvables[0]]]} ${versions.join(" | ")}`;
  }
}
