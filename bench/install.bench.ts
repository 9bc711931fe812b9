// `npm run bench:install`: creating an environment from the real Miniconda
// package cache served on 127.0.0.1, with a cold and a warm package cache,
// `npm run bench:install` runs the extraction (vs cph) and verify (vs
// sha256sum) benches after it.
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { serveDirectory } from "../src/channel/index.js";
import { recordFromRepodata } from "../src/conda/index.js";
import { installLockedPackages } from "../src/install/index.js";
import { lockedFromRecord } from "../src/lock/index.js";
import { writeMinicondaChannel } from "../test/helpers/miniconda_channel.js";
import { SHARED_DATA, needsShared } from "../test/helpers/shared_data.js";

const here = dirname(fileURLToPath(import.meta.url));
const RUNS = Number(process.env.CG_BENCH_INSTALL_RUNS ?? 5);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

async function createRuns(): Promise<string[]> {
  const work = await mkdtemp(join(tmpdir(), "condaguard-bench-install-"));
  const channelDir = join(work, "channel");
  const records = await writeMinicondaChannel(channelDir);
  const server = await serveDirectory(channelDir);
  try {
    const packages = records.map((r) =>
      lockedFromRecord(recordFromRepodata(r.fn, r.repodata, { channel: server.url, subdir: r.subdir, downloadBaseUrl: `${server.url}/${r.subdir}` }), "linux-64"),
    );
    const bytes = records.reduce((n, r) => n + Number(r.repodata.size ?? 0), 0);
    const cold: number[] = [];
    const warm: number[] = [];
    let files = 0;
    for (let i = 0; i < RUNS; i++) {
      const pkgs = join(work, `pkgs-${i}`);
      for (const [kind, list] of [
        ["cold", cold],
        ["warm", warm],
      ] as const) {
        const prefix = join(work, `env-${i}-${kind}`);
        const t0 = performance.now();
        const outcome = await installLockedPackages(prefix, { packages, pkgsDirs: [pkgs], python: { version: "3.9" } });
        list.push(performance.now() - t0);
        files = outcome.result?.linked.length ?? files;
        await rm(prefix, { recursive: true, force: true });
      }
      await rm(pkgs, { recursive: true, force: true });
    }
    const lines = [
      `- packages: ${packages.length} real defaults .conda archives (${(bytes / 1024 / 1024).toFixed(1)} MiB), served on 127.0.0.1; ${files} packages linked per run; median of ${RUNS} runs`,
      `- create, cold package cache (download + sha256 + extract + link): **${median(cold).toFixed(0)} ms**`,
      `- create, warm package cache (link only): **${median(warm).toFixed(0)} ms**`,
    ];
    console.log(lines.join("\n"));
    return lines;
  } finally {
    await server.close();
    await rm(work, { recursive: true, force: true });
  }
}

async function recordSection(lines: string[]): Promise<void> {
  const path = join(here, "..", "..", "bench", "RESULTS.md");
  const text = await readFile(path, "utf8");
  const section = `## install\n\nNode ${process.version}, ${new Date().toISOString().slice(0, 10)}. \`npm run bench:install\` (create; the \`## extract\` and \`## verify\` sections come from the benches it runs next).\n\n${lines.join("\n")}\n`;
  const re = /## install\n[\s\S]*?(?=\n## |$)/;
  await writeFile(path, re.test(text) ? text.replace(re, section) : `${text.trimEnd()}\n\n${section}`);
}

async function main(): Promise<void> {
  const skip = needsShared("pkgs-cache/qgb-miniconda3-py39-linux-64");
  if (skip !== false) {
    console.log(`bench:install skipped: ${skip} (${SHARED_DATA})`);
    return;
  }
  await recordSection(await createRuns());
}

await main();
