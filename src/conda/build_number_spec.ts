import { VersionSpecError } from "./errors.js";
import { Version } from "./version.js";

/**
 * The `build_number=` part of a MatchSpec: an integer (`3`), a comparison
 * (`>=3`, `!=2`), `*`, or a `^...$` regex over the decimal text. Comparisons
 * order build numbers as conda versions, which for integers is numeric order.
 */
export class BuildNumberSpec {
  /** conda's spelling: the integer, or the trimmed text. */
  readonly spec: string;
  /** The integer for an exact build number, else undefined. */
  readonly exact: number | undefined;
  private readonly test: (buildNumber: number) => boolean;

  private constructor(spec: string, exact: number | undefined, test: (n: number) => boolean) {
    this.spec = spec;
    this.exact = exact;
    this.test = test;
  }

  /** Parses `3`, `>=3`, `*` or `^[0-9]$`; throws `VersionSpecError` otherwise. */
  static parse(value: string | number): BuildNumberSpec {
    if (typeof value === "number") {
      if (!Number.isInteger(value)) throw new VersionSpecError(String(value), "expected an integer build number", 1);
      return new BuildNumberSpec(String(value), value, (n) => n === value);
    }
    const text = value.trim();
    const lead = value.length - value.trimStart().length;
    const fail = (reason: string, index: number): never => {
      throw new VersionSpecError(value, reason, lead + index + 1);
    };
    if (/^[+-]?[0-9]+$/.test(text)) {
      const n = Number.parseInt(text, 10);
      return new BuildNumberSpec(String(n), n, (b) => b === n);
    }
    if (text === "*") return new BuildNumberSpec(text, undefined, () => true);
    const op = /^(==|!=|<=|>=|=|<|>)/.exec(text)?.[1];
    if (op !== undefined) {
      const rest = text.slice(op.length);
      if (!/^[0-9]+$/.test(rest)) fail(`expected an integer after '${op}'`, op.length);
      const target = Version.parse(rest);
      const test = comparison(op, target);
      return new BuildNumberSpec(text, undefined, (n) => test(Version.parse(String(n))));
    }
    if (text.startsWith("^") && text.endsWith("$")) {
      let regex: RegExp;
      try {
        regex = new RegExp(text);
      } catch {
        return fail("expected a valid regular expression", 0);
      }
      return new BuildNumberSpec(text, undefined, (n) => regex.test(String(n)));
    }
    return fail("expected an integer, a comparison such as '>=3', '*' or a '^...$' regex", 0);
  }

  matches(buildNumber: number): boolean {
    return this.test(buildNumber);
  }

  toString(): string {
    return this.spec;
  }
}

function comparison(op: string, target: Version): (v: Version) => boolean {
  switch (op) {
    case "==":
      return (v) => v.compare(target) === 0;
    case "!=":
      return (v) => v.compare(target) !== 0;
    case "<":
      return (v) => v.compare(target) < 0;
    case "<=":
      return (v) => v.compare(target) <= 0;
    case ">":
      return (v) => v.compare(target) > 0;
    case ">=":
      return (v) => v.compare(target) >= 0;
    default:
      // '=' is conda's prefix test; on a single integer it means equality.
      return (v) => v.startsWith(target);
  }
}
