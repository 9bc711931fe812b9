/** Every subdir conda knows, in conda's own list order. */
export const KNOWN_SUBDIRS = [
  "noarch",
  "emscripten-wasm32",
  "wasi-wasm32",
  "freebsd-64",
  "linux-32",
  "linux-64",
  "linux-aarch64",
  "linux-armv6l",
  "linux-armv7l",
  "linux-ppc64",
  "linux-ppc64le",
  "linux-riscv64",
  "linux-s390x",
  "osx-64",
  "osx-arm64",
  "win-32",
  "win-64",
  "win-arm64",
  "zos-z",
] as const;

export type KnownSubdir = (typeof KNOWN_SUBDIRS)[number];

export function isKnownSubdir(value: string): value is KnownSubdir {
  return (KNOWN_SUBDIRS as readonly string[]).includes(value);
}

/** The operating system part of a subdir: `linux`, `osx`, `win`, ... or undefined for noarch. */
export function subdirOs(subdir: string): string | undefined {
  if (subdir === "noarch") return undefined;
  const dash = subdir.indexOf("-");
  return dash < 0 ? subdir : subdir.slice(0, dash);
}

/** The architecture part of a subdir: `64`, `aarch64`, `arm64`, ... */
export function subdirArch(subdir: string): string | undefined {
  const dash = subdir.indexOf("-");
  return dash < 0 ? undefined : subdir.slice(dash + 1);
}

/**
 * The subdir of the running machine as conda names it, honouring
 * `CONDA_SUBDIR` the way conda does.
 */
export function currentSubdir(env: NodeJS.ProcessEnv = process.env): string {
  const override = env.CONDA_SUBDIR;
  if (override !== undefined && override !== "") return override;
  const os = process.platform === "darwin" ? "osx" : process.platform === "win32" ? "win" : process.platform;
  const arch = (
    {
      x64: "64",
      ia32: "32",
      arm64: os === "linux" ? "aarch64" : "arm64",
      arm: "armv7l",
      ppc64: "ppc64le",
      s390x: "s390x",
      riscv64: "riscv64",
    } as Record<string, string>
  )[process.arch];
  return `${os}-${arch ?? process.arch}`;
}
