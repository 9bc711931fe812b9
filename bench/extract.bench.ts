// Extraction throughput: the 35 real Miniconda .conda archives, ours
// (extractPackage, in process) against conda-package-handling's `cph x`
// (one process per archive, as a user or conda-build runs it) and, where its
// Python module is importable, cph's `api.extract` in one Python process (the
// stricter comparison: no interpreter start-up per archive). Sides are
// interleaved, each run extracts every archive into a fresh folder, and the
// figure is the median of RUNS runs after one untimed warm-up.
// Run: npm run build && node dist/bench/extract.bench.js. Writes the
// `## extract` section of bench/RESULTS.md.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join, relative } from "node:path";
import { extractPackage } from "../src/package/index.js";
import { REPO_ROOT, sharedPath } from "../test/helpers/shared_data.js";

const RUNS = Number(process.env.CG_BENCH_EXTRACT_RUNS ?? 7);
const PKGS = "pkgs-cache/qgb-miniconda3-py39-linux-64/pkgs";

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s.length % 2 === 1 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** Bytes of regular files under a folder (what an extraction wrote). */
function treeBytes(dir: string): number {
  let total = 0;
  for (const e of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (e.isFile()) total += statSync(join(e.parentPath, e.name)).size;
  }
  return total;
}

function hasCph(): boolean {
  return spawnSync("cph", ["--help"], { stdio: "ignore" }).status === 0;
}

/** The Python that runs `cph` (its shebang), which is the one that can import its module. */
function cphPython(): string | undefined {
  const where = spawnSync("sh", ["-c", "command -v cph"], { encoding: "utf8" }).stdout.trim();
  if (where === "") return undefined;
  const first = readFileSync(where, "utf8").split("\n", 1)[0];
  const python = first.startsWith("#!") ? first.slice(2).trim().split(/\s+/)[0] : "python3";
  return spawnSync(python, ["-c", "import conda_package_handling.api"], { stdio: "ignore" }).status === 0 ? python : undefined;
}

async function runOurs(archives: string[], dest: string): Promise<number> {
  const t = performance.now();
  for (const a of archives) await extractPackage(a, join(dest, a.slice(a.lastIndexOf("/") + 1, -".conda".length)));
  return performance.now() - t;
}

function runCphCli(archives: string[], dest: string): number {
  const t = performance.now();
  for (const a of archives) {
    const r = spawnSync("cph", ["x", a, "--dest", join(dest, a.slice(a.lastIndexOf("/") + 1, -".conda".length))], { stdio: "ignore" });
    if (r.status !== 0) throw new Error(`cph x ${a} failed`);
  }
  return performance.now() - t;
}

/** cph's Python API in one process; the process reports its own time so interpreter start-up is left out. */
function runCphModule(python: string, archives: string[], dest: string): number {
  const script = [
    "import sys, os, time, json",
    "from conda_package_handling import api",
    "archives = json.loads(sys.argv[1]); dest = sys.argv[2]",
    "t = time.perf_counter()",
    "for a in archives: api.extract(a, dest_dir=os.path.join(dest, os.path.basename(a)[:-6]))",
    "print((time.perf_counter() - t) * 1000)",
  ].join("\n");
  const r = spawnSync(python, ["-c", script, JSON.stringify(archives), dest], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`cph api failed: ${r.stderr}`);
  return Number(r.stdout.trim());
}

async function main(): Promise<void> {
  const dir = sharedPath(PKGS);
  if (!existsSync(dir)) {
    console.log(`SKIP extract bench: shared data not found at ${dir} (clone ../shared beside the repository)`);
    return;
  }
  const archives = readdirSync(dir).filter((f) => f.endsWith(".conda")).sort().map((f) => join(dir, f));
  const archiveBytes = archives.reduce((n, a) => n + statSync(a).size, 0);
  const cli = hasCph();
  const python = cli ? cphPython() : undefined;
  if (!cli) {
    console.log("cph (conda-package-handling) is not installed; reporting ours only. Install it with: apt-get install -y conda-package-handling (Debian/Ubuntu) or pip install conda-package-handling.");
  }
  const scratch = mkdtempSync(join(tmpdir(), "cg-bench-extract-"));
  const sides: Array<{ name: string; run: (dest: string) => Promise<number> | number }> = [{ name: "ours", run: (d) => runOurs(archives, d) }];
  if (python !== undefined) sides.push({ name: "cph api", run: (d) => runCphModule(python, archives, d) });
  if (cli) sides.push({ name: "cph x", run: (d) => runCphCli(archives, d) });
  const times = new Map<string, number[]>(sides.map((s) => [s.name, []]));
  let payloadBytes = 0;
  try {
    for (let run = 0; run <= RUNS; run++) {
      for (const side of sides) {
        const dest = join(scratch, side.name.replace(/\W/g, "-"));
        rmSync(dest, { recursive: true, force: true });
        const ms = await side.run(dest);
        if (side.name === "ours" && run === 0) payloadBytes = treeBytes(dest);
        if (run > 0) times.get(side.name)?.push(ms);
        rmSync(dest, { recursive: true, force: true });
      }
      if (run > 0) console.log(`run ${run}: ${sides.map((s) => `${s.name} ${times.get(s.name)?.at(-1)?.toFixed(0)} ms`).join(", ")}`);
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  const mb = payloadBytes / 1e6;
  const ours = median(times.get("ours") ?? []);
  const rows = sides.map((s) => {
    const m = median(times.get(s.name) ?? []);
    return `| ${s.name} | ${m.toFixed(0)} | ${(mb / (m / 1000)).toFixed(1)} | ${(m / ours).toFixed(2)} |`;
  });
  const section = [
    "## extract",
    "",
    `Node ${process.version}, ${new Date().toISOString().slice(0, 10)}, ${cpus().length} CPUs; \`node dist/bench/extract.bench.js\`.`,
    `All ${archives.length} Miniconda .conda archives (${(archiveBytes / 1e6).toFixed(1)} MB of archives, ${mb.toFixed(1)} MB of files written), each run into a fresh folder.`,
    `Medians of ${RUNS} runs after one untimed run, sides interleaved. MB/s = file bytes written per second.`,
    '"cph x" = `cph x <archive> --dest <dir>` once per archive (conda-package-handling 2 from Debian, C zstd through python-zstandard), so its time includes one Python start-up per archive;',
    '"cph api" = `conda_package_handling.api.extract` for every archive in one Python process, timed inside it (no start-up). Ratio = side time / our time (above 1: we are faster).',
    "The machine is shared; run-to-run spread is large (see the per-run lines the bench prints), which is why only medians of interleaved runs are compared.",
    "",
    "| side | median ms | MB/s | time ratio vs ours |",
    "|---|---:|---:|---:|",
    ...rows,
    ...(cli ? [] : ["", "cph was not installed on this machine, so only our figure is given."]),
    "",
  ].join("\n");
  const resultsPath = join(REPO_ROOT, "bench", "RESULTS.md");
  const previous = existsSync(resultsPath) ? readFileSync(resultsPath, "utf8") : "# Benchmark results\n";
  const pattern = /^## extract\n[\s\S]*?(?=^## |(?![\s\S]))/m;
  const next = pattern.test(previous) ? previous.replace(pattern, section) : `${previous.replace(/\n*$/, "\n\n")}${section}`;
  writeFileSync(resultsPath, next);
  console.log(`\n${section}\nwrote ${relative(REPO_ROOT, resultsPath)}`);
}

await main();
