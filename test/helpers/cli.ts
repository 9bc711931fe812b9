import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { serveDirectory, type StaticServer } from "../../src/channel/index.js";
import { runCli } from "../../src/cli/index.js";

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI in-process and captures what it prints. */
export async function runCliCaptured(args: string[], env: NodeJS.ProcessEnv): Promise<CliRun> {
  let stdout = "";
  let stderr = "";
  const code = await runCli(args, {
    stdout: (t) => {
      stdout += t;
    },
    stderr: (t) => {
      stderr += t;
    },
    env,
  });
  return { code, stdout, stderr };
}

/**
 * An environment isolated from the user's own configuration and caches: a
 * temporary HOME with an empty .condarc and its own repodata cache.
 */
export async function isolatedEnv(extra: NodeJS.ProcessEnv = {}): Promise<{ env: NodeJS.ProcessEnv; dir: string }> {
  const dir = await mkdtemp(join(tmpdir(), "condaguard-test-"));
  const condarc = join(dir, ".condarc");
  await writeFile(condarc, "channels: [conda-forge]\n");
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: dir,
    XDG_CONFIG_HOME: join(dir, ".config"),
    XDG_CACHE_HOME: join(dir, ".cache"),
    CONDAGUARD_CACHE_DIR: join(dir, "cache"),
    CONDARC: condarc,
    ...extra,
  };
  return { env, dir };
}

/**
 * Serves `root` on 127.0.0.1 and runs `fn` with the server and an isolated
 * environment; both are torn down afterwards, whatever `fn` does.
 */
export async function withServedChannel(
  root: string,
  fn: (server: StaticServer, env: NodeJS.ProcessEnv) => Promise<void>,
  extraEnv: NodeJS.ProcessEnv = {},
): Promise<void> {
  const server = await serveDirectory(root);
  const { env, dir } = await isolatedEnv(extraEnv);
  try {
    await fn(server, env);
  } finally {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  }
}
