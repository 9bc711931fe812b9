import { Command, CommanderError, Option } from "commander";
import { CondaguardError, isCondaguardError } from "../conda/index.js";
import type { CommandResult } from "./command.js";
import { infoCommand } from "./commands/info.js";
import { searchCommand } from "./commands/search.js";
import { solveCommand } from "./commands/solve.js";
import { lockCommand } from "./commands/lock.js";
import { exportCommand } from "./commands/export.js";
import { diffCommand } from "./commands/diff.js";
import { listCommand } from "./commands/list.js";
import { verifyCommand } from "./commands/verify.js";
import { createCommand, type CreateOptions } from "./commands/create.js";
import { changeCommand, type UpdateOptions } from "./commands/update.js";
import type { ChangeIO } from "./commands/environment_ops.js";
import { silentProgress, type ProgressSink } from "./progress.js";
import { condaguardVersion as packageVersion } from "../install/index.js";

/** Where the CLI writes; injected so tests run commands in-process. */
export interface CliIO {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: NodeJS.ProcessEnv;
  /** Standard input, for `solve --case -`; defaults to the process's. */
  readStdin?: () => Promise<string>;
  /** Progress bars for downloads (a terminal); none when absent. */
  progress?: ProgressSink;
  /** Shows a plan and asks to go on (a terminal); changes proceed without asking when absent. */
  confirm?: (plan: string[]) => Promise<boolean>;
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

function channelOptions(command: Command): Command {
  return command
    .option("-c, --channel <channel>", "additional channel to search (repeatable; searched before configured channels)", collect)
    .option("--override-channels", "do not search the configured channels, only those given with -c")
    .option("--platform <subdir>", "target platform, e.g. linux-64, osx-arm64 (default: this machine or CONDA_SUBDIR)")
    .addOption(new Option("--subdir <subdir>").hideHelp())
    .option("--offline", "use only cached repodata; never touch the network")
    .option("--json", "print machine-readable JSON");
}

/** Builds the commander program; each action stores its result for `runCli`. */
function buildProgram(io: CliIO, done: (result: CommandResult) => void, argv: readonly string[]): Command {
  const program = new Command("condaguard")
    .description("Reproducible, verifiable and hardened conda environments for LLM services.")
    .version(packageVersion(), "-V, --version", "print the version")
    .helpOption("-h, --help", "show help")
    .showHelpAfterError("(run with --help for usage)")
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .exitOverride();

  channelOptions(
    program
      .command("info")
      .description("show the platform, virtual packages, channels and cache folders in effect"),
  ).action(async (opts: Record<string, unknown>) => {
    done(await infoCommand(toChannelFlags(opts), io.env));
  });

  channelOptions(
    program
      .command("search")
      .description("list the packages that match a MatchSpec, newest first (like conda search)")
      .argument("<spec>", "a MatchSpec, e.g. 'python 3.9.*', 'conda-forge::numpy>=1.26', 'py*'"),
  ).action(async (spec: string, opts: Record<string, unknown>) => {
    done(await searchCommand(spec, toChannelFlags(opts), io.env));
  });

  channelOptions(
    program
      .command("solve")
      .description("resolve specs to one consistent set of packages for a platform, or explain why none exists")
      .argument("[specs...]", "MatchSpecs, e.g. 'python 3.11.*' pip 'numpy >=1.26'")
      .option("--channel-priority <mode>", "strict, flexible or disabled (default: from .condarc)")
      .option("--virtual-package <name=version=build>", "add or replace a virtual package, e.g. __cuda=12.4=0 (repeatable)", collect)
      .option("--timeout <seconds>", "stop the solve after this many seconds")
      .option("--case <file>", "run one solver conformance case (a file, or - for stdin) and print its result"),
  ).action(async (specs: string[], opts: Record<string, unknown>) => {
    done(
      await solveCommand(
        specs,
        {
          ...toChannelFlags(opts),
          channelPriority: opts.channelPriority as string | undefined,
          virtualPackage: opts.virtualPackage as string[] | undefined,
          timeout: opts.timeout as string | undefined,
          case: opts.case as string | undefined,
        },
        io.env,
        io.readStdin ?? readAll,
      ),
    );
  });

  program
    .command("lock")
    .description("solve an environment file for one or more platforms and write a conda-lock v1 lockfile (url + sha256 per package)")
    .option("-f, --file <file>", "environment file (repeatable; merged in order)", collect)
    .option("--platform <subdir>", "platform to lock for (repeatable; default: the file's platforms: key, else this machine)", collect)
    .option("-o, --output <file>", "where to write the lock (default: conda-lock.yml beside the environment file)")
    .option("--check", "do not solve: exit 1 when the lock no longer matches the environment file")
    .option("-c, --channel <channel>", "additional channel (repeatable)", collect)
    .option("--override-channels", "ignore the channels of .condarc")
    .option("--channel-priority <mode>", "strict, flexible or disabled (default: from .condarc)")
    .option("--virtual-package <[platform:]name=version=build>", "add or replace a virtual package for the target platforms, e.g. linux-64:__glibc=2.28=0 (repeatable)", collect)
    .option("--timeout <seconds>", "stop each solve after this many seconds")
    .option("--offline", "use only cached repodata")
    .option("--json", "print machine-readable JSON")
    .action(async (opts: Record<string, unknown>) => {
      done(
        await lockCommand(
          {
            file: opts.file as string[] | undefined,
            platform: opts.platform as string[] | undefined,
            output: opts.output as string | undefined,
            check: opts.check === true,
            channel: opts.channel as string[] | undefined,
            overrideChannels: opts.overrideChannels === true,
            channelPriority: opts.channelPriority as string | undefined,
            virtualPackage: opts.virtualPackage as string[] | undefined,
            timeout: opts.timeout as string | undefined,
            offline: opts.offline === true,
            json: opts.json === true,
          },
          io.env,
        ),
      );
    });

  prefixOptions(
    channelOptions(
      program
        .command("export")
        .description("write an environment as an @EXPLICIT file (--explicit, one URL#sha256 per line) or as a fully pinned environment.yml")
        .option("--explicit", "@EXPLICIT format (CEP 23), for `conda create --file`")
        .option("--lock <file>", "export from a lockfile")
        .option("-f, --file <file>", "export from an environment file (solved for --platform)")
        .option("-o, --output <file>", "write to a file instead of standard output")
        .option("--md5", "use md5 instead of sha256 after '#' (for conda older than 23)"),
    ),
  ).action(async (opts: Record<string, unknown>) => {
    done(
      await exportCommand(
        {
          ...toChannelFlags(opts),
          ...toPrefixFlags(opts),
          explicit: opts.explicit === true,
          lock: opts.lock as string | undefined,
          file: opts.file as string | undefined,
          output: opts.output as string | undefined,
          md5: opts.md5 === true,
        },
        io.env,
      ),
    );
  });

  channelOptions(
    program
      .command("diff")
      .description("compare two package sets (each a lockfile, an environment.yml or a prefix); exit 1 when they differ")
      .argument("<a>", "lockfile, environment.yml or environment prefix")
      .argument("<b>", "lockfile, environment.yml or environment prefix"),
  ).action(async (a: string, b: string, opts: Record<string, unknown>) => {
    done(await diffCommand(a, b, toChannelFlags(opts), io.env));
  });

  prefixOptions(
    program
      .command("list")
      .description("list the packages installed in an environment, as conda list does")
      .option("--explicit", "print @EXPLICIT lines (URL#sha256)")
      .option("--json", "print machine-readable JSON"),
  ).action(async (opts: Record<string, unknown>) => {
    done(await listCommand({ ...toPrefixFlags(opts), json: opts.json === true, explicit: opts.explicit === true }, io.env));
  });

  prefixOptions(
    program
      .command("verify")
      .description("check every installed file against its recorded size and sha256, and the packages against a lock; exit 1 on findings")
      .option("--lock <file>", "also compare the installed packages with this lockfile")
      .option("--platform <subdir>", "the lock platform to compare with (default: the lock's only platform, else this machine)")
      .option("--json", "print machine-readable JSON"),
  ).action(async (opts: Record<string, unknown>) => {
    done(
      await verifyCommand(
        {
          ...toPrefixFlags(opts),
          lock: opts.lock as string | undefined,
          platform: opts.platform as string | undefined,
          json: opts.json === true,
        },
        io.env,
      ),
    );
  });

  const changeIO = (opts: Record<string, unknown>): ChangeIO => ({
    progress: opts.json === true ? silentProgress : (io.progress ?? silentProgress),
    ...(io.confirm !== undefined ? { confirm: io.confirm } : {}),
  });
  // Recorded in conda-meta/history as `# cmd:`, as conda records its own command line.
  const commandLine = (name: string): string => (argv[0] === name ? argv.join(" ") : [name, ...argv].join(" "));

  changeOptions(
    prefixOptions(
      program
        .command("create")
        .description("create an environment: solve the environment file, write conda-lock.yml beside it, install (or install a lock given with -f)")
        .argument("[specs...]", "packages, when no environment file is given")
        .option("-f, --file <file>", "environment.yml (repeatable; merged), or a lockfile to install as it is", collect),
    ),
  ).action(async (specs: string[], opts: Record<string, unknown>) => {
    done(await createCommand(specs, toCreateOptions(opts), io.env, changeIO(opts), commandLine("create")));
  });

  changeOptions(
    prefixOptions(
      program
        .command("install")
        .description("install a lockfile into an environment (--lock FILE [--frozen]: no solve), or add packages to it (re-solved with minimal change)")
        .argument("[specs...]", "packages to add to the environment")
        .option("--lock <file>", "the lockfile to install (conda-lock, pixi or @EXPLICIT)")
        .option("--frozen", "install the lock as it is, without checking it against its environment file"),
    ),
  ).action(async (specs: string[], opts: Record<string, unknown>) => {
    if (typeof opts.lock === "string") {
      if (specs.length > 0) throw new CondaguardError("CG_USAGE", "Give either --lock FILE or package specs, not both.", { hint: "Add packages to the environment file and re-lock instead." });
      done(await createCommand([], { ...toCreateOptions(opts), lock: opts.lock, frozen: opts.frozen === true }, io.env, changeIO(opts), commandLine("install")));
    } else done(await changeCommand("install", specs, toUpdateOptions(opts), io.env, changeIO(opts), commandLine("install")));
  });

  changeOptions(
    prefixOptions(
      program
        .command("update")
        .description("update packages of an environment (re-solved with minimal change); shows the change before applying it")
        .argument("[specs...]", "packages to update")
        .option("--all", "update every package"),
    ),
  ).action(async (specs: string[], opts: Record<string, unknown>) => {
    done(await changeCommand("update", specs, toUpdateOptions(opts), io.env, changeIO(opts), commandLine("update")));
  });

  changeOptions(
    prefixOptions(
      program
        .command("remove")
        .description("remove packages from an environment (and what only they needed); shows the change before applying it")
        .argument("<specs...>", "packages to remove"),
    ),
  ).action(async (specs: string[], opts: Record<string, unknown>) => {
    done(await changeCommand("remove", specs, toUpdateOptions(opts), io.env, changeIO(opts), commandLine("remove")));
  });

  return program;
}

function changeOptions(command: Command): Command {
  return command
    .option("-c, --channel <channel>", "additional channel (repeatable; searched before configured channels)", collect)
    .option("--override-channels", "ignore the channels of .condarc")
    .option("--channel-priority <mode>", "strict, flexible or disabled (default: from .condarc)")
    .option("--virtual-package <[platform:]name=version=build>", "add or replace a virtual package (repeatable)", collect)
    .option("--timeout <seconds>", "stop the solve after this many seconds")
    .option("--allow-unverified", "install packages whose lock entry has no sha256 (md5 is still checked)")
    .option("--allow-link-scripts", "run the packages' pre/post-link scripts (off by default: they are arbitrary code)")
    .option("--dry-run", "show what would change; download and change nothing")
    .option("-y, --yes", "do not ask for confirmation")
    .option("--offline", "use only cached repodata")
    .option("--json", "print machine-readable JSON");
}

function toChangeFlags(opts: Record<string, unknown>): UpdateOptions {
  return {
    ...toPrefixFlags(opts),
    ...(Array.isArray(opts.channel) ? { channel: opts.channel as string[] } : {}),
    overrideChannels: opts.overrideChannels === true,
    offline: opts.offline === true,
    ...(typeof opts.channelPriority === "string" ? { channelPriority: opts.channelPriority } : {}),
    ...(Array.isArray(opts.virtualPackage) ? { virtualPackage: opts.virtualPackage as string[] } : {}),
    ...(typeof opts.timeout === "string" ? { timeout: opts.timeout } : {}),
    allowUnverified: opts.allowUnverified === true,
    allowLinkScripts: opts.allowLinkScripts === true,
    dryRun: opts.dryRun === true,
    yes: opts.yes === true,
    json: opts.json === true,
  };
}

function toCreateOptions(opts: Record<string, unknown>): CreateOptions {
  return { ...toChangeFlags(opts), ...(Array.isArray(opts.file) ? { file: opts.file as string[] } : {}) };
}

function toUpdateOptions(opts: Record<string, unknown>): UpdateOptions {
  return { ...toChangeFlags(opts), all: opts.all === true };
}

function prefixOptions(command: Command): Command {
  return command
    .option("-p, --prefix <path>", "environment location (a folder)")
    .option("-n, --name <name>", "environment name (placed under envs_dirs)");
}

function toPrefixFlags(opts: Record<string, unknown>): { prefix?: string; name?: string } {
  return {
    ...(typeof opts.prefix === "string" ? { prefix: opts.prefix } : {}),
    ...(typeof opts.name === "string" ? { name: opts.name } : {}),
  };
}

async function readAll(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

function toChannelFlags(opts: Record<string, unknown>): {
  channel?: string[];
  overrideChannels?: boolean;
  platform?: string;
  offline?: boolean;
  json?: boolean;
} {
  return {
    channel: opts.channel as string[] | undefined,
    overrideChannels: opts.overrideChannels === true,
    platform: (opts.platform ?? opts.subdir) as string | undefined,
    offline: opts.offline === true,
    json: opts.json === true,
  };
}

/**
 * Runs the CLI on `argv` (without node and script) and returns the exit
 * code: 0 ok, 1 findings / nothing found, 2 usage or input error. User errors
 * print message and hint; only bugs print a stack.
 */
export async function runCli(argv: string[], io: CliIO): Promise<number> {
  let result: CommandResult | undefined;
  const program = buildProgram(
    io,
    (r) => {
      result = r;
    },
    argv,
  );
  try {
    if (argv.length === 0) {
      io.stdout(program.helpInformation());
      return 0;
    }
    await program.parseAsync(argv, { from: "user" });
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end here with exit code 0.
      return err.exitCode === 0 ? 0 : 2;
    }
    return reportError(err, io, argv.includes("--json"));
  }
  if (result === undefined) return 0;
  if (result.output !== "") io.stdout(result.output);
  for (const line of result.diagnostics ?? []) io.stderr(line + "\n");
  return result.exitCode;
}

function reportError(err: unknown, io: CliIO, json: boolean): number {
  if (isCondaguardError(err)) {
    if (json) io.stdout(JSON.stringify({ error: err.toJSON() }, null, 2) + "\n");
    const where = err.location();
    // Errors raised with a location often start their message with it already.
    const prefix = where !== undefined && !err.message.startsWith(where) ? `${where}: ` : "";
    io.stderr(`error: ${prefix}${err.message}\n`);
    if (err.hint !== undefined) io.stderr(`hint: ${err.hint}\n`);
    return err.exitCode;
  }
  const system = systemErrorHint(err);
  if (system !== undefined) {
    io.stderr(`error: ${(err as Error).message}\n`);
    io.stderr(`hint: ${system}\n`);
    return 1;
  }
  const detail = err instanceof Error ? (err.stack ?? err.message) : String(err);
  io.stderr(`condaguard: internal error (this is a bug, please report it):\n${detail}\n`);
  return 1;
}

// Failures of the machine rather than of condaguard (a full disk, a
// read-only folder) are the user's to fix: no stack trace, a hint instead.
const SYSTEM_HINTS: Record<string, string> = {
  ENOSPC: "The disk is full: free space (or point CONDA_PKGS_DIRS / the prefix at another disk) and run the command again; nothing half-done was kept.",
  EDQUOT: "The disk quota is used up: free space and run the command again.",
  EACCES: "Permission denied: check the ownership of the named path, or choose a prefix and package cache you can write.",
  EPERM: "The operation is not permitted on the named path: check its permissions and attributes.",
  EROFS: "The named path is on a read-only file system: choose a writable prefix and package cache.",
  EMFILE: "Too many open files: raise the limit (ulimit -n) and run the command again.",
};

function systemErrorHint(err: unknown): string | undefined {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === "string" && err instanceof Error ? SYSTEM_HINTS[code] : undefined;
}
