import { spawn, spawnSync } from "node:child_process";
import { Duplex, Transform } from "node:stream";
import bz2 from "unbzip2-stream";

/**
 * bzip2 decoding for `.tar.bz2` packages. The pure-JS decoder
 * (unbzip2-stream) is always available but decodes about ten times slower
 * than the C `bzip2` program, so when `bzip2` is on PATH the bytes go
 * through it instead; the output is the same either way. Setting
 * CONDAGUARD_BZIP2=js forces the JS decoder.
 */

let systemBzip2: string | null | undefined;

/** The bzip2 program to use, or null; probed once per process. */
function findSystemBzip2(): string | null {
  if (process.env.CONDAGUARD_BZIP2 === "js") return null;
  if (systemBzip2 === undefined) {
    const probe = spawnSync("bzip2", ["--help"], { stdio: "ignore", timeout: 5000 });
    systemBzip2 = probe.error === undefined && probe.status === 0 ? "bzip2" : null;
  }
  return systemBzip2;
}

function viaProgram(program: string): Duplex {
  const child = spawn(program, ["-dc"], { stdio: ["pipe", "pipe", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (c: Buffer) => {
    if (stderr.length < 2000) stderr += c.toString();
  });
  const exited = new Promise<number | null>((done) => child.on("close", done));
  const failed = new Promise<Error>((done) => child.on("error", done));
  // The decoded stream ends only once bzip2 has exited cleanly, so a corrupt input is never taken for a short one.
  const checked = new Transform({
    transform(chunk: Buffer, _enc, done) {
      done(null, chunk);
    },
    flush(done) {
      void Promise.race([exited, failed]).then((outcome) => {
        if (outcome === 0) done();
        else if (outcome instanceof Error) done(outcome);
        else done(new Error(stderr.trim().replace(/^bzip2:\s*/gm, "").split("\n")[0] || `bzip2 exited with ${String(outcome)}`));
      });
    },
  });
  child.stdout.pipe(checked);
  child.stdout.on("error", (err) => checked.destroy(err));
  // bzip2 may stop reading early on bad input; the resulting EPIPE is reported through its exit status.
  child.stdin.on("error", () => undefined);
  const duplex = Duplex.from({ writable: child.stdin, readable: checked });
  duplex.on("close", () => {
    if (child.exitCode === null) child.kill();
  });
  return duplex;
}

/** A Duplex that takes bzip2 bytes and gives the decoded bytes. */
export function bzip2Decoder(): Duplex {
  const program = findSystemBzip2();
  if (program !== null) return viaProgram(program);
  return bz2() as unknown as Duplex;
}
