// Runs every compiled test file under dist/test with node's test runner.
// Node 20's `--test` takes files, not globs, so the list is built here.
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "node:child_process";

// A compiled test whose .ts source was deleted is stale output, not a test.
function sourceOf(compiled) {
  return compiled.replace(/^dist[\\/]/, "").replace(/\.js$/, ".ts");
}

function collect(dir, out) {
  for (const entry of readdirSync(dir).sort()) {
    const full = join(dir, entry);
    if (statSync(full).isDirectory()) collect(full, out);
    else if (entry.endsWith(".test.js") && existsSync(sourceOf(full))) out.push(full);
  }
  return out;
}

const filters = process.argv.slice(2);
const files = collect("dist/test", []).filter(
  (f) => filters.length === 0 || filters.some((needle) => f.includes(needle)),
);
if (files.length === 0) {
  console.error("no test files matched");
  process.exit(1);
}
const result = spawnSync(process.execPath, ["--test", "--test-reporter=spec", ...files], {
  stdio: "inherit",
});
process.exit(result.status ?? 1);
