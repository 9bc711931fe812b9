import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { delimiter, join } from "node:path";
import { release } from "node:os";
import { CondaguardError } from "./error.js";
import type { PackageRecord } from "./package_record.js";
import { currentSubdir, subdirArch, subdirOs } from "./platform.js";
import { Version } from "./version.js";

/** A package the solver sees that stands for a property of the target system (`__glibc`, `__cuda`). */
export interface VirtualPackage {
  name: string;
  version: string;
  build: string;
}

export interface DetectVirtualPackagesOptions {
  /** Target subdir; defaults to this machine's (honouring `CONDA_SUBDIR`). */
  subdir?: string;
  /** Where `CONDA_OVERRIDE_*` are read; defaults to `process.env`. */
  env?: NodeJS.ProcessEnv;
}

/** glibc assumed for a Linux target that is not this machine (conda-forge's baseline). */
export const DEFAULT_LINUX_GLIBC = "2.17";
/** macOS assumed for an osx target that is not this machine: the oldest each architecture supports. */
export const DEFAULT_OSX_VERSION: Readonly<Record<string, string>> = { "osx-64": "10.15", "osx-arm64": "11.0" };

const GENERIC_ARCH: Readonly<Record<string, string>> = {
  "64": "x86_64",
  "32": "x86",
  aarch64: "aarch64",
  arm64: "arm64",
  armv6l: "armv6l",
  armv7l: "armv7l",
  ppc64: "ppc64",
  ppc64le: "ppc64le",
  riscv64: "riscv64",
  s390x: "s390x",
};

/**
 * The virtual packages conda would inject for `subdir`. On this machine they
 * are detected (kernel, C library, CPU, NVIDIA driver); for another target
 * conda's defaults are used. `CONDA_OVERRIDE_<NAME>` replaces a value and an
 * empty override removes the package, except `CONDA_OVERRIDE_LINUX` where
 * conda reports version 0. Never throws; detection runs once per process.
 */
export function detectVirtualPackages(options: DetectVirtualPackagesOptions = {}): VirtualPackage[] {
  const env = options.env ?? process.env;
  const target = options.subdir ?? currentSubdir(env);
  const native = target === hostSubdir();
  const os = subdirOs(target);
  const out: VirtualPackage[] = [];
  const add = (name: string, version: string, build = "0"): void => {
    out.push({ name: `__${name}`, version, build });
  };
  // undefined: not overridden; "": override that removes; else the value.
  const override = (name: string): string | undefined => env[`CONDA_OVERRIDE_${name}`];

  if (os === "linux") {
    add("unix", "0");
    const kernel = override("LINUX") ?? (native ? host.kernel() : "");
    add("linux", /^\d+\.\d+(\.\d+)?(\.\d+)?/.exec(kernel)?.[0] ?? "0");
    const glibc = override("GLIBC") ?? (native ? host.glibc() : DEFAULT_LINUX_GLIBC);
    if (glibc) add("glibc", glibc);
  } else if (os === "osx") {
    add("unix", "0");
    const osx = override("OSX") ?? (native ? host.osx() : DEFAULT_OSX_VERSION[target] ?? "10.15");
    if (osx) add("osx", osx);
  } else if (os === "win") {
    const win = override("WIN") ?? (native ? host.windows() : "0");
    if (win) add("win", win);
  }

  const archspec = override("ARCHSPEC") ?? (native ? host.archspec() : GENERIC_ARCH[subdirArch(target) ?? ""]);
  if (archspec) add("archspec", "1", archspec);

  const cudaOverride = override("CUDA");
  const cuda = cudaOverride !== undefined ? cudaOverride.trim() : native && (os === "linux" || os === "win") ? host.cuda() : undefined;
  if (cuda) add("cuda", cuda);

  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/**
 * Reads `__cuda=12.4=0`, `__glibc=2.28` or `__unix` (version and build
 * default to `0`), the form lockfiles and `--virtual-package` flags use.
 */
export function parseVirtualPackage(text: string): VirtualPackage {
  const [name = "", version = "0", build = "0", ...extra] = text.trim().split("=");
  const fail = (reason: string): never => {
    throw new CondaguardError("CG_VIRTUAL_PACKAGE_PARSE", `Invalid virtual package "${text}": ${reason}.`, {
      input: text,
      hint: "Write it as NAME=VERSION=BUILD, e.g. __cuda=12.4=0 or __glibc=2.28.",
    });
  };
  if (!/^__[a-z0-9_.-]+$/i.test(name)) fail("expected a name starting with '__'");
  if (extra.length > 0) fail("expected at most NAME=VERSION=BUILD");
  if (Version.tryParse(version) === undefined) fail(`expected a version, found '${version}'`);
  if (build === "") fail("expected a build string after the second '='");
  return { name: name.toLowerCase(), version, build };
}

/** A record the solver can treat like any candidate; channel `@` marks it as virtual, as conda does. */
export function virtualPackageRecord(vp: VirtualPackage, subdir: string): PackageRecord {
  return {
    name: vp.name,
    version: vp.version,
    build: vp.build,
    build_number: 0,
    subdir,
    fn: `${vp.name}-${vp.version}-${vp.build}.tar.bz2`,
    url: "",
    channel: "@",
    depends: [],
    constrains: [],
    track_features: [],
  };
}

/**
 * The CUDA driver API version from `nvidia-smi`'s banner
 * (`| NVIDIA-SMI 550.54.15  Driver Version: 550.54.15  CUDA Version: 12.4 |`),
 * the number conda reads from libcuda's `cuDriverGetVersion`.
 */
export function cudaVersionFromNvidiaSmi(output: string): string | undefined {
  return /CUDA Version\s*:\s*([0-9]+\.[0-9]+)/.exec(output)?.[1];
}

/** The version in `getconf GNU_LIBC_VERSION` output (`glibc 2.36`); undefined for other C libraries. */
export function glibcVersionFromGetconf(output: string): string | undefined {
  return /^glibc\s+([0-9]+\.[0-9]+(?:\.[0-9]+)?)/.exec(output.trim())?.[1];
}

/** This machine's subdir, ignoring `CONDA_SUBDIR` (which names the target, not the host). */
function hostSubdir(): string {
  return currentSubdir({});
}

function once<T>(fn: () => T): () => T {
  let done = false;
  let value: T;
  return () => {
    if (!done) {
      try {
        value = fn();
      } catch {
        value = undefined as T;
      }
      done = true;
    }
    return value;
  };
}

function run(file: string, args: string[], timeout = 5000): string | undefined {
  try {
    return execFileSync(file, args, { encoding: "utf8", timeout, stdio: ["ignore", "pipe", "ignore"], windowsHide: true });
  } catch {
    return undefined;
  }
}

function onPath(command: string): string | undefined {
  const names = process.platform === "win32" ? [`${command}.exe`, command] : [command];
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    if (dir === "") continue;
    for (const name of names) {
      const full = join(dir, name);
      if (existsSync(full)) return full;
    }
  }
  return undefined;
}

/** Facts about this machine, each looked up at most once per process. */
const host = {
  kernel: once(() => release()),

  glibc: once((): string => {
    const header = (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)?.header;
    if (header?.glibcVersionRuntime) return header.glibcVersionRuntime;
    return glibcVersionFromGetconf(run("getconf", ["GNU_LIBC_VERSION"]) ?? "") ?? "";
  }),

  osx: once((): string => {
    const out = run("sw_vers", ["-productVersion"])?.trim();
    if (out && /^[0-9]+(\.[0-9]+)*$/.test(out)) return out;
    // Darwin 20 is macOS 11, 21 is 12, ...; only used when sw_vers is missing.
    const [major = 0, minor = 0] = release().split(".").map(Number);
    return major >= 20 ? `${major - 9}.${minor}` : `10.${major - 4}`;
  }),

  windows: once(() => release()),

  archspec: once((): string => {
    if (process.arch === "x64") return x86Level();
    return GENERIC_ARCH[subdirArch(hostSubdir()) ?? ""] ?? process.arch;
  }),

  cuda: once((): string => {
    // Spawning is the slow part, so only when the driver's tool is installed.
    const smi = onPath("nvidia-smi");
    if (smi === undefined) return "";
    return cudaVersionFromNvidiaSmi(run(smi, [], 15000) ?? "") ?? "";
  }),
};

/**
 * The x86-64 microarchitecture level (x86_64_v2..v4) from the CPU flags,
 * names archspec also uses. archspec would name the exact model
 * (`skylake_avx512`); the level is what packages built for it require.
 */
function x86Level(): string {
  if (process.platform !== "linux") return "x86_64";
  let flags: Set<string>;
  try {
    const line = /^flags\s*:(.*)$/m.exec(readFileSync("/proc/cpuinfo", "utf8"))?.[1] ?? "";
    flags = new Set(line.trim().split(/\s+/));
  } catch {
    return "x86_64";
  }
  const has = (...names: string[]): boolean => names.every((n) => flags.has(n));
  if (!has("cx16", "lahf_lm", "popcnt", "sse4_1", "sse4_2", "ssse3")) return "x86_64";
  if (!has("avx", "avx2", "bmi1", "bmi2", "f16c", "fma", "abm", "movbe", "xsave")) return "x86_64_v2";
  if (!has("avx512f", "avx512bw", "avx512cd", "avx512dq", "avx512vl")) return "x86_64_v3";
  return "x86_64_v4";
}
