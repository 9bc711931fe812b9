// Writes a small example channel of real .conda archives that the project
// builds itself, so the demo runs the whole path (lock, create, verify,
// diff) offline on loopback. The packages are stand-ins: their modules only
// report their name and version, and their license field says so. The
// `python` package is a launcher for the machine's own python3, so that
// noarch: python packages can be linked and compiled for real.
import { createHash } from "node:crypto";
import { mkdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { buildPackageFolder, writeCondaPackage, type PackageFileSpec } from "../src/package/index.js";

interface DemoPackage {
  name: string;
  version: string;
  build: string;
  depends: string[];
  noarch?: "python";
  files?: Record<string, PackageFileSpec | string>;
  symlinks?: Record<string, string>;
  entryPoints?: string[];
}

/** The placeholder conda-build writes where the build prefix was; the installer replaces it. */
const PLACEHOLDER = "/opt/anaconda1anaconda2anaconda3";
// conda-build pads the build prefix of compiled files to 255 characters so
// any install path up to that length fits when patched in place.
const LONG_PLACEHOLDER = `/opt/conda/conda-bld/demo_1720000000000/_h_env_${"placehold_".repeat(20)}`.slice(0, 255);
const LICENSE = "stand-in package built by the condaguard demo";
const PYTHONS = ["3.10.14", "3.11.9", "3.12.4"];

function mm(version: string): string {
  return version.split(".").slice(0, 2).join(".");
}

function module(name: string, version: string, extra = ""): string {
  return `"""${name}: a stand-in module of the condaguard demo channel."""\n__version__ = "${version}"\n${extra}`;
}

function pythonPackage(v: string): DemoPackage {
  const short = mm(v).replace(".", "");
  const launcher = `#!/bin/sh\n# Demo python ${v}: runs the machine's python3 with this environment's site-packages.\nPREFIX="${PLACEHOLDER}"\nPYTHONPATH="$PREFIX/lib/python${mm(v)}/site-packages\${PYTHONPATH:+:$PYTHONPATH}" exec python3 "$@"\n`;
  return {
    name: "python",
    version: v,
    build: `h0_0_cpython`,
    depends: [`python_abi ${mm(v)}.* *_cp${short}`, "openssl >=3.0,<4", "libzlib >=1.3,<2"],
    files: {
      [`bin/python${mm(v)}`]: { data: launcher, mode: 0o755, prefixPlaceholder: PLACEHOLDER, fileMode: "text" },
      [`lib/python${mm(v)}/site-packages/README.txt`]: "Packages installed into this environment live here.\n",
    },
    symlinks: { "bin/python3": `python${mm(v)}`, "bin/python": `python${mm(v)}` },
  };
}

// A NUL-terminated C string holding the build prefix, as compiled libraries
// carry it: the installer must patch it in binary mode, keeping the length.
function binaryWithPrefix(): Buffer {
  return Buffer.concat([Buffer.from("\x7fDEMO\0config-dir=", "latin1"), Buffer.from(`${LONG_PLACEHOLDER}/ssl\0`, "latin1"), Buffer.alloc(64, 0xab)]);
}

const PLATFORM_PACKAGES: DemoPackage[] = [
  ...PYTHONS.map(pythonPackage),
  ...PYTHONS.map((v) => ({ name: "python_abi", version: mm(v), build: `5_cp${mm(v).replace(".", "")}`, depends: [] })),
  {
    name: "openssl",
    version: "3.3.1",
    build: "h0_0",
    depends: ["ca-certificates"],
    files: {
      "ssl/openssl.cnf": { data: `# demo openssl configuration\nopenssl_conf = ${PLACEHOLDER}/ssl/openssl.cnf\ndir = ${PLACEHOLDER}/ssl\n`, prefixPlaceholder: PLACEHOLDER, fileMode: "text" },
      "lib/libssl-demo.so.3": { data: binaryWithPrefix(), mode: 0o755, prefixPlaceholder: LONG_PLACEHOLDER, fileMode: "binary" },
    },
  },
  { name: "libzlib", version: "1.3.1", build: "h0_1", depends: [], files: { "share/doc/libzlib/README": "zlib stand-in.\n" } },
  ...PYTHONS.map((v) => {
    const next = `3.${Number(mm(v).split(".")[1]) + 1}`;
    return {
      name: "numpy",
      version: "1.26.4",
      build: `py${mm(v).replace(".", "")}h0_0`,
      depends: [`python >=${mm(v)},<${next}.0a0`, `python_abi ${mm(v)}.* *_cp${mm(v).replace(".", "")}`],
      files: { [`lib/python${mm(v)}/site-packages/numpy/__init__.py`]: module("numpy", "1.26.4") },
    };
  }),
];

function noarch(name: string, version: string, build: string, depends: string[], moduleName = name.replace(/-/g, "_"), extra: Partial<DemoPackage> = {}): DemoPackage {
  return { name, version, build, depends, noarch: "python", files: { [`site-packages/${moduleName}/__init__.py`]: module(name, version) }, ...extra };
}

const NOARCH_PACKAGES: DemoPackage[] = [
  { name: "ca-certificates", version: "2024.7.4", build: "0", depends: [], files: { "ssl/cacert.pem": "# demo certificate bundle (empty)\n" } },
  noarch("pip", "24.2", "pyh8b19718_0", ["python >=3.8"], "pip", {
    files: { "site-packages/pip/__init__.py": module("pip", "24.2", "def main():\n    print('pip 24.2 (demo stand-in)')\n") },
    entryPoints: ["pip = pip:main"],
  }),
  noarch("fastapi", "0.111.0", "pyhd8ed1ab_0", ["python >=3.8", "pydantic >=1.7.4,!=1.8,!=1.8.1,<3.0.0", "starlette >=0.37.2,<0.38.0"]),
  noarch("fastapi", "0.112.0", "pyhd8ed1ab_0", ["python >=3.8", "pydantic >=1.7.4,!=1.8,!=1.8.1,<3.0.0", "starlette >=0.37.2,<0.39.0"]),
  noarch("starlette", "0.37.2", "pyhd8ed1ab_0", ["python >=3.8", "anyio >=3.4.0,<5"]),
  noarch("starlette", "0.38.2", "pyhd8ed1ab_0", ["python >=3.8", "anyio >=3.4.0,<5"]),
  noarch("anyio", "4.4.0", "pyhd8ed1ab_0", ["python >=3.8", "idna >=2.8"]),
  noarch("idna", "3.7", "pyhd8ed1ab_0", ["python >=3.6"]),
  noarch("pydantic", "2.8.2", "pyhd8ed1ab_0", ["python >=3.7", "typing-extensions >=4.6.1"]),
  noarch("typing-extensions", "4.12.2", "pyha770c72_0", ["python >=3.8"], "typing_extensions"),
  noarch("uvicorn", "0.30.5", "pyhd8ed1ab_0", ["python >=3.8", "click >=7.0", "h11 >=0.8"], "uvicorn", {
    files: {
      "site-packages/uvicorn/__init__.py": module("uvicorn", "0.30.5"),
      "site-packages/uvicorn/main.py": `import sys\n\nimport uvicorn\n\n\ndef main():\n    print(f"uvicorn {uvicorn.__version__} (demo stand-in) on Python {sys.version.split()[0]}: would serve {' '.join(sys.argv[1:]) or 'nothing'}")\n`,
    },
    entryPoints: ["uvicorn = uvicorn.main:main"],
  }),
  noarch("click", "8.1.7", "unix_pyh707e725_0", ["python >=3.8"]),
  noarch("h11", "0.14.0", "pyhd8ed1ab_0", ["python >=3"]),
];

async function buildArchive(p: DemoPackage, subdir: string, timestamp: number, work: string, outDir: string): Promise<Record<string, unknown>> {
  const index = {
    name: p.name,
    version: p.version,
    build: p.build,
    build_number: Number(/_(\d+)$/.exec(p.build)?.[1] ?? 0),
    depends: p.depends,
    subdir,
    license: LICENSE,
    timestamp,
    ...(p.noarch !== undefined ? { noarch: p.noarch } : {}),
  };
  const dir = join(work, `${p.name}-${p.version}-${p.build}-${subdir}`);
  await buildPackageFolder({
    dir,
    index,
    files: p.files ?? {},
    ...(p.symlinks !== undefined ? { symlinks: p.symlinks } : {}),
    ...(p.noarch === "python" ? { linkJson: { noarch: { type: "python", ...(p.entryPoints ? { entry_points: p.entryPoints } : {}) }, package_metadata_version: 1 } } : {}),
  });
  const fn = `${p.name}-${p.version}-${p.build}.conda`;
  const out = join(outDir, fn);
  await writeCondaPackage({ sourceDir: dir, outPath: out });
  const bytes = await readFile(out);
  return {
    ...index,
    md5: createHash("md5").update(bytes).digest("hex"),
    sha256: createHash("sha256").update(bytes).digest("hex"),
    size: (await stat(out)).size,
  };
}

/**
 * Writes the example channel (linux-64, osx-arm64, noarch) into `dir`: every
 * package built as a real `.conda` archive, and repodata listing each with
 * its sha256, md5 and size.
 */
export async function writeDemoChannel(dir: string): Promise<void> {
  const work = join(dir, ".build");
  let i = 0;
  for (const [subdir, packages] of [
    ["linux-64", PLATFORM_PACKAGES],
    ["osx-arm64", PLATFORM_PACKAGES],
    ["noarch", NOARCH_PACKAGES],
  ] as const) {
    await mkdir(join(dir, subdir), { recursive: true });
    const entries: Record<string, Record<string, unknown>> = {};
    for (const p of packages) entries[`${p.name}-${p.version}-${p.build}.conda`] = await buildArchive(p, subdir, 1720000000000 + i++ * 1000, work, join(dir, subdir));
    await writeFile(join(dir, subdir, "repodata.json"), JSON.stringify({ info: { subdir }, packages: {}, "packages.conda": entries, repodata_version: 1 }, null, 1));
  }
  await rm(work, { recursive: true, force: true });
}

/**
 * Rebuilds one noarch package under the same file name with other bytes and
 * updates the repodata: what a compromised or careless re-upload looks like.
 */
export async function republishWithOtherBytes(dir: string, name: string): Promise<string> {
  const p = NOARCH_PACKAGES.find((x) => x.name === name);
  if (p === undefined) throw new Error(`no demo package ${name}`);
  const changed: DemoPackage = { ...p, files: { ...(p.files ?? {}), [`site-packages/${name.replace(/-/g, "_")}/_patched.py`]: "print('this file was not in the published package')\n" } };
  const repodataPath = join(dir, "noarch", "repodata.json");
  const repodata = JSON.parse(await readFile(repodataPath, "utf8")) as { "packages.conda": Record<string, Record<string, unknown>> };
  const fn = `${p.name}-${p.version}-${p.build}.conda`;
  const old = repodata["packages.conda"][fn];
  repodata["packages.conda"][fn] = await buildArchive(changed, "noarch", Number(old?.timestamp ?? 0), join(dir, ".build"), join(dir, "noarch"));
  await writeFile(repodataPath, JSON.stringify(repodata, null, 1));
  await rm(join(dir, ".build"), { recursive: true, force: true });
  return fn;
}
