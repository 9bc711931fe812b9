// Writes a small example channel (repodata only, for the foundation demo) so
// the demo runs offline on loopback. Its records are made up for the demo and
// say so in their license field; real channels are used by the tests.
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";

interface DemoPackage {
  name: string;
  version: string;
  build: string;
  depends: string[];
  noarch?: "python";
}

const PYTHONS = ["3.10.14", "3.11.9", "3.12.4"];

function pythonPackages(): DemoPackage[] {
  return PYTHONS.map((v) => {
    const short = v.split(".").slice(0, 2).join("");
    return { name: "python", version: v, build: `h0_0_cpython`, depends: [`python_abi ${v.split(".").slice(0, 2).join(".")}.* *_cp${short}`, "openssl >=3.0,<4", "libzlib >=1.3,<2"] };
  });
}

const PLATFORM_PACKAGES: DemoPackage[] = [
  ...pythonPackages(),
  ...PYTHONS.map((v) => {
    const mm = v.split(".").slice(0, 2).join(".");
    return { name: "python_abi", version: mm, build: `5_cp${mm.replace(".", "")}`, depends: [] };
  }),
  { name: "openssl", version: "3.3.1", build: "h0_0", depends: ["ca-certificates"] },
  { name: "libzlib", version: "1.3.1", build: "h0_1", depends: [] },
  ...PYTHONS.map((v) => {
    const mm = v.split(".").slice(0, 2).join(".");
    const next = `3.${Number(mm.split(".")[1]) + 1}`;
    return { name: "numpy", version: "1.26.4", build: `py${mm.replace(".", "")}h0_0`, depends: [`python >=${mm},<${next}.0a0`, `python_abi ${mm}.* *_cp${mm.replace(".", "")}`] };
  }),
];

const NOARCH_PACKAGES: DemoPackage[] = [
  { name: "ca-certificates", version: "2024.7.4", build: "0", depends: [] },
  { name: "pip", version: "24.2", build: "pyh8b19718_0", depends: ["python >=3.8"], noarch: "python" },
  { name: "fastapi", version: "0.111.0", build: "pyhd8ed1ab_0", depends: ["python >=3.8", "pydantic >=1.7.4,!=1.8,!=1.8.1,<3.0.0", "starlette >=0.37.2,<0.38.0"], noarch: "python" },
  { name: "fastapi", version: "0.112.0", build: "pyhd8ed1ab_0", depends: ["python >=3.8", "pydantic >=1.7.4,!=1.8,!=1.8.1,<3.0.0", "starlette >=0.37.2,<0.39.0"], noarch: "python" },
  { name: "starlette", version: "0.38.2", build: "pyhd8ed1ab_0", depends: ["python >=3.8", "anyio >=3.4.0,<5"], noarch: "python" },
  { name: "anyio", version: "4.4.0", build: "pyhd8ed1ab_0", depends: ["python >=3.8", "idna >=2.8"], noarch: "python" },
  { name: "idna", version: "3.7", build: "pyhd8ed1ab_0", depends: ["python >=3.6"], noarch: "python" },
  { name: "pydantic", version: "2.8.2", build: "pyhd8ed1ab_0", depends: ["python >=3.7", "typing-extensions >=4.6.1"], noarch: "python" },
  { name: "typing-extensions", version: "4.12.2", build: "pyha770c72_0", depends: ["python >=3.8"], noarch: "python" },
  { name: "uvicorn", version: "0.30.5", build: "pyhd8ed1ab_0", depends: ["python >=3.8", "click >=7.0", "h11 >=0.8"], noarch: "python" },
  { name: "click", version: "8.1.7", build: "unix_pyh707e725_0", depends: ["python >=3.8"], noarch: "python" },
  { name: "h11", version: "0.14.0", build: "pyhd8ed1ab_0", depends: ["python >=3"], noarch: "python" },
];

function repodata(subdir: string, packages: DemoPackage[]): string {
  const entries: Record<string, Record<string, unknown>> = {};
  packages.forEach((p, i) => {
    entries[`${p.name}-${p.version}-${p.build}.conda`] = {
      name: p.name,
      version: p.version,
      build: p.build,
      build_number: Number(/_(\d+)$/.exec(p.build)?.[1] ?? 0),
      depends: p.depends,
      subdir,
      license: "example record for the condaguard demo",
      timestamp: 1720000000000 + i * 1000,
      ...(p.noarch !== undefined ? { noarch: p.noarch } : {}),
    };
  });
  return JSON.stringify({ info: { subdir }, packages: {}, "packages.conda": entries, repodata_version: 1 }, null, 1);
}

/** Writes the example channel (linux-64, osx-arm64, noarch) into `dir`. */
export async function writeDemoChannel(dir: string): Promise<void> {
  for (const [subdir, packages] of [
    ["linux-64", PLATFORM_PACKAGES],
    ["osx-arm64", PLATFORM_PACKAGES],
    ["noarch", NOARCH_PACKAGES],
  ] as const) {
    await mkdir(join(dir, subdir), { recursive: true });
    await writeFile(join(dir, subdir, "repodata.json"), repodata(subdir, packages));
  }
}
