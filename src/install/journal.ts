// The write-ahead journal of a transaction on an existing prefix. Every
// change to the prefix is a rename (or mkdir/rmdir) listed here before the
// first one runs; each can be undone by looking at what is on disk, so
// undoing is idempotent and survives being killed itself. The journal's
// existence means "not committed": recovery rolls back. Deleting it is the
// commit point.
import {
  closeSync,
  existsSync,
  fsyncSync,
  lstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmdirSync,
  rmSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import { dirname, join } from "node:path";
import { InstallError } from "./errors.js";

export const JOURNAL_NAME = ".condaguard-transaction.json";
/** Transaction folders live at the top of the prefix: `<prefix>/.condaguard-txn-<id>/{new,backup}`. */
export const TXN_DIR_PREFIX = ".condaguard-txn-";

/** One reversible change. Paths are prefix-relative. */
export type JournalStep =
  | { op: "backup"; path: string }
  | { op: "rmdir"; path: string; mode: number }
  | { op: "mkdir"; path: string }
  | { op: "place"; path: string };

export interface Journal {
  version: 1;
  id: string;
  pid: number;
  created: string;
  /** Folder name (in the prefix) holding `new/` and `backup/`. */
  txnDir: string;
  steps: JournalStep[];
}

export function journalPath(prefix: string): string {
  return join(prefix, "conda-meta", JOURNAL_NAME);
}

function fsyncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, "r");
    fsyncSync(fd);
  } catch {
    // Some filesystems refuse fsync on directories; the rename is still atomic.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Writes a file durably: temp file, fsync, rename, fsync of the folder. */
export function writeDurable(path: string, text: string): void {
  const tmp = `${path}.tmp-${process.pid}`;
  const fd = openSync(tmp, "w", 0o644);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  fsyncDir(dirname(path));
}

export function writeJournal(prefix: string, journal: Journal): void {
  writeDurable(journalPath(prefix), JSON.stringify(journal));
}

/** The journal of an uncommitted transaction, or undefined when there is none. */
export function readJournal(prefix: string): Journal | undefined {
  const file = journalPath(prefix);
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new InstallError("CG_INSTALL_IO", `Cannot read the transaction journal ${file}: ${(err as Error).message}`, { file, cause: err });
  }
  try {
    const doc = JSON.parse(text) as Journal;
    if (doc.version !== 1 || typeof doc.txnDir !== "string" || !Array.isArray(doc.steps) || !doc.txnDir.startsWith(TXN_DIR_PREFIX)) {
      throw new Error("unexpected shape");
    }
    return doc;
  } catch (err) {
    throw new InstallError("CG_INSTALL_CORRUPT_PREFIX", `The transaction journal ${file} is corrupt: ${(err as Error).message}`, {
      file,
      cause: err,
      hint: "Inspect the prefix by hand; the journal lists the files the interrupted transaction moved.",
    });
  }
}

/** Commits: deleting the journal is the atomic point after which the new state stands. */
export function deleteJournal(prefix: string): void {
  try {
    unlinkSync(journalPath(prefix));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
  fsyncDir(join(prefix, "conda-meta"));
}

/** Whether anything (a dangling link included) is at `path`. */
export function lexists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

/** Runs one step forward. */
export function applyStep(prefix: string, txnDir: string, step: JournalStep): void {
  const live = join(prefix, step.path);
  switch (step.op) {
    case "backup": {
      const aside = join(prefix, txnDir, "backup", step.path);
      mkdirSync(dirname(aside), { recursive: true });
      renameSync(live, aside);
      return;
    }
    case "rmdir":
      rmdirSync(live);
      return;
    case "mkdir":
      mkdirSync(live, 0o755);
      return;
    case "place":
      renameSync(join(prefix, txnDir, "new", step.path), live);
      return;
  }
}

/** Undoes one step if it ran; a no-op when it did not (or was undone already). */
export function undoStep(prefix: string, txnDir: string, step: JournalStep): void {
  const live = join(prefix, step.path);
  switch (step.op) {
    case "place": {
      const staged = join(prefix, txnDir, "new", step.path);
      // Placed iff the staged file is gone: backups of a path always run before
      // its place, so what is live now is the new file.
      if (!lexists(staged) && lexists(live)) {
        mkdirSync(dirname(staged), { recursive: true });
        renameSync(live, staged);
      }
      return;
    }
    case "mkdir":
      try {
        rmdirSync(live);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code !== "ENOENT" && code !== "ENOTDIR") throw err;
      }
      return;
    case "rmdir":
      try {
        mkdirSync(live, step.mode & 0o7777);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      }
      return;
    case "backup": {
      const aside = join(prefix, txnDir, "backup", step.path);
      if (lexists(aside) && !lexists(live)) renameSync(aside, live);
      return;
    }
  }
}

/** Undoes every step in reverse order, then drops the journal and the transaction folder. */
export function rollBack(prefix: string, journal: Journal): void {
  for (let i = journal.steps.length - 1; i >= 0; i--) undoStep(prefix, journal.txnDir, journal.steps[i]);
  deleteJournal(prefix);
  removeTxnDir(prefix, journal.txnDir);
}

export function removeTxnDir(prefix: string, txnDir: string): void {
  const dir = join(prefix, txnDir);
  if (existsSync(dir)) rmSync(dir, { recursive: true, force: true });
}
