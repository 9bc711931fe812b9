import { diffPackageSets, formatPackageDiff, isEmptyDiff } from "../../lock/index.js";
import { jsonResult, type CommandResult } from "../command.js";
import type { ChannelFlags } from "../context.js";
import { readPackageSource } from "./package_source.js";

export interface DiffCommandOptions extends ChannelFlags {
  json?: boolean;
}

/**
 * `condaguard diff A B`: each side a lockfile, an environment.yml or a prefix.
 * Exit 0 when they hold the same packages, 1 when they differ (like diff(1)).
 */
export async function diffCommand(a: string, b: string, options: DiffCommandOptions, env: NodeJS.ProcessEnv): Promise<CommandResult> {
  const left = await readPackageSource(a, options.platform, options, env);
  const right = await readPackageSource(b, options.platform, options, env);
  // A prefix holds one platform; compare it with any platform of the other side by name.
  const ignorePlatform = left.kind === "prefix" || right.kind === "prefix" || left.lock.format === "explicit" || right.lock.format === "explicit";
  const platforms = options.platform !== undefined ? [options.platform] : undefined;
  const diff = diffPackageSets(left.lock.packages, right.lock.packages, { ...(platforms ? { platforms } : {}), ignorePlatform });
  const same = isEmptyDiff(diff);
  if (options.json) {
    return jsonResult(
      {
        a: { kind: left.kind, path: left.path },
        b: { kind: right.kind, path: right.path },
        identical: same,
        added: diff.added,
        removed: diff.removed,
        upgraded: diff.upgraded,
        downgraded: diff.downgraded,
        changed_build: diff.changedBuild,
        hash_changed: diff.hashChanged,
        unchanged: diff.unchanged,
      },
      same ? 0 : 1,
    );
  }
  if (same) return { exitCode: 0, output: `No differences (${diff.unchanged} packages identical).\n` };
  const lines = formatPackageDiff(diff);
  const summary = [
    `${diff.added.length} added`,
    `${diff.removed.length} removed`,
    `${diff.upgraded.length} upgraded`,
    `${diff.downgraded.length} downgraded`,
    `${diff.changedBuild.length} other build`,
    `${diff.hashChanged.length} changed sha256`,
    `${diff.unchanged} unchanged`,
  ].join(", ");
  const diagnostics = diff.hashChanged.length > 0 ? [`warning: ${diff.hashChanged.length} package(s) have the same name, version and build but different bytes: treat as possible tampering.`] : [];
  return { exitCode: 1, output: `${lines.join("\n")}\n${summary}\n`, diagnostics };
}
