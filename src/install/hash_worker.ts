// Worker side of the hash pool: drains a submission's shared counter and
// posts the results (this thread does nothing else).
import { parentPort } from "node:worker_threads";
import { drain, type HashJob, type HashJobResult } from "./hash_file.js";

// Files are claimed one at a time from the counter shared by all threads of
// the submission, so a thread with large files does not hold up the rest.
parentPort?.on("message", (msg: { id: number; jobs: HashJob[]; counter: SharedArrayBuffer }) => {
  const results: Array<[number, HashJobResult]> = [];
  drain(msg.jobs, new Int32Array(msg.counter), results);
  parentPort?.postMessage({ id: msg.id, results });
});
