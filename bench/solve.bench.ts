// Solve benchmark: our solver against @conda-org/rattler's `simpleSolve`
// (resolvo compiled to WebAssembly) in the same run, on the real problems of
// test/helpers/solve_problems.ts, plus a synthetic scale problem of at least
// 500,000 records generated from the real conda-forge records.
// Run: npm run bench:solve. Writes the `## solve` section of bench/RESULTS.md.
//
// What is timed, for both sides: repodata loading over HTTP from 127.0.0.1
// plus the solve. The peer keeps no cache and fetches every call; ours gets a
// fresh RepodataGateway on a new, empty cache folder every run, so it fetches
// and parses every run too. Same server, same files, runs interleaved.
import { spawn } from "node:child_process";
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from "node:fs";
import { cpus, tmpdir, totalmem } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { serveDirectory } from "../src/channel/index.js";
import { REPO_ROOT, SHARED_DATA, sharedPath } from "../test/helpers/shared_data.js";
import { SCALE_BASE_PROBLEM, SOLVE_PROBLEMS, type SolveProblem } from "../test/helpers/solve_problems.js";
import { loadRattler, serveProblem, solveWithOurs, solveWithRattler, type RattlerPeer, type ServedProblem } from "../test/helpers/solve_runners.js";

const RUNS = Math.max(5, Number(process.env.CG_BENCH_SOLVE_RUNS ?? 7));
const SCALE_RUNS = Math.max(1, Number(process.env.CG_BENCH_SOLVE_SCALE_RUNS ?? 3));
const SCALE_MIN_RECORDS = 500_000;

interface Row {
  problem: string;
  packages: string;
  oursMs: number;
  oursLoadMs: number;
  oursSolveMs: number;
  rattlerMs: number;
  note: string;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function geomean(values: number[]): number {
  return values.length === 0 ? NaN : Math.exp(values.reduce((s, v) => s + Math.log(v), 0) / values.length);
}

const gc = (): void => (globalThis as { gc?: () => void }).gc?.();
const fmt = (ms: number): string => (ms < 10 ? ms.toFixed(2) : ms.toFixed(1));

/** Times one call; a failure (an unsatisfiable request) is timed too and reported as `error`. */
async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value?: T; error?: unknown }> {
  gc();
  const t = performance.now();
  try {
    const value = await fn();
    return { ms: performance.now() - t, value };
  } catch (error) {
    return { ms: performance.now() - t, error };
  }
}

async function benchProblem(rattler: RattlerPeer, served: ServedProblem): Promise<Row> {
  // One untimed run each: JIT / WebAssembly tier-up, and the answers for the table.
  const oursFirst = await timed(() => solveWithOurs(served));
  const peerFirst = await timed(() => solveWithRattler(rattler, served));
  const ours: number[] = [];
  const load: number[] = [];
  const solve: number[] = [];
  const peer: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    // Alternate which side goes first so neither always runs on a hotter machine.
    const order = i % 2 === 0 ? ["ours", "peer"] : ["peer", "ours"];
    for (const side of order) {
      if (side === "ours") {
        const r = await timed(() => solveWithOurs(served));
        ours.push(r.ms);
        if (r.value !== undefined) {
          load.push(r.value.loadMs);
          solve.push(r.value.solveMs);
        }
      } else peer.push((await timed(() => solveWithRattler(rattler, served))).ms);
    }
  }
  const oursCount = oursFirst.value?.keys.length;
  const peerCount = peerFirst.value?.length;
  const notes: string[] = [];
  if (oursFirst.error !== undefined) notes.push("ours: no solution");
  if (peerFirst.error !== undefined) notes.push("rattler: no solution");
  if (oursFirst.value !== undefined && peerFirst.value !== undefined && oursFirst.value.keys.join("\n") !== peerFirst.value.join("\n")) {
    notes.push("solutions differ (see the cross-check)");
  }
  return {
    problem: served.problem.name,
    packages: `${oursCount ?? "-"} / ${peerCount ?? "-"}`,
    oursMs: median(ours),
    oursLoadMs: load.length > 0 ? median(load) : NaN,
    oursSolveMs: solve.length > 0 ? median(solve) : NaN,
    rattlerMs: median(peer),
    note: notes.join("; "),
  };
}

// ---------------------------------------------------------------- scale problem

interface ScaleChannel {
  label: string;
  dir: string;
  baseRecords: number;
  records: number;
  bytes: number;
  copies: number;
}

type RawRecord = Record<string, unknown>;

/** Fields of the subchannel export that real repodata.json does not carry, or that are null. */
const DROPPED_FIELDS = new Set(["url", "channel", "arch", "platform"]);

/**
 * Writes a synthetic channel: every record of conda-forge-py39 `linux-64` and
 * `noarch`, plus `copies - 1` new versions of each (`<version>.<k>`, same
 * build string, so globs such as `*_cp39` still match), depends and
 * constrains unchanged. Version ranges reach the new versions, exact pins
 * (`libgomp 13.2.0 h77fa898_7`) only the originals. A new version that
 * already exists (zlib 1.3 + `.1` = the real zlib 1.3.1) is skipped.
 */
function writeScaleChannel(dest: string, label: string, copies: number): ScaleChannel {
  const subdirs = ["linux-64", "noarch"];
  const sources = subdirs.map((sd) => JSON.parse(readFileSync(sharedPath("channels/conda-forge-py39", sd, "repodata.json"), "utf8")) as Record<string, unknown>);
  const seen = new Set<string>();
  let base = 0;
  for (const doc of sources) {
    for (const key of ["packages", "packages.conda"]) {
      for (const raw of Object.values((doc[key] ?? {}) as Record<string, RawRecord>)) {
        seen.add(`${String(raw.name)}-${String(raw.version)}-${String(raw.build)}`);
        base++;
      }
    }
  }
  let records = 0;
  let bytes = 0;
  subdirs.forEach((subdir, i) => {
    const doc = sources[i];
    mkdirSync(join(dest, subdir), { recursive: true });
    const fd = openSync(join(dest, subdir, "repodata.json"), "w");
    const write = (text: string): void => {
      bytes += writeSync(fd, text);
    };
    try {
      write(`{"info":{"subdir":${JSON.stringify(subdir)}},"repodata_version":1`);
      for (const key of ["packages", "packages.conda"]) {
        write(`,${JSON.stringify(key)}:{`);
        const ext = key === "packages" ? ".tar.bz2" : ".conda";
        let first = true;
        for (const raw of Object.values((doc[key] ?? {}) as Record<string, RawRecord>)) {
          const clean: RawRecord = {};
          for (const [k, v] of Object.entries(raw)) if (!DROPPED_FIELDS.has(k) && v !== null) clean[k] = v;
          for (let k = 0; k < copies; k++) {
            const rec = k === 0 ? clean : { ...clean, version: `${String(clean.version)}.${k}` };
            const id = `${String(rec.name)}-${String(rec.version)}-${String(rec.build)}`;
            if (k > 0 && seen.has(id)) continue;
            seen.add(id);
            rec.fn = `${id}${ext}`;
            write(`${first ? "" : ","}${JSON.stringify(rec.fn)}:${JSON.stringify(rec)}`);
            first = false;
            records++;
          }
        }
        write("}");
      }
      write("}\n");
    } finally {
      closeSync(fd);
    }
  });
  return { label, dir: dest, baseRecords: base, records, bytes, copies };
}

interface ChildResult {
  ms: number;
  loadMs?: number;
  solveMs?: number;
  packages: number;
  maxRssMiB: number;
  error?: string;
}

interface ChildRequest {
  side: "ours" | "ours-warm" | "ours-fill" | "rattler";
  /** The channel to solve on. */
  url: string;
  /** ours-fill: the cache folder to fill; ours-warm: the filled cache folder to solve on. */
  cacheDir?: string;
  subdir: string;
  specs: string[];
  /** The real-size channel: the same request is solved on it once first, untimed, so JIT and WebAssembly tier-up are not in the figure. */
  warmUrl: string;
}

/**
 * Child mode: one timed solve in a fresh process, so its peak RSS belongs to
 * that solve alone. `ours-fill` solves once (untimed) to fill a cache folder;
 * `ours-warm` then, in another process, times a gateway on that folder: what
 * a user sees on the next solve (the server answers 304, the offsets index is
 * opened). Filling in the timed process itself would also time the clean-up
 * of the fill (collecting its buffers, writing back hundreds of MiB of cache).
 */
async function childMain(request: ChildRequest): Promise<void> {
  const problem: SolveProblem = { name: "child", channels: [], subdir: request.subdir, specs: request.specs, virtualPackages: [] };
  const served: ServedProblem = { problem, urls: [request.url], close: async () => {} };
  const warm: ServedProblem = { problem, urls: [request.warmUrl], close: async () => {} };
  let out: ChildResult;
  if (request.side === "ours-fill") {
    const t = performance.now();
    const run = await solveWithOurs(served, { timeoutMs: 600_000, cacheDir: request.cacheDir });
    out = { ms: performance.now() - t, packages: run.keys.length, maxRssMiB: 0 };
  } else if (request.side !== "rattler") {
    await solveWithOurs(warm);
    const cacheDir = request.side === "ours-warm" ? request.cacheDir : undefined;
    gc();
    const t = performance.now();
    try {
      const run = await solveWithOurs(served, { timeoutMs: 600_000, cacheDir });
      out = { ms: performance.now() - t, loadMs: run.loadMs, solveMs: run.solveMs, packages: run.keys.length, maxRssMiB: 0 };
    } catch (err) {
      out = { ms: performance.now() - t, packages: 0, maxRssMiB: 0, error: String(err).split("\n")[0] };
    }
  } else {
    const rattler = await loadRattler();
    if (typeof rattler === "string") throw new Error(rattler);
    await solveWithRattler(rattler, warm);
    gc();
    const t = performance.now();
    try {
      const keys = await solveWithRattler(rattler, served);
      out = { ms: performance.now() - t, packages: keys.length, maxRssMiB: 0 };
    } catch (err) {
      out = { ms: performance.now() - t, packages: 0, maxRssMiB: 0, error: String(err).split("\n")[0] };
    }
  }
  out.maxRssMiB = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

function runChild(request: ChildRequest): Promise<ChildResult> {
  const self = fileURLToPath(import.meta.url);
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ["--expose-gc", "--max-old-space-size=16384", self, "--child", JSON.stringify(request)], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString("utf8");
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString("utf8");
    });
    child.on("error", fail);
    child.on("close", (code, signal) => {
      const line = stdout.trim().split("\n").pop() ?? "";
      try {
        done(JSON.parse(line) as ChildResult);
      } catch {
        // A crash (the peer's WebAssembly aborts the process): keep its first error line.
        const why = stderr.split("\n").find((l) => /Error/.test(l))?.trim() ?? stderr.trim().split("\n")[0] ?? "";
        done({ ms: NaN, packages: 0, maxRssMiB: NaN, error: `process exited with ${signal ?? code}: ${why.slice(0, 160)}` });
      }
    });
  });
}

interface ScaleRow {
  channel: string;
  records: number;
  side: ChildRequest["side"];
  result: ChildResult;
}

async function medianChild(request: ChildRequest, runs: number): Promise<ChildResult> {
  const results: ChildResult[] = [];
  for (let i = 0; i < runs; i++) {
    const r = await runChild(request);
    results.push(r);
    if (r.error !== undefined) break; // a crash does not get better with repetition
  }
  const ok = results.filter((r) => r.error === undefined);
  if (ok.length === 0) return results[0];
  const pick = (f: (r: ChildResult) => number | undefined): number | undefined => {
    const v = ok.map(f).filter((x): x is number => x !== undefined);
    return v.length === 0 ? undefined : median(v);
  };
  return {
    ms: pick((r) => r.ms) ?? NaN,
    loadMs: pick((r) => r.loadMs),
    solveMs: pick((r) => r.solveMs),
    packages: ok[0].packages,
    maxRssMiB: Math.max(...ok.map((r) => r.maxRssMiB)),
  };
}

interface ScaleResult {
  channels: ScaleChannel[];
  realRecords: number;
  rows: ScaleRow[];
}

async function benchScale(scratch: string, base: SolveProblem): Promise<ScaleResult> {
  const realRecords = ["linux-64", "noarch"].reduce((n, sd) => {
    const doc = JSON.parse(readFileSync(sharedPath("channels/conda-forge-py39", sd, "repodata.json"), "utf8")) as Record<string, object | undefined>;
    return n + Object.keys(doc.packages ?? {}).length + Object.keys(doc["packages.conda"] ?? {}).length;
  }, 0);
  const midCopies = Math.max(2, Number(process.env.CG_BENCH_SOLVE_MID_COPIES ?? 10));
  const channels: ScaleChannel[] = [];
  for (const [label, copies] of [
    [`synthetic x${midCopies}`, midCopies],
    ["synthetic >= 500k", Math.ceil(SCALE_MIN_RECORDS / realRecords) + 1],
  ] as const) {
    const t = performance.now();
    const channel = writeScaleChannel(join(scratch, label.replace(/[^a-z0-9]+/gi, "-")), label, copies);
    channels.push(channel);
    console.log(
      `${label}: ${channel.records} records (up to ${copies} versions of each real record), ${(channel.bytes / 2 ** 20).toFixed(0)} MiB of JSON, written in ${((performance.now() - t) / 1000).toFixed(1)} s`,
    );
  }
  const real = await serveDirectory(sharedPath("channels/conda-forge-py39"));
  const rows: ScaleRow[] = [];
  try {
    const targets = [{ label: "real conda-forge-py39", records: realRecords, url: real.url, close: async () => {} }];
    for (const channel of channels) {
      const server = await serveDirectory(channel.dir);
      targets.push({ label: channel.label, records: channel.records, url: server.url, close: () => server.close() });
    }
    try {
      for (const target of targets) {
        const sides: Array<ChildRequest["side"]> = target === targets[0] || target === targets[targets.length - 1] ? ["ours", "ours-warm", "rattler"] : ["ours", "rattler"];
        for (const side of sides) {
          const request: ChildRequest = { side, url: target.url, subdir: base.subdir, specs: [...base.specs], warmUrl: real.url };
          let result: ChildResult;
          if (side === "ours-warm") {
            request.cacheDir = mkdtempSync(join(scratch, "warm-cache-"));
            try {
              const fill = await runChild({ ...request, side: "ours-fill" });
              result = fill.error !== undefined ? fill : await medianChild(request, SCALE_RUNS);
            } finally {
              rmSync(request.cacheDir, { recursive: true, force: true });
            }
          } else result = await medianChild(request, SCALE_RUNS);
          rows.push({ channel: target.label, records: target.records, side, result });
          console.log(
            `scale ${target.label} (${target.records} records) ${side}: ` +
              (result.error !== undefined
                ? `failed: ${result.error}`
                : `${fmt(result.ms)} ms` +
                  (result.loadMs === undefined ? "" : ` (load ${fmt(result.loadMs)} + solve ${fmt(result.solveMs ?? NaN)})`) +
                  `, peak RSS ${result.maxRssMiB.toFixed(0)} MiB, ${result.packages} packages`),
          );
        }
      }
    } finally {
      for (const t of targets) await t.close();
    }
  } finally {
    await real.close();
  }
  return { channels, realRecords, rows };
}

// ---------------------------------------------------------------- report

function peerVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(join(REPO_ROOT, "node_modules", "@conda-org", "rattler", "package.json"), "utf8")) as { version: string };
    return pkg.version;
  } catch {
    return "?";
  }
}

function scaleSection(scale: ScaleResult): string[] {
  const big = scale.channels[scale.channels.length - 1];
  const realOf = (side: ChildRequest["side"]): ChildResult | undefined => scale.rows.find((r) => r.channel === "real conda-forge-py39" && r.side === side)?.result;
  const sideName: Record<ChildRequest["side"], string> = { ours: "ours (cold cache)", "ours-warm": "ours (warm cache)", "ours-fill": "-", rattler: "rattler" };
  const ratio = (ms: number, of: ChildResult | undefined): string => (of === undefined || of.error !== undefined ? "-" : `${(ms / of.ms).toFixed(1)}x`);
  return [
    "### scale (synthetic)",
    "",
    `Synthetic channels generated by the bench from the ${scale.realRecords} real records of conda-forge-py39 linux-64 + noarch: each record in up to N versions ` +
      "(the original and `<version>.<k>` for k < N, same build string, depends and constrains unchanged; a generated version that exists already is skipped), served as plain repodata.json. " +
      `The largest: **${big.records} records**, ${(big.bytes / 2 ** 20).toFixed(0)} MiB of JSON. ` +
      `Request: \`${SCALE_BASE_PROBLEM}\`, the same specs on every channel. ` +
      "Each solve runs in its own child process after one untimed warm-up solve of the same request on the real channel (JIT and WebAssembly tier-up); " +
      "time = repodata load over HTTP + solve; peak memory = the child's maxRSS (the whole process, warm-up included: Node, and for the peer its WebAssembly memory). " +
      "Ours (cold cache) = an empty cache folder: download, scan, write the cache and the offsets index, solve. " +
      "Ours (warm cache) = a cache folder that an untimed solve in an earlier child process filled: the server answers 304 and the offsets index is opened; for JSON of 8 MiB or more it holds the records' solver keys, and only the records a solve returns are read from the cached JSON, else the records of each name the search reaches are parsed from it (what a user sees on the next solve). " +
      `Median of ${SCALE_RUNS} child runs each (a crash is not repeated).`,
    "",
    "| channel | records | solver | ms | vs real-size, same cache state | vs real-size cold (target < 5x at >= 500k) | peak RSS MiB | packages | ours: load + solve ms |",
    "|---|---:|---|---:|---:|---:|---:|---:|---|",
    ...scale.rows.map((r) => {
      const failed = r.result.error !== undefined;
      const isReal = r.channel.startsWith("real");
      return (
        `| ${r.channel} | ${r.records} | ${sideName[r.side]} | ${failed ? `failed: ${r.result.error}` : fmt(r.result.ms)} | ` +
        `${failed || isReal ? "-" : ratio(r.result.ms, realOf(r.side))} | ` +
        `${failed || isReal || r.side === "rattler" ? "-" : ratio(r.result.ms, realOf("ours"))} | ${failed ? "-" : r.result.maxRssMiB.toFixed(0)} | ${failed ? "-" : r.result.packages} | ` +
        `${r.result.loadMs === undefined ? "-" : `${fmt(r.result.loadMs)} + ${fmt(r.result.solveMs ?? NaN)}`} |`
      );
    }),
    "",
  ];
}

function writeResults(rows: Row[], scale: ScaleResult | undefined): void {
  const ratios = rows.map((r) => r.oursMs / r.rattlerMs);
  const gm = geomean(ratios);
  const table = [
    "| problem | packages ours / rattler | ours ms (load + solve) | rattler ms | ratio ours/rattler | note |",
    "|---|---:|---:|---:|---:|---|",
    ...rows.map(
      (r) =>
        `| ${r.problem} | ${r.packages} | ${fmt(r.oursMs)} (${fmt(r.oursLoadMs)} + ${fmt(r.oursSolveMs)}) | ${fmt(r.rattlerMs)} | ${(r.oursMs / r.rattlerMs).toFixed(2)} | ${r.note} |`,
    ),
  ].join("\n");
  const lines = [
    "## solve",
    "",
    `Node ${process.version}, ${cpus().length} x ${cpus()[0]?.model ?? "?"}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, ${new Date().toISOString().slice(0, 10)}; ` +
      `@conda-org/rattler ${peerVersion()} (resolvo in WebAssembly). \`npm run bench:solve\`.`,
    "",
    "Both sides load repodata over HTTP from 127.0.0.1 (the same server and files) and solve, every run: the peer keeps no cache, ours uses a fresh gateway on an empty cache folder each run. " +
      `Medians of ${RUNS} runs per side after one untimed run, sides interleaved. No virtual packages on either side (the peer's WebAssembly build takes none). ` +
      '"load" = `loadSolveRecords`: our gateway\'s fetch, decompression and one scan per subdir for names and record offsets; ' +
      '"solve" = `solveConda`, which now includes parsing the records of each name the search reaches (on first use). The packages column counts both solutions; ' +
      "where they differ, test/solver_crosscheck explains why.",
    "",
    `- problems: ${rows.length}`,
    `- geometric mean of ours/rattler: **${gm.toFixed(2)}** (target <= 1.0)`,
    `- problems where ours is faster: ${ratios.filter((r) => r < 1).length} of ${rows.length}`,
    "",
    table,
    "",
    ...(scale === undefined ? [] : scaleSection(scale)),
  ];
  // A blank line before whatever section follows.
  const section = `${lines.join("\n").replace(/\n*$/, "")}\n\n`;
  const resultsPath = join(REPO_ROOT, "bench", "RESULTS.md");
  const previous = existsSync(resultsPath) ? readFileSync(resultsPath, "utf8") : "# Benchmark results\n";
  const pattern = /^## solve\n[\s\S]*?(?=^## |(?![\s\S]))/m;
  const next = pattern.test(previous) ? previous.replace(pattern, section) : `${previous.replace(/\n*$/, "\n\n")}${section}`;
  writeFileSync(resultsPath, next);
  console.log(`\n${section}\nwrote ${relative(REPO_ROOT, resultsPath)}`);
}

async function main(): Promise<void> {
  if (process.argv[2] === "--child") {
    await childMain(JSON.parse(process.argv[3]) as ChildRequest);
    return;
  }
  if (!existsSync(SHARED_DATA)) {
    console.log(`SKIP solve bench: shared data not found at ${SHARED_DATA} (clone ../shared beside the repository)`);
    return;
  }
  const rattler = await loadRattler();
  if (typeof rattler === "string") {
    console.log(`SKIP solve bench: ${rattler}`);
    return;
  }
  // CG_BENCH_SOLVE_FILTER runs only matching problems and writes nothing; CG_BENCH_SOLVE_SKIP_SCALE=1 skips the scale problem.
  const only = process.env.CG_BENCH_SOLVE_FILTER;
  const scratch = mkdtempSync(join(tmpdir(), "cg-bench-solve-"));
  const rows: Row[] = [];
  try {
    for (const problem of SOLVE_PROBLEMS) {
      if (only !== undefined && !problem.name.includes(only)) continue;
      const served = await serveProblem(problem, scratch);
      try {
        const row = await benchProblem(rattler, served);
        rows.push(row);
        console.log(
          `${row.problem}: ours ${fmt(row.oursMs)} ms (load ${fmt(row.oursLoadMs)} + solve ${fmt(row.oursSolveMs)}), rattler ${fmt(row.rattlerMs)} ms, ` +
            `ratio ${(row.oursMs / row.rattlerMs).toFixed(2)}${row.note ? ` (${row.note})` : ""}`,
        );
      } finally {
        await served.close();
      }
    }
    if (rows.length > 0) console.log(`geometric mean ours/rattler: ${geomean(rows.map((r) => r.oursMs / r.rattlerMs)).toFixed(2)} over ${rows.length} problems`);
    const base = SOLVE_PROBLEMS.find((p) => p.name === SCALE_BASE_PROBLEM);
    const scale = process.env.CG_BENCH_SOLVE_SKIP_SCALE === "1" || base === undefined ? undefined : await benchScale(scratch, base);
    if (only === undefined) writeResults(rows, scale);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

await main();
