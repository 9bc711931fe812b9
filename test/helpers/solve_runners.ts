// Runs one SolveProblem on our solver and on the peer (@conda-org/rattler's
// `simpleSolve`, resolvo compiled to WebAssembly), both against the same
// channels served on 127.0.0.1, and reduces each solution to comparable
// strings. Shared by the cross-check test and the solve bench.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Channel, PackageRecord } from "../../src/conda/index.js";
import { serveDirectory, type StaticServer } from "../../src/channel/index.js";
import { RepodataGateway } from "../../src/repodata/index.js";
import { loadSolveRecords, solveConda, type SolveSemantics } from "../../src/solver/index.js";
import { channelFolder, type SolveProblem } from "./solve_problems.js";

/** The part of the peer package the runners use. */
export interface RattlerPeer {
  simpleSolve(specs: string[], channels: string[], platforms: string[], locked: unknown): Promise<RattlerSolved[]>;
}

interface RattlerSolved {
  packageName: string;
  version: string;
  build: string;
  readonly subdir: string | undefined;
  readonly repoName: string | undefined;
  free(): void;
}

/** The peer package; a variable so that the build does not need it installed. */
const RATTLER_PACKAGE = "@conda-org/rattler";

/**
 * Loads the peer package, or returns why it cannot be used (not installed,
 * or its WebAssembly failed to start) as a skip reason. Its ESM build embeds
 * the WebAssembly module and instantiates it synchronously on import; it
 * fetches repodata with Node's global fetch.
 */
export async function loadRattler(): Promise<RattlerPeer | string> {
  try {
    const mod = (await import(RATTLER_PACKAGE)) as RattlerPeer;
    if (typeof mod.simpleSolve !== "function") return "@conda-org/rattler has no simpleSolve export";
    return mod;
  } catch (err) {
    return `@conda-org/rattler could not be loaded (npm install): ${(err as Error).message.split("\n")[0]}`;
  }
}

/** The problem's channels, each served from its own 127.0.0.1 server, in priority order. */
export interface ServedProblem {
  readonly problem: SolveProblem;
  /** Channel base URLs without trailing slash, highest priority first. */
  readonly urls: string[];
  close(): Promise<void>;
}

/** Serves every channel of `problem`; converted channels are built under `scratch` once. */
export async function serveProblem(problem: SolveProblem, scratch: string): Promise<ServedProblem> {
  const servers: StaticServer[] = [];
  try {
    for (const source of problem.channels) servers.push(await serveDirectory(channelFolder(source, scratch)));
  } catch (err) {
    await Promise.all(servers.map((s) => s.close()));
    throw err;
  }
  return {
    problem,
    urls: servers.map((s) => s.url),
    close: async () => {
      await Promise.all(servers.map((s) => s.close()));
    },
  };
}

/** Which served channel a base URL is, as `#0`, `#1`...; the URL itself when it is none of them. */
function channelLabel(urls: readonly string[], channel: string | undefined): string {
  const base = (channel ?? "").replace(/\/+$/, "");
  const i = urls.indexOf(base);
  return i >= 0 ? `#${i}` : `?${base}`;
}

/** One package of a solution as both sides can spell it: `name-version-build subdir channel#i`. */
export function solutionKey(urls: readonly string[], p: { name: string; version: string; build: string; subdir?: string; channel?: string }): string {
  return `${p.name}-${p.version}-${p.build} ${p.subdir ?? "?"} ${channelLabel(urls, p.channel)}`;
}

/** Runs the peer once; the sorted solution keys. Repodata is fetched over HTTP on every call (the peer keeps no cache). */
export async function solveWithRattler(rattler: RattlerPeer, served: ServedProblem): Promise<string[]> {
  const { problem, urls } = served;
  const solve = () => rattler.simpleSolve([...problem.specs], urls, [problem.subdir, "noarch"], []);
  let solved: RattlerSolved[];
  try {
    solved = await solve();
  } catch (err) {
    // The peer's HTTP client can reuse a keep-alive connection the server has
    // just closed after a long solve; that is transport, not an answer: retry once.
    if (!String(err).includes("error sending request")) throw err;
    solved = await solve();
  }
  const keys = solved.map((p) =>
    solutionKey(urls, { name: p.packageName, version: p.version, build: p.build, subdir: p.subdir, channel: p.repoName }),
  );
  for (const p of solved) p.free();
  return keys.sort();
}

/** Timings of one run of our side. */
export interface OurRun {
  keys: string[];
  records: PackageRecord[];
  /** Gateway fetch + parse + following dependency names, ms. */
  loadMs: number;
  /** `solveConda`, ms. */
  solveMs: number;
}

/**
 * Runs our side once: a fresh gateway on a new, empty cache folder (so
 * repodata is fetched and parsed over HTTP every time, as the peer does;
 * `cacheDir` instead reuses a cache folder, which is then kept),
 * `loadSolveRecords`, then `solveConda` with strict channel priority (the
 * peer's default) and our default request model (conda's) unless
 * `semantics` says otherwise.
 */
export async function solveWithOurs(
  served: ServedProblem,
  options: { timeoutMs?: number; semantics?: SolveSemantics; cacheDir?: string } = {},
): Promise<OurRun> {
  const { problem, urls } = served;
  const cacheDir = options.cacheDir ?? mkdtempSync(join(tmpdir(), "cg-solve-cache-"));
  try {
    const channels: Channel[] = urls.map((url) => ({ name: url, baseUrl: url }));
    const t0 = performance.now();
    const gateway = new RepodataGateway({ cacheDir });
    const records = await loadSolveRecords(gateway, { channels, subdirs: [problem.subdir, "noarch"], specs: [...problem.specs] });
    const t1 = performance.now();
    const outcome = solveConda({
      specs: [...problem.specs],
      records,
      channels: urls,
      subdir: problem.subdir,
      virtualPackages: [...problem.virtualPackages],
      channelPriority: "strict",
      timeoutMs: options.timeoutMs ?? 120_000,
      ...(options.semantics === undefined ? {} : { semantics: options.semantics }),
    });
    const t2 = performance.now();
    return {
      keys: outcome.records.map((r) => solutionKey(urls, r)).sort(),
      records: outcome.records,
      loadMs: t1 - t0,
      solveMs: t2 - t1,
    };
  } finally {
    if (options.cacheDir === undefined) rmSync(cacheDir, { recursive: true, force: true });
  }
}

/** Lines that show how two sorted solutions differ: `- only ours`, `+ only the peer's`. */
export function diffSolutions(ours: readonly string[], peer: readonly string[]): string[] {
  const a = new Set(ours);
  const b = new Set(peer);
  return [...ours.filter((k) => !b.has(k)).map((k) => `  ours only:   ${k}`), ...peer.filter((k) => !a.has(k)).map((k) => `  rattler only: ${k}`)];
}
