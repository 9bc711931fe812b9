// Verify benchmark: installs the real Miniconda package cache into a temporary
// prefix, then compares verifyPrefix's hashing throughput with `sha256sum -b`
// over the same files run as two parallel processes (the file list split in
// two). Run: npm run build && node dist/bench/verify.bench.js. Writes the
// `## verify` section of bench/RESULTS.md.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { availableParallelism, cpus, loadavg, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { executeTransaction, planTransaction, readPrefix, verifyPrefix, type LinkRequest, type PrefixRecord } from "../src/install/index.js";
import { hashFiles } from "../src/install/hash_pool.js";
import { extractPackage } from "../src/package/index.js";
import { REPO_ROOT, sharedPath } from "../test/helpers/shared_data.js";

const CACHE = "pkgs-cache/qgb-miniconda3-py39-linux-64";
const RUNS = 11;

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function buildPrefix(work: string): Promise<string> {
  const meta = sharedPath(CACHE, "conda-meta");
  const pkgs = sharedPath(CACHE, "pkgs");
  const requests: LinkRequest[] = [];
  let targetPrefix = "";
  for (const fn of readdirSync(pkgs).filter((n) => n.endsWith(".conda"))) {
    const dist = fn.slice(0, -".conda".length);
    const dir = join(work, "pkgs", dist);
    await extractPackage(join(pkgs, fn), dir);
    const conda = JSON.parse(readFileSync(join(meta, `${dist}.json`), "utf8")) as Record<string, unknown>;
    // The prefix conda installed into: <prefix>/pkgs/<dist> is where it extracted the package.
    targetPrefix = dirname(dirname(String(conda.extracted_package_dir)));
    for (const k of ["files", "paths_data", "requested_spec", "link", "extracted_package_dir", "package_tarball_full_path"]) delete conda[k];
    requests.push({ record: conda as unknown as PrefixRecord, extractedDir: dir });
  }
  const prefix = join(work, "env");
  // Copies, not hard links, so that both sides read files of their own (the cache is warm either way).
  await executeTransaction(prefix, planTransaction([], requests), { targetPrefix, python: { version: "3.9" }, hardlinks: false });
  return prefix;
}

function runSha256sum(files: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn("sha256sum", ["-b", "--", ...files], { stdio: ["ignore", "ignore", "inherit"] });
    child.on("error", reject);
    child.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`sha256sum exited ${code}`))));
  });
}

async function main(): Promise<void> {
  if (!existsSync(sharedPath(CACHE))) {
    console.log(`skipped: ${sharedPath(CACHE)} not found`);
    return;
  }
  const loadAtStart = loadavg()[0].toFixed(1);
  const work = mkdtempSync(join(tmpdir(), "cg-verify-bench-"));
  try {
    const prefix = await buildPrefix(work);
    const records = await readPrefix(prefix);
    const files = records.flatMap((r) => r.paths_data.paths.filter((p) => p.path_type === "hardlink").map((p) => join(prefix, p._path)));
    const sizes = files.map((f) => statSync(f).size);
    const bytes = sizes.reduce((a, b) => a + b, 0);
    // Split in two halves of equal bytes: largest first, each to the lighter half.
    const order = files.map((_, i) => i).sort((a, b) => sizes[b] - sizes[a]);
    const halves: string[][] = [[], []];
    const weight = [0, 0];
    for (const i of order) {
      const h = weight[0] <= weight[1] ? 0 : 1;
      halves[h].push(files[i]);
      weight[h] += sizes[i];
    }
    // Warm the page cache for both.
    await verifyPrefix(prefix);
    await Promise.all(halves.map(runSha256sum));

    const verifyMs: number[] = [];
    const poolMs: number[] = [];
    const sumMs: number[] = [];
    let checked = 0;
    let hashed = 0;
    for (let run = 0; run < RUNS; run++) {
      let t = performance.now();
      const report = await verifyPrefix(prefix);
      verifyMs.push(performance.now() - t);
      if (report.summary.total !== 0) throw new Error(`verify found ${report.summary.total} issues`);
      checked = report.checkedFiles;
      hashed = report.hashedBytes;
      t = performance.now();
      await hashFiles(files);
      poolMs.push(performance.now() - t);
      t = performance.now();
      await Promise.all(halves.map(runSha256sum));
      sumMs.push(performance.now() - t);
    }
    const mbps = (b: number, ms: number): number => b / 1e6 / (ms / 1000);
    const ours = mbps(hashed, median(verifyMs));
    const pool = mbps(bytes, median(poolMs));
    const theirs = mbps(bytes, median(sumMs));
    // Each run's pair is measured back to back, so the ratio within a pair
    // cancels most of the drift of a shared machine between runs.
    const pairedRatio = median(verifyMs.map((ms, i) => mbps(hashed, ms) / mbps(bytes, sumMs[i] as number)));
    const lines = [
      "## verify",
      "",
      `Node ${process.version}, ${new Date().toISOString().slice(0, 10)}, ${availableParallelism()} cores (${cpus()[0]?.model ?? "unknown CPU"}); median of ${RUNS} interleaved runs, warm page cache; load average ${loadAtStart} when the bench started (the machine is shared, so figures move from run to run).`,
      `Prefix: the 35 Miniconda packages installed (copies), ${files.length} regular files, ${(bytes / 1e6).toFixed(1)} MB.`,
      "verifyPrefix = the whole check (read conda-meta, lstat every recorded path, hash in a worker thread plus the calling thread, walk the prefix for unrecorded files, look for pip distributions), worker start-up included.",
      "sha256sum = `sha256sum -b` over the same files as two parallel processes, the list split in two halves of equal bytes.",
      "",
      "| measure | median ms | MB/s | ratio to sha256sum x2 |",
      "|---|---:|---:|---:|",
      `| verifyPrefix (${checked} paths checked, ${(hashed / 1e6).toFixed(1)} MB hashed) | ${median(verifyMs).toFixed(1)} | ${ours.toFixed(0)} | ${(ours / theirs).toFixed(2)} |`,
      `| hash pool only (same files) | ${median(poolMs).toFixed(1)} | ${pool.toFixed(0)} | ${(pool / theirs).toFixed(2)} |`,
      `| sha256sum -b x2 | ${median(sumMs).toFixed(1)} | ${theirs.toFixed(0)} | 1.00 |`,
      "",
      `Target: verifyPrefix >= 0.80 of sha256sum's throughput; measured ${(ours / theirs).toFixed(2)} (ratio of the medians), ${pairedRatio.toFixed(2)} (median of the ${RUNS} per-run ratios, each verify run against the sha256sum run right after it).`,
      "",
    ];
    const section = lines.join("\n");
    console.log(section);
    const resultsPath = join(REPO_ROOT, "bench", "RESULTS.md");
    const previous = existsSync(resultsPath) ? readFileSync(resultsPath, "utf8") : "# Benchmark results\n";
    const pattern = /^## verify\n[\s\S]*?(?=^## |(?![\s\S]))/m;
    const next = pattern.test(previous) ? previous.replace(pattern, section) : `${previous.replace(/\n*$/, "\n\n")}${section}`;
    writeFileSync(resultsPath, next);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
