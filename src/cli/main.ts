#!/usr/bin/env node
import { terminalConfirm } from "./commands/environment_ops.js";
import { runCli } from "./program.js";
import { terminalProgress } from "./progress.js";

const code = await runCli(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  env: process.env,
  ...(process.stderr.isTTY ? { progress: terminalProgress(process.stderr) } : {}),
  ...(process.stdin.isTTY ? { confirm: terminalConfirm } : {}),
});
process.exitCode = code;
