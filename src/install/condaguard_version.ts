import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

let cached: string | undefined;

/** condaguard's version from its package.json, for `# condaguard version:` in the history and `--version`. */
export function condaguardVersion(): string {
  if (cached !== undefined) return cached;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { name?: string; version?: string };
      if (pkg.name === "condaguard" && typeof pkg.version === "string") return (cached = pkg.version);
    } catch {
      // not at the package root yet
    }
    dir = dirname(dir);
  }
  return (cached = "0.0.0");
}
