// Repodata index benchmark: our cold index build and warm binary-cache load
// against JSON.parse of the same bytes, over every real repodata file in
// ../shared/data. Run: npm run bench:repodata. Writes the `## repodata`
// section of bench/RESULTS.md.
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { encodeBinaryIndex, indexRepodataJson, openBinaryIndex } from "../src/repodata/index.js";
import { REPO_ROOT, SHARED_DATA } from "../test/helpers/shared_data.js";

interface Row {
  file: string;
  bytes: number;
  records: number;
  names: number;
  coldMs: number;
  parseMs: number;
  readParseMs: number;
  warmOpenMs: number;
  warmAllMs: number;
}

function walk(dir: string, out: string[] = []): string[] {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) walk(full, out);
    else if (entry.name.endsWith(".json")) out.push(full);
  }
  return out;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Real repodata: parses, and has a `packages` or `packages.conda` object. */
function isRepodata(bytes: Buffer): boolean {
  let doc: unknown;
  try {
    doc = JSON.parse(bytes.toString("utf8"));
  } catch {
    return false; // the intentionally broken fixtures
  }
  return isObject(doc) && (isObject(doc.packages) || isObject(doc["packages.conda"]));
}

/** Median wall time of `fn` in ms; more runs for small inputs so the median is stable. */
function median(fn: () => unknown, bytes: number): number {
  const runs = bytes > 1_000_000 ? 9 : bytes > 100_000 ? 21 : 51;
  fn(); // warm up the JIT and the page cache
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    fn();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return times[runs >> 1];
}

function geomean(values: number[]): number {
  return values.length === 0 ? NaN : Math.exp(values.reduce((s, v) => s + Math.log(v), 0) / values.length);
}

const mbps = (bytes: number, ms: number): string => (bytes / 1e6 / (ms / 1000)).toFixed(0);
const fmt = (ms: number): string => (ms < 1 ? ms.toFixed(3) : ms.toFixed(2));

function main(): void {
  if (!existsSync(SHARED_DATA)) {
    console.log(`SKIP repodata bench: shared data not found at ${SHARED_DATA} (clone ../shared beside the repository)`);
    return;
  }
  const files = walk(SHARED_DATA)
    .filter((f) => isRepodata(readFileSync(f)))
    .sort();
  const scratch = mkdtempSync(join(tmpdir(), "cg-bench-repodata-"));
  const rows: Row[] = [];
  try {
    for (const file of files) {
      const bytes = readFileSync(file);
      const source = { channel: "https://bench.invalid/ch", subdir: "linux-64", url: "https://bench.invalid/ch/linux-64" };
      const stamp = { size: bytes.length, sha256: createHash("sha256").update(bytes).digest("hex") };
      const cold = indexRepodataJson(bytes, source);
      const idxPath = join(scratch, `${rows.length}.idx`);
      writeFileSync(idxPath, encodeBinaryIndex(cold, stamp));
      const names = cold.names();
      rows.push({
        file: relative(SHARED_DATA, file),
        bytes: bytes.length,
        records: cold.recordCount,
        names: names.length,
        coldMs: median(() => indexRepodataJson(bytes, source), bytes.length),
        parseMs: median(() => JSON.parse(bytes.toString("utf8")), bytes.length),
        // The honest pair: both start from a file on disk.
        readParseMs: median(() => JSON.parse(readFileSync(file).toString("utf8")), bytes.length),
        warmOpenMs: median(() => openBinaryIndex(idxPath, source, stamp).names().length, bytes.length),
        warmAllMs: median(() => {
          const warm = openBinaryIndex(idxPath, source, stamp);
          let n = 0;
          for (const name of warm.names()) n += warm.records(name).length;
          return n;
        }, bytes.length),
      });
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  rows.sort((a, b) => b.bytes - a.bytes);

  const header =
    "| file | KiB | records | names | cold index MB/s | JSON.parse MB/s | read+JSON.parse ms | warm open ms | warm open+all records ms | ratio parse/warm open | ratio parse/warm all |";
  const lines = [header, "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"];
  for (const r of rows) {
    lines.push(
      `| ${r.file} | ${(r.bytes / 1024).toFixed(0)} | ${r.records} | ${r.names} | ${mbps(r.bytes, r.coldMs)} | ${mbps(r.bytes, r.parseMs)} | ` +
        `${fmt(r.readParseMs)} | ${fmt(r.warmOpenMs)} | ${fmt(r.warmAllMs)} | ${(r.readParseMs / r.warmOpenMs).toFixed(1)} | ${(r.readParseMs / r.warmAllMs).toFixed(2)} |`,
    );
  }
  const large = rows.filter((r) => r.bytes >= 1_000_000);
  const summary = [
    `files: ${rows.length} (${large.length} of at least 1 MB)`,
    `geometric mean of read+JSON.parse / warm open: all files ${geomean(rows.map((r) => r.readParseMs / r.warmOpenMs)).toFixed(1)}x, files >= 1 MB ${geomean(large.map((r) => r.readParseMs / r.warmOpenMs)).toFixed(1)}x (target >= 5x)`,
    `geometric mean of read+JSON.parse / warm open + materialise every record: all files ${geomean(rows.map((r) => r.readParseMs / r.warmAllMs)).toFixed(2)}x, files >= 1 MB ${geomean(large.map((r) => r.readParseMs / r.warmAllMs)).toFixed(2)}x`,
    `geometric mean of cold index build / JSON.parse (same bytes, in memory): files >= 1 MB ${geomean(large.map((r) => r.coldMs / r.parseMs)).toFixed(2)}x`,
  ];
  const table = lines.join("\n");
  console.log(table);
  console.log("");
  for (const line of summary) console.log(line);

  const section = [
    "## repodata",
    "",
    `Node ${process.version}, ${new Date().toISOString().slice(0, 10)}; medians of 9-51 runs per file (\`npm run bench:repodata\`).`,
    "Warm open = open the binary cache file and read + check its header and name table (the record region is",
    "read on the first lookup, records decoded per name on demand); warm all = the same plus reading the record",
    "region and materialising every record as a PackageRecord. Both are compared with",
    "reading the JSON file + `JSON.parse`. Cold index = `JSON.parse` + grouping by name (`indexRepodataJson`).",
    "The gateway writes no binary cache for JSON under 64 KiB: there opening it costs as much as parsing (ratios near 1).",
    "",
    ...summary.map((s) => `- ${s}`),
    "",
    table,
    "",
  ].join("\n");
  const resultsPath = join(REPO_ROOT, "bench", "RESULTS.md");
  const previous = existsSync(resultsPath) ? readFileSync(resultsPath, "utf8") : "# Benchmark results\n";
  const pattern = /^## repodata\n[\s\S]*?(?=^## |(?![\s\S]))/m;
  const next = pattern.test(previous) ? previous.replace(pattern, section) : `${previous.replace(/\n*$/, "\n\n")}${section}`;
  writeFileSync(resultsPath, next);
  console.log(`\nwrote ${relative(REPO_ROOT, resultsPath)}`);
}

main();
