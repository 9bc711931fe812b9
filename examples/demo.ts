// `npm run demo`: the main job end to end on an example channel served on
// 127.0.0.1 (offline), or on real channels with `npm run demo -- -c conda-forge`.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { serveDirectory } from "../src/channel/index.js";
import { runCli } from "../src/cli/index.js";
import { readEnvironmentFile } from "../src/env/index.js";
import { writeDemoChannel } from "./demo_channel.js";

const here = dirname(fileURLToPath(import.meta.url));
const envFile = join(here, "..", "..", "examples", "llm-service", "environment.yml");

async function cli(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  console.log(`\n$ condaguard ${args.map((a) => (/[\s*<>|]/.test(a) ? `'${a}'` : a)).join(" ")}`);
  return runCli(args, { stdout: (t) => process.stdout.write(t), stderr: (t) => process.stderr.write(t), env });
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const realChannel = argv[0] === "-c" ? argv[1] : undefined;
  const work = await mkdtemp(join(tmpdir(), "condaguard-demo-"));
  const env = { ...process.env, CONDAGUARD_CACHE_DIR: join(work, "cache"), CONDARC: join(work, "condarc-none") };
  let server: Awaited<ReturnType<typeof serveDirectory>> | undefined;
  let failures = 0;
  try {
    let channel: string;
    if (realChannel !== undefined) channel = realChannel;
    else {
      await writeDemoChannel(join(work, "channel"));
      server = await serveDirectory(join(work, "channel"));
      channel = `${server.url}`;
      console.log(`Serving the example channel on ${server.url}`);
    }
    const spec = await readEnvironmentFile(envFile);
    console.log(`\nRead ${envFile}: ${spec.dependencies.length} conda specs, ${spec.pip.length} pip requirements.`);
    const channelArgs = ["-c", channel, "--override-channels", "--platform", "linux-64"];
    const run = async (args: string[]): Promise<void> => {
      if ((await cli(args, env)) !== 0) failures++;
    };
    await run(["info", ...channelArgs]);
    for (const dep of spec.dependencies) await run(["search", dep, ...channelArgs]);
    console.log("\n# Resolve every conda spec of the environment file into one consistent set:");
    await run(["solve", ...spec.dependencies, ...channelArgs, "--virtual-package", "__glibc=2.28=0"]);
    console.log("\n# The second search of the same channel revalidates the cached repodata instead of downloading it:");
    await run(["search", "python 3.11.*", ...channelArgs]);
    if (server !== undefined) {
      const statuses = server.requests.map((r) => `${r.status} ${r.path}`);
      console.log(`\nRequests the channel server saw:\n  ${statuses.join("\n  ")}`);
    }
  } finally {
    await server?.close();
    await rm(work, { recursive: true, force: true });
  }
  if (failures > 0) {
    console.error(`\n${failures} demo step(s) failed.`);
    process.exitCode = 1;
  } else console.log("\nDemo finished: every step succeeded.");
}

await main();
