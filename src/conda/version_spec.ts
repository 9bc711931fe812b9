import { Version } from "./version.js";
import { buildTree } from "./version_spec_parse.js";
import type { SpecNode, Test } from "./version_spec_parse.js";

const CACHE_LIMIT = 20_000;
const cache = new Map<string, VersionSpec>();

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
      return this.test(this.needsVersion ? Version.tryParse(version) : undefined, version);
    }
    return this.test(version, version.source);
  }

  /** True for a single exact version (`1.2.3` or `==1.2.3`), as conda's `is_exact`. */
  get isExact(): boolean {
    return this.root.kind === "leaf" && this.root.exact;
  }

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

