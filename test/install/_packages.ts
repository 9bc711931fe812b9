// Test helpers: hand-made extracted packages, real archives extracted into a
// temporary cache, and prefix snapshots for comparing states.
import { createHash } from "node:crypto";
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, posix } from "node:path";
import { extractPackage, hashFile, readIndexJson } from "../../src/package/index.js";
import type { InstallRecord, LinkRequest } from "../../src/install/index.js";

export function tempDir(label: string): string {
  return mkdtempSync(join(tmpdir(), `cg-install-${label}-`));
}

export interface FakeFile {
  path: string;
  content?: string | Buffer;
  mode?: number;
  /** A symlink with this target instead of a file. */
  linkTarget?: string;
  prefixPlaceholder?: string;
  fileMode?: "text" | "binary";
  noLink?: boolean;
}

const sha = (b: Buffer): string => createHash("sha256").update(b).digest("hex");

/** Writes an extracted package folder (files + info/paths.json + info/index.json [+ link.json]) and returns its link request. */
export function fakePackage(
  cacheDir: string,
  record: Partial<InstallRecord> & { name: string },
  files: FakeFile[],
  extra: { entryPoints?: string[]; noarchPython?: boolean } = {},
): LinkRequest {
  const full: InstallRecord = {
    version: "1.0",
    build: "0",
    build_number: 0,
    channel: "https://conda.example/test",
    subdir: extra.noarchPython === true ? "noarch" : "linux-64",
    depends: [],
    constrains: [],
    ...record,
  };
  if (extra.noarchPython === true) full.noarch = "python";
  full.fn ??= `${full.name}-${full.version}-${full.build}.conda`;
  full.url ??= `${full.channel}/${full.subdir}/${full.fn}`;
  const dir = join(cacheDir, `${full.name}-${full.version}-${full.build}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, "info"), { recursive: true });
  const paths: Array<Record<string, unknown>> = [];
  for (const f of files) {
    const out = join(dir, f.path);
    mkdirSync(dirname(out), { recursive: true });
    if (f.linkTarget !== undefined) {
      symlinkSync(f.linkTarget, out);
      // Like conda-build: a link to a file carries that file's digest.
      const target = files.find((t) => t.linkTarget === undefined && t.path === posix.join(posix.dirname(f.path), f.linkTarget ?? ""));
      const entry: Record<string, unknown> = { _path: f.path, path_type: "softlink" };
      if (target !== undefined) {
        const data = Buffer.isBuffer(target.content) ? target.content : Buffer.from(target.content ?? `${target.path}\n`);
        entry.sha256 = sha(data);
        entry.size_in_bytes = data.length;
      }
      paths.push(entry);
      continue;
    }
    const data = Buffer.isBuffer(f.content) ? f.content : Buffer.from(f.content ?? `${f.path}\n`);
    writeFileSync(out, data, { mode: f.mode ?? 0o644 });
    const entry: Record<string, unknown> = { _path: f.path, path_type: "hardlink", sha256: sha(data), size_in_bytes: data.length };
    if (f.prefixPlaceholder !== undefined) {
      entry.prefix_placeholder = f.prefixPlaceholder;
      entry.file_mode = f.fileMode ?? "text";
    }
    if (f.noLink === true) entry.no_link = true;
    paths.push(entry);
  }
  writeFileSync(join(dir, "info", "paths.json"), JSON.stringify({ paths, paths_version: 1 }));
  writeFileSync(join(dir, "info", "index.json"), JSON.stringify({ name: full.name, version: full.version, build: full.build, build_number: full.build_number, subdir: full.subdir, depends: [] }));
  if (extra.noarchPython === true) {
    writeFileSync(join(dir, "info", "link.json"), JSON.stringify({ noarch: { type: "python", entry_points: extra.entryPoints ?? [] }, package_metadata_version: 1 }));
  }
  full.sha256 ??= sha(Buffer.from(JSON.stringify(paths)));
  return { record: full, extractedDir: dir };
}

/** Extracts real archives into a cache folder; returns the extracted folder per archive file name. */
export async function extractAll(archives: string[], cacheDir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const archive of archives) {
    const base = archive.slice(archive.lastIndexOf("/") + 1).replace(/\.(conda|tar\.bz2)$/, "");
    const dest = join(cacheDir, base);
    await extractPackage(archive, dest);
    out.set(archive.slice(archive.lastIndexOf("/") + 1), dest);
  }
  return out;
}

/** Every file, link and folder under `root` (relative path -> sha256, `-> target`, or `dir`), skipping `skip` names at the top. */
export function snapshot(root: string, skip: (rel: string) => boolean = () => false): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (rel: string): void => {
    for (const name of readdirSync(join(root, rel)).sort()) {
      const r = rel === "" ? name : `${rel}/${name}`;
      if (skip(r)) continue;
      const st = lstatSync(join(root, r));
      if (st.isSymbolicLink()) out.set(r, `-> ${readlinkSync(join(root, r))}`);
      else if (st.isDirectory()) {
        out.set(r, "dir");
        walk(r);
      } else out.set(r, sha(readFileSync(join(root, r))));
    }
  };
  walk("");
  return out;
}

/** Extracts one real archive into `cacheDir` and builds its link request from info/index.json and the archive's digests. */
export async function realRequest(archive: string, cacheDir: string, channel = "https://conda.example/test"): Promise<LinkRequest> {
  const fn = archive.slice(archive.lastIndexOf("/") + 1);
  const dir = join(cacheDir, fn.replace(/\.(conda|tar\.bz2)$/, ""));
  await extractPackage(archive, dir);
  const index = await readIndexJson(dir);
  const digest = await hashFile(archive);
  const subdir = index.subdir ?? "noarch";
  const record: InstallRecord = {
    name: index.name,
    version: index.version,
    build: index.build,
    build_number: index.build_number,
    channel: `${channel}/${subdir}`,
    subdir,
    fn,
    url: `${channel}/${subdir}/${fn}`,
    md5: digest.md5,
    sha256: digest.sha256,
    size: digest.size,
    depends: index.depends,
    constrains: index.constrains,
  };
  if (index.noarch !== undefined) record.noarch = index.noarch;
  if (index.timestamp !== undefined) record.timestamp = index.timestamp;
  return { record, extractedDir: dir, archivePath: archive };
}
