// `npm run demo`: the main job end to end on an example channel of real
// .conda archives served on 127.0.0.1 (offline), or on real channels with
// `npm run demo -- -c conda-forge`: lock an LLM service's environment.yml for
// two platforms, create the environment from it, run its entry point,
// verify it, catch tampering, and diff locks.
import { spawnSync } from "node:child_process";
import { appendFileSync, copyFileSync, mkdirSync, readdirSync, rmSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { serveDirectory } from "../src/channel/index.js";
import { runCli } from "../src/cli/index.js";
import { readEnvironmentFile } from "../src/env/index.js";
import { republishWithOtherBytes, writeDemoChannel } from "./demo_channel.js";

const here = dirname(fileURLToPath(import.meta.url));
const exampleEnv = join(here, "..", "..", "examples", "llm-service", "environment.yml");

async function cli(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  console.log(`\n$ condaguard ${args.map((a) => (/[\s*<>|]/.test(a) ? `'${a}'` : a)).join(" ")}`);
  return runCli(args, { stdout: (t) => process.stdout.write(t), stderr: (t) => process.stderr.write(t), env });
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const realChannel = argv[0] === "-c" ? argv[1] : undefined;
  const work = await mkdtemp(join(tmpdir(), "condaguard-demo-"));
  const condarc = join(work, "condarc");
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    CONDAGUARD_CACHE_DIR: join(work, "cache"),
    CONDARC: condarc,
    CONDA_PKGS_DIRS: join(work, "pkgs"),
    CONDA_ENVS_PATH: join(work, "envs"),
  };
  let server: Awaited<ReturnType<typeof serveDirectory>> | undefined;
  let failures = 0;
  const run = async (args: string[], expected = 0): Promise<void> => {
    const code = await cli(args, env);
    if (code !== expected) {
      failures++;
      console.log(`(exit code ${code}, expected ${expected})`);
    }
  };
  try {
    const channelRoot = join(work, "channel");
    if (realChannel === undefined) {
      // The environment file names conda-forge; a channel_alias on loopback
      // makes that name point at the example channel, so the file is used as is.
      await writeDemoChannel(join(channelRoot, "conda-forge"));
      server = await serveDirectory(channelRoot);
      await writeFile(condarc, `channel_alias: ${server.url}\nchannels: [conda-forge]\nchannel_priority: strict\n`);
      console.log(`Serving the example channel (real .conda archives built by the demo) on ${server.url}/conda-forge`);
    } else {
      await writeFile(condarc, `channels: [${realChannel}]\nchannel_priority: strict\n`);
    }
    const projectDir = join(work, "llm-service");
    mkdirSync(projectDir);
    const envFile = join(projectDir, "environment.yml");
    copyFileSync(exampleEnv, envFile);
    const spec = await readEnvironmentFile(envFile);
    console.log(`\nRead ${exampleEnv}: ${spec.dependencies.length} conda specs, ${spec.pip.length} pip requirement(s).`);
    const channelArgs = realChannel === undefined ? [] : ["-c", realChannel, "--override-channels"];
    const lockFile = join(projectDir, "conda-lock.yml");

    await run(["info", ...channelArgs]);
    await run(["search", "fastapi", ...channelArgs, "--platform", "linux-64"]);

    console.log("\n# Lock the environment for two platforms from this machine (virtual packages of each target):");
    await run(["lock", "-f", envFile, "--platform", "linux-64", "--platform", "osx-arm64", ...channelArgs]);
    await run(["lock", "-f", envFile, "--check"]);

    console.log("\n# Create the environment: the lock beside the file is up to date, so nothing is solved; every archive is verified by sha256:");
    const prefix = join(work, "envs", "llm-service");
    await run(["create", "-p", prefix, "-f", envFile, ...channelArgs]);
    await run(["list", "-p", prefix]);

    const uvicorn = join(prefix, "bin", "uvicorn");
    console.log(`\n$ ${uvicorn} app:main`);
    const started = spawnSync(uvicorn, ["app:main"], { encoding: "utf8" });
    process.stdout.write(`${started.stdout ?? ""}${started.stderr ?? ""}${started.error !== undefined ? `${started.error.message}\n` : ""}`);
    if (started.status !== 0) failures++;

    console.log("\n# Verify every installed file against conda-meta and the packages against the lock:");
    await run(["verify", "-p", prefix, "--lock", lockFile, "--platform", "linux-64"]);

    console.log("\n# Change the environment behind its back: one byte, one deleted file, one added file. verify finds all three (exit 1):");
    const sitePackages = join(prefix, "lib", readdirSync(join(prefix, "lib")).find((d) => d.startsWith("python")) ?? "python3.11", "site-packages");
    appendFileSync(join(sitePackages, "fastapi", "__init__.py"), "#");
    rmSync(join(sitePackages, "idna", "__init__.py"));
    await writeFile(join(sitePackages, "backdoor.py"), "print('not from any package')\n");
    await run(["verify", "-p", prefix], 1);

    console.log("\n# Export the lock as an @EXPLICIT file (one URL#sha256 per line) for conda create --file:");
    await run(["export", "--explicit", "--lock", lockFile, "--platform", "linux-64"]);

    if (server !== undefined) {
      console.log("\n# The channel republishes uvicorn under the same file name with other bytes; a new lock differs from the old one only in that sha256 (exit 1):");
      const lockBefore = join(work, "conda-lock.before.yml");
      copyFileSync(lockFile, lockBefore);
      await republishWithOtherBytes(join(channelRoot, "conda-forge"), "uvicorn");
      rmSync(join(work, "cache"), { recursive: true, force: true });
      await run(["lock", "-f", envFile, "--platform", "linux-64", "--platform", "osx-arm64"]);
      await run(["diff", lockBefore, lockFile], 1);
    }

    console.log("\n# Remove a package: the change is shown as a diff, then applied in one transaction:");
    await run(["remove", "-p", prefix, "uvicorn", "-y"]);
    await run(["diff", lockFile, prefix, "--platform", "linux-64"], 1);
  } finally {
    await server?.close();
    await rm(work, { recursive: true, force: true });
  }
  if (failures > 0) {
    console.error(`\n${failures} demo step(s) failed.`);
    process.exitCode = 1;
  } else console.log("\nDemo finished: every step gave the expected result.");
}

await main();
