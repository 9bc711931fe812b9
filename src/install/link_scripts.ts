import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { InstallError } from "./errors.js";
import type { InstallRecord } from "./types.js";

export type LinkScriptKind = "pre-link" | "post-link" | "pre-unlink";

/** `bin/.<name>-<kind>.sh`, where conda packages keep their link scripts. */
export function linkScriptPath(name: string, kind: LinkScriptKind): string {
  return `bin/.${name}-${kind}.sh`;
}

/**
 * Runs one link script with conda's environment variables (PREFIX,
 * PKG_NAME, PKG_VERSION, PKG_BUILDNUM). Throws CG_INSTALL_LINK_SCRIPT with
 * its output when it fails.
 */
export function runLinkScript(options: { script: string; kind: LinkScriptKind; prefix: string; record: InstallRecord; dist: string }): string {
  if (!existsSync(options.script)) return "";
  const run = spawnSync("/bin/sh", [options.script], {
    cwd: options.prefix,
    encoding: "utf8",
    env: {
      ...process.env,
      PREFIX: options.prefix,
      PKG_NAME: options.record.name,
      PKG_VERSION: options.record.version,
      PKG_BUILDNUM: String(options.record.build_number ?? 0),
      PATH: `${join(options.prefix, "bin")}:${process.env.PATH ?? "/usr/bin:/bin"}`,
    },
  });
  const output = `${run.stdout ?? ""}${run.stderr ?? ""}`;
  if (run.error !== undefined || run.status !== 0) {
    throw new InstallError(
      "CG_INSTALL_LINK_SCRIPT",
      `The ${options.kind} script of ${options.dist} failed (${run.error?.message ?? `exit ${run.status}`}): ${output.trim().slice(-2000)}`,
      { packageName: options.dist, path: options.script },
    );
  }
  return output;
}
