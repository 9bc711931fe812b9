import { spawnSync } from "node:child_process";

// Run by the environment's interpreter: compiles each file to its PEP 3147
// cache path with the final prefix path as the name shown in tracebacks,
// skips files that do not compile (conda does too: some packages ship
// python-2-only helpers), and prints what it wrote.
const COMPILE_SCRIPT = `
import importlib.util, json, os, py_compile, sys
root, target = sys.argv[1], sys.argv[2]
written = []
for rel in sys.stdin.read().split("\\0"):
    if not rel:
        continue
    src = os.path.join(root, rel)
    cfile = importlib.util.cache_from_source(src)
    try:
        py_compile.compile(src, cfile=cfile, dfile=os.path.join(target, rel), doraise=True)
    except Exception:
        continue
    written.append(os.path.relpath(cfile, root).replace(os.sep, "/"))
print(json.dumps({"tag": sys.implementation.cache_tag, "version": "%d.%d" % sys.version_info[:2], "pyc": written}))
`;

/** What compiling produced: the interpreter's cache tag and the pyc paths (prefix-relative). */
export interface CompileResult {
  tag: string;
  version: string;
  pyc: string[];
}

/** Compiles staged .py files under `root` with `python`; throws a plain Error when the interpreter cannot run. */
export function compilePyc(python: string, root: string, targetPrefix: string, sources: string[]): CompileResult {
  if (sources.length === 0) return { tag: "", version: "", pyc: [] };
  const run = spawnSync(python, ["-Wi", "-E", "-s", "-c", COMPILE_SCRIPT, root, targetPrefix], {
    input: sources.join("\0"),
    encoding: "utf8",
    maxBuffer: 256 * 1024 * 1024,
  });
  if (run.error !== undefined || run.status !== 0) {
    throw new Error(`${python} could not compile: ${run.error?.message ?? run.stderr.trim().split("\n").pop() ?? `exit ${run.status}`}`);
  }
  return JSON.parse(run.stdout) as CompileResult;
}

/** `major.minor` of an interpreter, or undefined when it does not run. */
export function interpreterVersion(python: string): string | undefined {
  const run = spawnSync(python, ["-E", "-s", "-c", "import sys; print('%d.%d' % sys.version_info[:2])"], { encoding: "utf8" });
  if (run.error !== undefined || run.status !== 0) return undefined;
  return run.stdout.trim();
}
