import type { EntryPoint } from "../package/index.js";

/** Where a noarch: python package's files go in this environment. */
export interface PythonLayout {
  /** `3.9` */
  version: string;
  /** `lib/python3.9/site-packages` (or `Lib/site-packages` on Windows, or the python record's own). */
  sitePackages: string;
  /** `bin` (or `Scripts` on Windows). */
  scripts: string;
  /** Interpreter written into entry point shebangs. */
  shebangInterpreter: string;
  /** True when the interpreter lives outside the prefix, so entry points must add site-packages to sys.path. */
  externalInterpreter: boolean;
}

/** `3.9.1` -> `3.9`; undefined when it does not start with two numbers. */
export function majorMinor(version: string): string | undefined {
  const m = /^(\d+)\.(\d+)/.exec(version);
  return m === null ? undefined : `${m[1]}.${m[2]}`;
}

/** The layout for a python version; `sitePackagesPath` is CEP 17's `python_site_packages_path` when the python record has one. */
export function pythonLayout(options: {
  version: string;
  windows: boolean;
  targetPrefix: string;
  interpreter?: string;
  sitePackagesPath?: string;
}): PythonLayout {
  const sitePackages = options.sitePackagesPath ?? (options.windows ? "Lib/site-packages" : `lib/python${options.version}/site-packages`);
  const scripts = options.windows ? "Scripts" : "bin";
  const inPrefix = `${options.targetPrefix}/${options.windows ? "python.exe" : "bin/python"}`;
  const interpreter = options.interpreter ?? inPrefix;
  return {
    version: options.version,
    sitePackages,
    scripts,
    shebangInterpreter: interpreter,
    externalInterpreter: interpreter !== inPrefix,
  };
}

/** Maps a path of a noarch: python package to its place in the prefix. */
export function noarchPythonPath(path: string, layout: PythonLayout): string {
  if (path.startsWith("site-packages/")) return `${layout.sitePackages}/${path.slice("site-packages/".length)}`;
  if (path.startsWith("python-scripts/")) return `${layout.scripts}/${path.slice("python-scripts/".length)}`;
  return path;
}

/** The pyc a CPython of this version writes for a .py file (PEP 3147), or undefined for other files. */
export function pycPath(pyPath: string, pythonVersion: string): string | undefined {
  if (!pyPath.endsWith(".py")) return undefined;
  const slash = pyPath.lastIndexOf("/");
  const dir = pyPath.slice(0, slash + 1);
  const stem = pyPath.slice(slash + 1, -3);
  return `${dir}__pycache__/${stem}.cpython-${pythonVersion.replace(".", "")}.pyc`;
}

/**
 * The console script for an entry point. Like conda's, it strips a
 * `-script.py` / `.exe` suffix from argv[0] and exits with the function's
 * result. When the interpreter is not the environment's own, it first puts
 * the environment's site-packages on sys.path so the import resolves there.
 */
export function entryPointScript(ep: EntryPoint, layout: PythonLayout, targetPrefix: string): string {
  const importName = ep.func.split(".")[0];
  const interpreter = layout.shebangInterpreter;
  // The kernel reads 127 bytes of a shebang; past that, start through /bin/sh,
  // which re-executes the file with the interpreter (Python skips the string).
  const head =
    interpreter.length + 2 <= 127 && !/\s/.test(interpreter)
      ? [`#!${interpreter}`]
      : ["#!/bin/sh", `'''exec' ${shellQuote(interpreter)} "$0" "$@"`, "' '''"];
  const lines = [...head, "# -*- coding: utf-8 -*-", "import sys", ""];
  if (layout.externalInterpreter) {
    lines.push(`sys.path.insert(0, ${JSON.stringify(`${targetPrefix}/${layout.sitePackages}`)})`, "");
  }
  lines.push(
    `from ${ep.module} import ${importName}`,
    "",
    "if __name__ == '__main__':",
    "    for suffix in ('-script.pyw', '-script.py', '.exe'):",
    "        if sys.argv[0].endswith(suffix):",
    "            sys.argv[0] = sys.argv[0][: -len(suffix)]",
    "            break",
    `    sys.exit(${ep.func}())`,
    "",
  );
  return lines.join("\n");
}

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}
