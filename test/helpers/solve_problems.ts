// The real solve problems shared by the rattler cross-check
// (test/solver_crosscheck) and `npm run bench:solve`: one request each, on
// real repodata from ../shared/data, served over HTTP on 127.0.0.1 so both
// solvers load the same bytes the same way.
//
// Same world for both solvers: the peer's WebAssembly build takes no virtual
// packages, so ours gets none either. Records that depend on `__glibc`,
// `__osx` or `__win` are then uninstallable for both (on this data: libcxx on
// linux-64, a few newer osx builds of ncurses/zstd/libnghttp2/llvm-openmp,
// wincertstore on noarch), and each solver falls back to the same older build.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { VirtualPackage } from "../../src/conda/index.js";
import { sharedPath } from "./shared_data.js";

/** Where the records of one channel come from. Paths are relative to ../shared/data. */
export type ChannelSource =
  /** A conda channel folder (`<subdir>/repodata.json` for every subdir, noarch included), served unchanged. */
  | { kind: "channel-dir"; dir: string }
  /**
   * One subdir's repodata.json served unchanged, plus an empty `noarch`
   * (a channel without noarch is not a channel to conda, nor to our gateway).
   */
  | { kind: "subdir-file"; file: string; subdir: string }
  /**
   * Records that are not a servable channel yet: conda's flat solver indexes
   * (`{filename: record}`) or a repodata.json that mixes subdirs and has null
   * fields. Split as conda's test helper does: records whose `subdir` is
   * `noarch` or that have a truthy `noarch` go to `noarch/`, the rest to
   * `subdir/`. Null fields are dropped (the peer's WebAssembly build rejects a
   * record with `"depends": null`; conda reads null as absent) and a missing
   * `subdir` is filled in; nothing else changes.
   */
  | { kind: "records"; file: string; subdir: string };

export interface SolveProblem {
  /** Unique, stable; used in test names, bench rows and scratch folder names. */
  name: string;
  /** Channels in priority order, highest first. */
  channels: readonly ChannelSource[];
  /** Native subdir of the solve; noarch is always added. */
  subdir: string;
  specs: readonly string[];
  /** Virtual packages given to our solver; the peer takes none, so these stay empty (see the file header). */
  virtualPackages: readonly VirtualPackage[];
  /**
   * Why our solution may legitimately differ from the peer's on this problem.
   * Present only after the difference was looked at; a difference on a
   * problem without it fails the cross-check.
   */
  explainedDifference?: string;
}

const CF = "channels/conda-forge-py39";
const cf: ChannelSource = { kind: "channel-dir", dir: CF };
const PYTORCH: ChannelSource = { kind: "subdir-file", file: "rattler/channels/pytorch/linux-64/repodata.json", subdir: "linux-64" };

function cfProblem(subdir: string, label: string, specs: string[]): SolveProblem {
  return { name: `conda-forge-py39/${subdir}: ${label}`, channels: [cf], subdir, specs, virtualPackages: [] };
}

/** The python 3.9 requests, run on every subdir of conda-forge-py39 that has python. */
const PYTHON_SUBDIRS = ["linux-64", "linux-aarch64", "linux-ppc64le", "osx-64", "osx-arm64", "win-64"];

function pythonProblems(): SolveProblem[] {
  const out: SolveProblem[] = [];
  for (const subdir of PYTHON_SUBDIRS) {
    out.push(cfProblem(subdir, "python 3.9 + pip", ["python 3.9.*", "pip"]));
    out.push(cfProblem(subdir, "python 3.9 + openssl + sqlite", ["python 3.9.*", "openssl", "sqlite"]));
    out.push(cfProblem(subdir, "python 3.9 + setuptools + wheel + certifi", ["python 3.9.*", "setuptools", "wheel", "certifi"]));
  }
  return out;
}

function condaTests(file: string, channelLabel: string, subdir: string, specs: string[]): SolveProblem {
  return {
    name: `conda-tests/${file} (${channelLabel}, ${subdir}): ${specs.join(" + ")}`,
    channels: [{ kind: "records", file: `conda-tests/${file}`, subdir }],
    subdir,
    specs,
    virtualPackages: [],
  };
}

/** Every problem, in a fixed order. */
export const SOLVE_PROBLEMS: readonly SolveProblem[] = [
  ...pythonProblems(),
  cfProblem("linux-64", "python 3.9 + curl + zstd", ["python 3.9.*", "curl", "zstd"]),
  cfProblem("linux-64", "python 3.9 cpython + tk + xz + bzip2 + pip", ["python 3.9.* *_cpython", "tk", "xz", "bzip2", "pip"]),
  cfProblem("linux-64", "pypy3.9 + pip", ["pypy3.9", "pip"]),
  {
    ...cfProblem("linux-64", "python 3.9 + openssl 1.1", ["python 3.9.*", "openssl 1.1.*", "pip"]),
    explainedDifference:
      "with openssl 1.1 the newest python 3.9 that fits is the PyPy build python-3.9.16-0_73_pypy (track_features " +
      "`pypy`); the newest CPython that fits is 3.9.15. conda maximises the versions of the requested packages before " +
      "it minimises track_features, so conda semantics (our default) take python 3.9.16 (PyPy); rattler ranks every " +
      "candidate with track_features below every candidate without, whatever the version, and takes CPython 3.9.15. " +
      "Both solutions satisfy every spec.",
  },
  cfProblem("win-64", "python 3.9 + curl", ["python 3.9.*", "curl"]),
  cfProblem("linux-64", "libcxx (newest builds need __glibc)", ["libcxx"]),
  cfProblem("osx-64", "ncurses + zstd (newest builds need __osx)", ["ncurses", "zstd"]),
  cfProblem("win-arm64", "zstd", ["zstd"]),
  cfProblem("win-arm64", "bzip2 + libzlib", ["bzip2", "libzlib"]),
  condaTests("index.json", "channel-1", "linux-64", ["numpy"]),
  condaTests("index.json", "channel-1", "linux-64", ["python 2.7*", "scipy"]),
  {
    ...condaTests("index.json", "channel-1", "linux-64", ["numpy 1.7*", "mkl"]),
    explainedDifference:
      "in conda's index.json the mkl 11.0 builds carry track_features `mkl` and the mkl 10.3 builds none. conda " +
      "maximises the version of the requested mkl first (11.0, which also requires mkl-rt, mkl-service and scipy " +
      "0.12.0), and with the mkl feature tracked it prefers the featured builds (numpy 1.7.1 py33_p0, `features: mkl`); " +
      "we follow conda. rattler ranks track_features first and takes mkl 10.3-p2 with the plain numpy 1.7.1 py33_0. " +
      "Both solutions satisfy every spec.",
  },
  condaTests("index.json", "channel-1", "linux-64", ["iopro"]),
  condaTests("index.json", "channel-1", "linux-64", ["anaconda 1.5.0"]),
  {
    ...condaTests("index2.json", "channel-2", "linux-64", ["pandas"]),
    explainedDifference:
      "every python that a pandas build accepts (2.6-3.6) depends on `openssl 1.0.1*` or `openssl 1.0.2*` in conda's " +
      "index2 (only python 1.0.1 has no openssl), and the index only has letter releases (1.0.1c... 1.0.2l). conda matches `1.0.2*` against `1.0.2l` (the last component `2l` starts with `2`), and so " +
      "do we, so we solve it; rattler reads the spec as the version prefix 1.0.2.*, which 1.0.2l (third component `2l`) " +
      "does not match, finds no python and reports the request unsatisfiable.",
  },
  condaTests("index4.json", "channel-4", "linux-64", ["conda-build"]),
  condaTests("index4.json", "channel-4", "linux-64", ["python 3.6*", "requests"]),
  condaTests("index4.json", "channel-4", "linux-64", ["dask"]),
  condaTests("index5.json", "channel-5", "win-64", ["conda"]),
  {
    name: "mamba conda-forge-numpy-linux-64.json: numpy",
    channels: [{ kind: "records", file: "mamba/libmamba/repodata/conda-forge-numpy-linux-64.json", subdir: "linux-64" }],
    subdir: "linux-64",
    specs: ["numpy"],
    virtualPackages: [],
  },
  { name: "pytorch linux-64: magma-cuda92", channels: [PYTORCH], subdir: "linux-64", specs: ["magma-cuda92"], virtualPackages: [] },
  { name: "pytorch linux-64: nccl2 + cuda100", channels: [PYTORCH], subdir: "linux-64", specs: ["nccl2", "cuda100"], virtualPackages: [] },
  {
    name: "pytorch + conda-forge-py39 linux-64: libjpeg-turbo",
    channels: [PYTORCH, cf],
    subdir: "linux-64",
    specs: ["libjpeg-turbo"],
    virtualPackages: [],
  },
  {
    name: "pytorch + conda-forge-py39 linux-64: python 3.9 + libjpeg-turbo + pip",
    channels: [PYTORCH, cf],
    subdir: "linux-64",
    specs: ["python 3.9.*", "libjpeg-turbo", "pip"],
    virtualPackages: [],
  },
];

/** The real-size problem the synthetic scale problem repeats (bench only). */
export const SCALE_BASE_PROBLEM = "conda-forge-py39/linux-64: python 3.9 + openssl + sqlite";

/** Every ../shared/data path the problems read (for `needsShared`). */
export function sharedInputs(problems: readonly SolveProblem[] = SOLVE_PROBLEMS): string[] {
  const out = new Set<string>();
  for (const p of problems) for (const c of p.channels) out.add(c.kind === "channel-dir" ? c.dir : c.file);
  return [...out];
}

type RawRecord = Record<string, unknown>;

function emptyRepodata(subdir: string): string {
  return `${JSON.stringify({ info: { subdir }, packages: {}, "packages.conda": {}, repodata_version: 1 })}\n`;
}

function withoutNulls(raw: RawRecord): RawRecord {
  const out: RawRecord = {};
  for (const [k, v] of Object.entries(raw)) if (v !== null) out[k] = v;
  return out;
}

/** Reads a flat index or a repodata.json into `{filename: record}` pairs, `.conda` entries marked. */
function readRecords(file: string): Array<{ fn: string; raw: RawRecord; conda: boolean }> {
  const doc = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
  const isRepodata = typeof doc.packages === "object" || typeof doc["packages.conda"] === "object";
  const out: Array<{ fn: string; raw: RawRecord; conda: boolean }> = [];
  if (!isRepodata) {
    for (const [fn, raw] of Object.entries(doc)) out.push({ fn, raw: raw as RawRecord, conda: fn.endsWith(".conda") });
    return out;
  }
  for (const key of ["packages", "packages.conda"]) {
    const map = (doc[key] ?? {}) as Record<string, RawRecord>;
    for (const [fn, raw] of Object.entries(map)) out.push({ fn, raw, conda: key === "packages.conda" });
  }
  return out;
}

function writeRecordsChannel(file: string, subdir: string, dest: string): void {
  const parts: Record<string, { packages: Record<string, RawRecord>; "packages.conda": Record<string, RawRecord> }> = {
    [subdir]: { packages: {}, "packages.conda": {} },
    noarch: { packages: {}, "packages.conda": {} },
  };
  for (const { fn, raw, conda } of readRecords(file)) {
    const clean = withoutNulls(raw);
    const isNoarch = clean.subdir === "noarch" || Boolean(clean.noarch);
    const target = isNoarch ? "noarch" : subdir;
    clean.subdir = target;
    if (typeof clean.build_number !== "number") clean.build_number = 0;
    parts[target][conda ? "packages.conda" : "packages"][fn] = clean;
  }
  for (const [sd, body] of Object.entries(parts)) {
    mkdirSync(join(dest, sd), { recursive: true });
    writeFileSync(join(dest, sd, "repodata.json"), `${JSON.stringify({ info: { subdir: sd }, ...body, repodata_version: 1 })}\n`);
  }
}

function slug(text: string): string {
  return text.replace(/[^A-Za-z0-9._-]+/g, "_");
}

/**
 * The folder to serve for one channel source: the shared folder itself when
 * it is served unchanged, else a folder built once under `scratch`.
 */
export function channelFolder(source: ChannelSource, scratch: string): string {
  if (source.kind === "channel-dir") return sharedPath(source.dir);
  const dest = join(scratch, `${source.kind}-${slug(source.file)}-${source.subdir}`);
  if (existsSync(join(dest, "noarch", "repodata.json"))) return dest;
  if (source.kind === "subdir-file") {
    mkdirSync(join(dest, source.subdir), { recursive: true });
    mkdirSync(join(dest, "noarch"), { recursive: true });
    writeFileSync(join(dest, source.subdir, "repodata.json"), readFileSync(sharedPath(source.file)));
    writeFileSync(join(dest, "noarch", "repodata.json"), emptyRepodata("noarch"));
  } else {
    writeRecordsChannel(sharedPath(source.file), source.subdir, dest);
  }
  return dest;
}
