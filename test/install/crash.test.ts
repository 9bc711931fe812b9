// Kills a child process with SIGKILL in the middle of a transaction and
// checks that recovery leaves exactly the old or exactly the new prefix.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { after, test } from "node:test";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { executeTransaction, InstallError, planTransaction, readPrefix, recoverPrefix, verifyPrefix, type LinkRequest } from "../../src/install/index.js";
import { runTransaction } from "../../src/install/transaction.js";
import { undoStep, type Journal } from "../../src/install/journal.js";
import { fakePackage, snapshot, tempDir } from "./_packages.js";

const CHILD = join(dirname(fileURLToPath(import.meta.url)), "_crash_child.js");
const work = tempDir("crash");
after(() => rmSync(work, { recursive: true, force: true }));

const cache = join(work, "pkgs");
const a1 = fakePackage(cache, { name: "a", version: "1" }, [{ path: "share/a/one.txt" }, { path: "share/a/only-v1/x.txt" }, { path: "bin/a", mode: 0o755 }]);
const a2 = fakePackage(cache, { name: "a", version: "2" }, [{ path: "share/a/one.txt", content: "v2\n" }, { path: "share/a/two.txt" }, { path: "bin/a", content: "a2\n", mode: 0o755 }]);
const b = fakePackage(cache, { name: "b" }, [{ path: "share/b/b.txt" }, { path: "lib/libb.so.1" }, { path: "lib/libb.so", linkTarget: "libb.so.1" }]);
const c = fakePackage(cache, { name: "c" }, [{ path: "share/c/c.txt" }, { path: "etc/c.conf" }]);
// d overwrites a file of b, which stays installed: b's copy is set aside (a clobber).
const d = fakePackage(cache, { name: "d" }, [{ path: "share/d/d.txt" }, { path: "share/b/b.txt", content: "from d\n" }, { path: "etc/c.conf", content: "d now\n" }]);
const OLD = [a1, b, c];
const NEW = [a2, b, d];

const skipHistory = (rel: string): boolean => rel === "conda-meta/history";

async function installFresh(prefix: string, requests: LinkRequest[]): Promise<void> {
  rmSync(prefix, { recursive: true, force: true });
  await executeTransaction(prefix, planTransaction([], requests));
}

/** Runs the child until it pauses at `point`, then kills it with SIGKILL by PID. */
function crashAt(prefix: string, requests: LinkRequest[], point: string): Promise<"killed" | "finished"> {
  const config = join(work, `config-${point}.json`);
  writeFileSync(config, JSON.stringify({ prefix, requests, point }));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CHILD, config], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    let killed = false;
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      if (!killed && out.includes("PAUSED") && child.pid !== undefined) {
        killed = true;
        process.kill(child.pid, "SIGKILL");
      }
    });
    child.stderr.on("data", (chunk: Buffer) => (err += chunk.toString()));
    child.on("error", reject);
    child.on("exit", (code, signal) => {
      if (killed && signal === "SIGKILL") resolve("killed");
      else if (code === 0 && out.includes("DONE")) resolve("finished");
      else reject(new Error(`child exited ${code ?? signal}: ${err}`));
    });
  });
}

async function expectConsistent(prefix: string, oldSnap: Map<string, string>, newSnap: Map<string, string>): Promise<"old" | "new"> {
  await recoverPrefix(prefix);
  const snap = snapshot(prefix, skipHistory);
  const same = (x: Map<string, string>): boolean => JSON.stringify([...x]) === JSON.stringify([...snap]);
  const state = same(oldSnap) ? "old" : same(newSnap) ? "new" : undefined;
  if (state === undefined) {
    const extra = [...snap.keys()].filter((k) => !oldSnap.has(k) && !newSnap.has(k));
    assert.fail(`prefix is neither old nor new; paths in neither: ${extra.join(", ")}`);
  }
  const history = readFileSync(join(prefix, "conda-meta/history"), "utf8");
  assert.equal(history.match(/^==> /gm)?.length, state === "old" ? 1 : 2, "history matches the state");
  const report = await verifyPrefix(prefix);
  assert.deepEqual(report.issues, [], "every recorded file present with its hash, no stray files");
  return state;
}

test("SIGKILL during an update: recovery gives exactly the old or the new prefix", async () => {
  const reference = join(work, "reference");
  await installFresh(reference, OLD);
  const oldSnap = snapshot(reference, skipHistory);
  await executeTransaction(reference, planTransaction(await readPrefix(reference), NEW));
  const newSnap = snapshot(reference, skipHistory);
  assert.notDeepEqual(oldSnap, newSnap);
  assert.ok(newSnap.has("share/b/b.txt__clobber-from-b"));

  const expected: Record<string, "old" | "new"> = {
    staged: "old",
    "step:0": "old",
    "step:0.2": "old",
    "step:0.4": "old",
    "step:0.6": "old",
    "step:0.8": "old",
    "step:1": "old",
    placed: "old",
    committed: "new",
  };
  for (const [point, want] of Object.entries(expected)) {
    const prefix = join(work, `p-${point.replace(":", "-")}`);
    await installFresh(prefix, OLD);
    assert.equal(await crashAt(prefix, NEW, point), "killed", point);
    if (point !== "staged" && point !== "committed") {
      assert.ok(existsSync(join(prefix, "conda-meta/.condaguard-transaction.json")), `${point}: journal present`);
      assert.match((await verifyPrefix(prefix)).uncommittedTransaction ?? "", /./, "verify says a transaction is pending");
    }
    assert.equal(await expectConsistent(prefix, oldSnap, newSnap), want, point);
    assert.deepEqual(readdirSync(prefix).filter((n) => n.startsWith(".condaguard")), [], `${point}: no transaction folder left`);
    // The recovered prefix takes the same update normally afterwards.
    await executeTransaction(prefix, planTransaction(await readPrefix(prefix), NEW));
    assert.equal(await expectConsistent(prefix, oldSnap, newSnap), "new");
  }
});

test("a recovery stopped halfway (the last half of the journal undone, as a killed recovery leaves it) is finished by the next one", async () => {
  const reference = join(work, "reference2");
  await installFresh(reference, OLD);
  const oldSnap = snapshot(reference, skipHistory);
  const prefix = join(work, "p-double");
  await installFresh(prefix, OLD);
  assert.equal(await crashAt(prefix, NEW, "step:0.7"), "killed");
  // Undo the last half of the journal by hand (recovery undoes in reverse order), then recover.
  const j = JSON.parse(readFileSync(join(prefix, "conda-meta/.condaguard-transaction.json"), "utf8")) as Journal;
  assert.ok(j.steps.length > 4);
  for (let i = j.steps.length - 1; i >= Math.floor(j.steps.length / 2); i--) undoStep(prefix, j.txnDir, j.steps[i]);
  const snap = await expectConsistent(prefix, oldSnap, new Map());
  assert.equal(snap, "old");
});

test("SIGKILL while creating a new prefix: recovery leaves no prefix and no staging folder", async () => {
  const prefix = join(work, "fresh", "env");
  assert.equal(await crashAt(prefix, OLD, "staged"), "killed");
  assert.equal(existsSync(prefix), false);
  assert.ok(readdirSync(dirname(prefix)).some((n) => n.includes("condaguard-staging")), "the killed run left its staging folder");
  const result = await recoverPrefix(prefix);
  assert.equal(result?.action, "cleaned");
  assert.deepEqual(readdirSync(dirname(prefix)), []);
  assert.equal(await crashAt(prefix, OLD, "committed"), "killed");
  assert.equal((await verifyPrefix(prefix)).summary.total, 0);
});

test("a failure in the middle of the journal rolls back in the same process", async () => {
  const reference = join(work, "reference3");
  await installFresh(reference, OLD);
  const oldSnap = snapshot(reference, skipHistory);
  const prefix = join(work, "p-inproc");
  await installFresh(prefix, OLD);
  let fired = false;
  await assert.rejects(
    runTransaction(prefix, planTransaction(await readPrefix(prefix), NEW), {}, (at) => {
      if (at.phase === "step" && at.step === Math.floor((at.total ?? 0) / 2)) {
        fired = true;
        throw Object.assign(new Error("injected"), { code: "EIO" });
      }
    }),
    (err: unknown) => err instanceof InstallError && err.code === "CG_INSTALL_IO",
  );
  assert.ok(fired);
  assert.equal(existsSync(join(prefix, "conda-meta/.condaguard-transaction.json")), false);
  assert.deepEqual(snapshot(prefix, skipHistory), oldSnap);
  assert.equal(await recoverPrefix(prefix), undefined);
});
