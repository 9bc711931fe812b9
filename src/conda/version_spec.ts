import { Version } from "./version.js";
import { buildTree } from "./version_spec_parse.js";
import type { SpecNode, Test, UpperBound } from "./version_spec_parse.js";

const CACHE_LIMIT = 20_000;
const cache = new Map<string, VersionSpec>();
const VERDICT_LIMIT = 50_000;

/**
 * A conda version constraint such as `>=1.2,<2|1.0.*`, compiled once into a
 * tree of closures. `,` (and) binds tighter than `|` (or).
 *
 * @example VersionSpec.parse(">=1.7,<1.8").matches("1.7.1") // true
 */
export class VersionSpec {
  /** The text as given. */
  readonly source: string;
  private readonly root: SpecNode;
  private readonly test: Test;
  private readonly needsVersion: boolean;
  /** Verdicts by version text: records of one package share few version texts, and parsing one costs more than a lookup. */
  private readonly verdicts = new Map<string, boolean>();

  private constructor(source: string, root: SpecNode) {
    this.source = source;
    this.root = root;
    this.test = compileNode(root);
    this.needsVersion = nodeNeedsVersion(root);
  }

  /** Parses a spec; throws `VersionSpecError` (with the column of the bad character) when conda would refuse it. */
  static parse(text: string): VersionSpec {
    const hit = cache.get(text);
    if (hit !== undefined) return hit;
    const spec = new VersionSpec(text, buildTree(text));
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(text, spec);
    return spec;
  }

  /**
   * Whether `version` satisfies the spec. Regex and glob constraints look at
   * the text as given (as conda does); an invalid version string satisfies
   * no comparison.
   */
  matches(version: Version | string): boolean {
    if (typeof version === "string") {
      let verdict = this.verdicts.get(version);
      if (verdict === undefined) {
        verdict = this.test(this.needsVersion ? Version.tryParse(version) : undefined, version);
        if (this.verdicts.size >= VERDICT_LIMIT) this.verdicts.clear();
        this.verdicts.set(version, verdict);
      }
      return verdict;
    }
    return this.test(version, version.source);
  }

  /** True for a single exact version (`1.2.3` or `==1.2.3`), as conda's `is_exact`. */
  get isExact(): boolean {
    return this.root.kind === "leaf" && this.root.exact;
  }

  /**
   * A version no matching version is above (`<2` gives 2, exclusive;
   * `>=1.2,<2|3.0` gives 3.0, inclusive), or undefined when the spec has no
   * such bound (`>=1.2`, `1.2.*`, a regex). Lets a caller that walks
   * versions from the highest skip those above it.
   */
  get upperBound(): UpperBound | undefined {
    if (this.upper === null) this.upper = upperOf(this.root);
    return this.upper;
  }

  private upper: UpperBound | undefined | null = null;

  /** True for `*`. */
  get matchesAll(): boolean {
    return this.root.kind === "leaf" && this.root.spec === "*";
  }

  /**
   * conda's normal form (`VersionSpec.spec`): constraints joined by `,` and
   * `|` without parentheses, e.g. `1.5|1.6|1.7,1.8,1.9|2.0|2.1`. Like
   * conda's, it drops grouping, so use `toExpressionString` to re-parse.
   */
  toString(): string {
    return condaForm(this.root);
  }

  /** A normal form that keeps the meaning when parsed again: `|` groups inside `,` get parentheses. */
  toExpressionString(): string {
    return expressionForm(this.root, false);
  }

  /** Same constraints in the same normal form (`1.7.1*` equals `1.7.1.*`). */
  equals(other: VersionSpec): boolean {
    return this === other || this.toExpressionString() === other.toExpressionString();
  }
}

function upperOf(node: SpecNode): UpperBound | undefined {
  if (node.kind === "leaf") return node.upper;
  let out: UpperBound | undefined;
  for (const child of node.children) {
    const bound = upperOf(child);
    if (bound === undefined) {
      // One unbounded alternative leaves an "or" unbounded; an "and" is bounded by any of its parts.
      if (node.kind === "or") return undefined;
      continue;
    }
    if (out === undefined) out = bound;
    else {
      const c = bound.version.compare(out.version);
      const tighter = node.kind === "and" ? c < 0 || (c === 0 && !bound.inclusive) : c > 0 || (c === 0 && bound.inclusive);
      if (tighter) out = bound;
    }
  }
  return out;
}

function condaForm(node: SpecNode): string {
  if (node.kind === "leaf") return node.spec;
  return node.children.map(condaForm).join(node.kind === "and" ? "," : "|");
}

function expressionForm(node: SpecNode, insideAnd: boolean): string {
  if (node.kind === "leaf") return node.spec;
  if (node.kind === "and") return node.children.map((c) => expressionForm(c, true)).join(",");
  const text = node.children.map((c) => expressionForm(c, false)).join("|");
  return insideAnd ? `(${text})` : text;
}

function nodeNeedsVersion(node: SpecNode): boolean {
  return node.kind === "leaf" ? node.needsVersion : node.children.some(nodeNeedsVersion);
}

function compileNode(node: SpecNode): Test {
  if (node.kind === "leaf") return node.test;
  const tests = node.children.map(compileNode);
  if (node.kind === "and") {
    return (v, raw) => {
      for (const t of tests) if (!t(v, raw)) return false;
      return true;
    };
  }
  return (v, raw) => {
    for (const t of tests) if (t(v, raw)) return true;
    return false;
  };
}

