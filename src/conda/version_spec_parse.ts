import { VersionError, VersionSpecError } from "./errors.js";
import { Version } from "./version.js";

/** A compiled test; `version` is undefined when the text is not a valid conda version. */
export type Test = (version: Version | undefined, raw: string) => boolean;

export interface Leaf {
  readonly kind: "leaf";
  /** conda's spelling of this constraint (`1.7.1*` becomes `1.7.1.*`). */
  readonly spec: string;
  readonly test: Test;
  readonly exact: boolean;
  readonly needsVersion: boolean;
  /** No matching version is above this one (below it, when not inclusive); absent when the constraint has no such bound. */
  readonly upper?: UpperBound;
}
export interface UpperBound {
  readonly version: Version;
  readonly inclusive: boolean;
}
export interface Group {
  readonly kind: "and" | "or";
  readonly children: readonly SpecNode[];
}
export type SpecNode = Leaf | Group;

interface Token {
  readonly text: string;
  /** 0-based index in the spec text. */
  readonly index: number;
}

const OPERATORS = new Set(["==", "!=", "<=", ">=", "~=", "=", "<", ">"]);
const OPERATOR_START = "=<>!~";

const isSpace = (ch: string | undefined): boolean => ch !== undefined && /\s/.test(ch);

// Splits like conda: a `^...$` regex is one token even if it holds `|` or `,`.
function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    let j = i;
    while (isSpace(text[j])) j++;
    if (j >= text.length) break;
    if (text[j] === "^") {
      const end = text.indexOf("$", j + 1);
      if (end >= 0) {
        tokens.push({ text: text.slice(j, end + 1), index: j });
        i = end + 1;
        continue;
      }
    }
    if ("()|,".includes(text[j])) {
      tokens.push({ text: text[j], index: j });
      i = j + 1;
      continue;
    }
    let k = j;
    while (k < text.length && !"()|,".includes(text[k])) k++;
    const raw = text.slice(j, k);
    tokens.push({ text: raw.trimEnd(), index: j });
    i = k;
  }
  return tokens;
}

type Pending = { node: SpecNode | Token; index: number };

/** Parses spec text into a tree of compiled constraints; throws `VersionSpecError` with a column. */
export function buildTree(text: string): SpecNode {
  const fail = (reason: string, index: number): never => {
    throw new VersionSpecError(text, reason, Math.min(index, text.length) + 1);
  };
  const output: Pending[] = [];
  const stack: Token[] = [];

  // Pops operators down to one in `stop`, fusing runs of the same operator
  // so that a|b|c is one group of three, as in conda.
  const applyOps = (stop: string, at: number): void => {
    while (stack.length > 0 && !stop.includes(stack[stack.length - 1].text)) {
      const op = stack.pop() as Token;
      if (output.length < 2) fail(`expected a constraint on both sides of '${op.text}'`, at);
      const right = output.pop() as Pending;
      const left = output.pop() as Pending;
      const kind = op.text === "," ? "and" : "or";
      const parts = (p: Pending): SpecNode[] => {
        const n = toNode(p);
        return n.kind === kind ? [...(n as Group).children] : [n];
      };
      output.push({ node: { kind, children: [...parts(left), ...parts(right)] }, index: left.index });
    }
  };
  const toNode = (p: Pending): SpecNode => ("kind" in p.node ? p.node : compileLeaf(p.node, text));

  for (const token of tokenize(text)) {
    switch (token.text) {
      case "|":
        applyOps("(", token.index);
        stack.push(token);
        break;
      case ",":
        applyOps("|(", token.index);
        stack.push(token);
        break;
      case "(":
        stack.push(token);
        break;
      case ")":
        applyOps("(", token.index);
        if (stack.length === 0) fail("found ')' without a matching '('", token.index);
        stack.pop();
        break;
      default:
        output.push({ node: token, index: token.index });
    }
  }
  applyOps("(", text.length);
  if (stack.length > 0) fail("found '(' without a matching ')'", stack[stack.length - 1].index);
  if (output.length === 0) fail("expected a version constraint, found nothing", 0);
  if (output.length > 1) fail("expected ',' or '|' between constraints", output[1].index);
  return toNode(output[0]);
}

function compileLeaf(token: Token, whole: string): Leaf {
  const spec = token.text;
  const base = token.index;
  const fail = (reason: string, offset: number): never => {
    throw new VersionSpecError(whole, reason, base + offset + 1);
  };
  const parseVersion = (text: string, offset: number): Version => {
    try {
      return Version.parse(text);
    } catch (error) {
      if (error instanceof VersionError) fail(`${error.reason} in version '${text}'`, offset + (error.column ?? 1) - 1);
      throw error;
    }
  };

  if (spec.startsWith("^") || spec.endsWith("$")) {
    if (!spec.startsWith("^")) fail("expected a regular expression to start with '^'", 0);
    if (!spec.endsWith("$")) fail("expected a regular expression to end with '$'", spec.length);
    const regex = compileRegex(spec, () => fail("expected a valid regular expression", 0));
    return leaf(spec, (_v, raw) => regex.test(raw), false, false);
  }

  if (OPERATOR_START.includes(spec[0])) {
    const two = spec.slice(0, 2);
    const op = OPERATORS.has(two) ? two : spec[0];
    if (!OPERATORS.has(op)) fail(`expected an operator (==, !=, <, <=, >, >=, ~=, =), found '${two}'`, 0);
    let rest = spec.slice(op.length);
    if (rest === "") fail(`expected a version after '${op}'`, op.length);
    if (OPERATOR_START.includes(rest[0])) fail(`expected a version after '${op}', found '${rest[0]}'`, op.length);
    const space = rest.search(/\s/);
    if (space >= 0) fail("expected no spaces inside a version", op.length + space);
    let kind = op;
    if (rest.endsWith(".*")) {
      if (op === "~=") fail("expected no '.*' after '~=' (compatible release already means a prefix)", spec.length - 2);
      if (op === "!=") kind = "!=startswith";
      rest = rest.slice(0, -2);
    }
    const target = parseVersion(rest, op.length);
    const test = operatorTest(kind, target, () => fail("expected at least two components after '~='", op.length));
    const upper = kind === "<" ? { version: target, inclusive: false } : kind === "<=" || kind === "==" ? { version: target, inclusive: true } : undefined;
    return leaf(spec, test, op === "==", true, upper);
  }

  if (spec === "*") return leaf(spec, () => true, false, false);

  if (spec.replace(/\*+$/, "").includes("*")) {
    // A '*' inside the version is a glob over the text, as conda does it.
    const source = `^(?:${spec.replace(/\./g, "\\.").replace(/\+/g, "\\+").replace(/\*/g, ".*")})$`;
    const regex = compileRegex(source, () => fail("expected a valid glob", 0));
    return leaf(spec, (_v, raw) => regex.test(raw), false, false);
  }

  if (spec.endsWith("*")) {
    const normal = spec.endsWith(".*") ? spec : `${spec.slice(0, -1)}.*`;
    const prefix = parseVersion(normal.replace(/\*+$/, "").replace(/\.+$/, ""), 0);
    return leaf(normal, (v) => v !== undefined && v.startsWith(prefix), false, true);
  }

  if (!spec.includes("@")) {
    const target = parseVersion(spec, 0);
    return leaf(spec, (v) => v !== undefined && v.compare(target) === 0, true, true, { version: target, inclusive: true });
  }
  return leaf(spec, (_v, raw) => raw === spec, true, false);
}

function leaf(spec: string, test: Test, exact: boolean, needsVersion: boolean, upper?: UpperBound): Leaf {
  return upper === undefined ? { kind: "leaf", spec, test, exact, needsVersion } : { kind: "leaf", spec, test, exact, needsVersion, upper };
}

function compileRegex(source: string, onError: () => never): RegExp {
  try {
    return new RegExp(source);
  } catch {
    return onError();
  }
}

function operatorTest(kind: string, target: Version, noPrefix: () => never): Test {
  switch (kind) {
    case "==":
      return (v) => v !== undefined && v.compare(target) === 0;
    case "!=":
      return (v) => v !== undefined && v.compare(target) !== 0;
    case "<":
      return (v) => v !== undefined && v.compare(target) < 0;
    case "<=":
      return (v) => v !== undefined && v.compare(target) <= 0;
    case ">":
      return (v) => v !== undefined && v.compare(target) > 0;
    case ">=":
      return (v) => v !== undefined && v.compare(target) >= 0;
    case "=":
      return (v) => v !== undefined && v.startsWith(target);
    case "!=startswith":
      return (v) => v !== undefined && !v.startsWith(target);
    default: {
      // ~=X.Y.Z: at least X.Y.Z and still starting with X.Y (PEP 440 compatible release).
      const parts = target.normalized.split(".");
      if (parts.length < 2) noPrefix();
      const prefix = Version.tryParse(parts.slice(0, -1).join("."));
      if (prefix === undefined) return noPrefix();
      return (v) => v !== undefined && v.compare(target) >= 0 && v.startsWith(prefix);
    }
  }
}
