// Child process for crash tests: runs one transaction and, at the point named
// in its config, says PAUSED on stdout and blocks so the parent can SIGKILL it
// exactly there.
import { readFileSync, writeSync } from "node:fs";
import { planTransaction, readPrefix, type LinkRequest } from "../../src/install/index.js";
import { runTransaction } from "../../src/install/transaction.js";

interface Config {
  prefix: string;
  requests: LinkRequest[];
  /** "staged", "placed", "committed", or "step:<fraction of the journal steps>" */
  point: string;
}

const config = JSON.parse(readFileSync(process.argv[2], "utf8")) as Config;

function pause(): void {
  writeSync(1, "PAUSED\n");
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 120_000);
}

const installed = await readPrefix(config.prefix);
await runTransaction(config.prefix, planTransaction(installed, config.requests), {}, (at) => {
  if (at.phase === "step" && config.point.startsWith("step:")) {
    const fraction = Number(config.point.slice(5));
    const total = at.total ?? 0;
    if (at.step === Math.min(total - 1, Math.floor(fraction * total))) pause();
  } else if (at.phase === config.point) {
    pause();
  }
});
writeSync(1, "DONE\n");
