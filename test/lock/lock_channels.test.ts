import assert from "node:assert/strict";
import { test } from "node:test";
import { parseEnvironmentYaml } from "../../src/env/index.js";
import { checkLock, computeContentHashes, lockChannel, parseLockfile, writeCondaLock, type Lockfile } from "../../src/lock/index.js";

test("channel credentials become ${VAR} references or are dropped, never stored", () => {
  const env = { CHAN_USER: "alice", CHAN_PASS: "s3cr3t-pw", ANACONDA_TOKEN: "tk-123-456" };
  assert.deepEqual(lockChannel("https://alice:s3cr3t-pw@conda.example.com/private", env), {
    channel: { url: "https://${CHAN_USER}:${CHAN_PASS}@conda.example.com/private", used_env_vars: ["CHAN_PASS", "CHAN_USER"] },
    dropped: false,
  });
  assert.deepEqual(lockChannel("https://conda.anaconda.org/t/tk-123-456/my-org", env), {
    channel: { url: "https://conda.anaconda.org/t/${ANACONDA_TOKEN}/my-org", used_env_vars: ["ANACONDA_TOKEN"] },
    dropped: false,
  });
  assert.deepEqual(lockChannel("https://bob:unknown@conda.example.com/private", env), {
    channel: { url: "https://conda.example.com/private", used_env_vars: [] },
    dropped: true,
  });
  assert.deepEqual(lockChannel("conda-forge", env), { channel: { url: "conda-forge", used_env_vars: [] }, dropped: false });
  assert.deepEqual(lockChannel("https://${U}:${P}@host/c", env).channel.url, "https://${U}:${P}@host/c", "already a reference");
});

test("a lock of a channel with credentials checks against its file without ever holding them", () => {
  const env = { CHAN_USER: "alice", CHAN_PASS: "s3cr3t-pw" };
  const spec = parseEnvironmentYaml("channels:\n  - https://${CHAN_USER}:${CHAN_PASS}@conda.example.com/private\ndependencies:\n  - zlib\n", "environment.yml", { env });
  assert.equal(spec.channels[0], "https://alice:s3cr3t-pw@conda.example.com/private", "the parser expands variables");
  const lock: Lockfile = {
    version: 1,
    format: "conda-lock-v1",
    platforms: ["linux-64"],
    channels: [lockChannel(spec.channels[0] ?? "", env).channel],
    contentHash: computeContentHashes(spec, ["linux-64"], { env }),
    sources: [],
    packages: [],
  };
  const text = writeCondaLock(lock);
  assert.equal(text.includes("s3cr3t"), false);
  assert.match(text, /url: https:\/\/\$\{CHAN_USER\}:\$\{CHAN_PASS\}@conda\.example\.com\/private\n    used_env_vars:\n    - CHAN_PASS\n    - CHAN_USER/);
  assert.deepEqual(checkLock(spec, parseLockfile(text, "conda-lock.yml"), ["linux-64"], { env }), { upToDate: true, reasons: [] });
});
