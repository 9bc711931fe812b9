// Builds a channel folder from the real Miniconda package cache in
// ../shared/data (its archives, and repodata made from the conda-meta records
// conda wrote when it installed them), so tests and benches can serve real
// defaults packages on 127.0.0.1. Archives are linked, never copied.
import { existsSync } from "node:fs";
import { mkdir, readdir, readFile, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { sharedPath } from "./shared_data.js";

export const MINICONDA_CACHE = "pkgs-cache/qgb-miniconda3-py39-linux-64";

/** The fields of a conda-meta record that belong to repodata (the rest is install state). */
const INSTALL_ONLY = new Set([
  "files",
  "paths_data",
  "link",
  "extracted_package_dir",
  "package_tarball_full_path",
  "requested_spec",
  "channel",
  "url",
  "fn",
  "auth",
  "legacy_bz2_md5",
  "legacy_bz2_size",
]);

export interface MinicondaRecord {
  fn: string;
  name: string;
  version: string;
  build: string;
  subdir: string;
  sha256: string;
  md5: string;
  /** The record as repodata carries it. */
  repodata: Record<string, unknown>;
  /** The whole conda-meta record conda wrote. */
  condaMeta: Record<string, unknown>;
}

/** Every conda-meta record of the cache, with `archive` set when the archive is in the snapshot. */
export async function minicondaRecords(): Promise<Array<MinicondaRecord & { archive?: string }>> {
  const metaDir = sharedPath(MINICONDA_CACHE, "conda-meta");
  const out: Array<MinicondaRecord & { archive?: string }> = [];
  for (const file of (await readdir(metaDir)).filter((f) => f.endsWith(".json")).sort()) {
    const meta = JSON.parse(await readFile(join(metaDir, file), "utf8")) as Record<string, unknown>;
    const repodata: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(meta)) if (!INSTALL_ONLY.has(k)) repodata[k] = v;
    const fn = String(meta.fn);
    const archive = sharedPath(MINICONDA_CACHE, "pkgs", fn);
    const record: MinicondaRecord & { archive?: string } = {
      fn,
      name: String(meta.name),
      version: String(meta.version),
      build: String(meta.build),
      subdir: String(meta.subdir),
      sha256: String(meta.sha256),
      md5: String(meta.md5),
      repodata,
      condaMeta: meta,
    };
    if (existsSync(archive)) record.archive = archive;
    out.push(record);
  }
  return out;
}

/**
 * Writes `<root>/{linux-64,noarch}/repodata.json` listing the records whose
 * archive exists, with the archives linked beside them. Returns those records.
 */
export async function writeMinicondaChannel(root: string): Promise<MinicondaRecord[]> {
  const records = (await minicondaRecords()).filter((r) => r.archive !== undefined);
  const subdirs = new Map<string, Record<string, unknown>>([
    ["linux-64", {}],
    ["noarch", {}],
  ]);
  for (const r of records) {
    let packages = subdirs.get(r.subdir);
    if (packages === undefined) subdirs.set(r.subdir, (packages = {}));
    packages[r.fn] = r.repodata;
  }
  for (const [subdir, packages] of subdirs) {
    const dir = join(root, subdir);
    await mkdir(dir, { recursive: true });
    const body = { info: { subdir }, packages: {}, "packages.conda": packages, repodata_version: 1 };
    await writeFile(join(dir, "repodata.json"), JSON.stringify(body, null, 1));
  }
  for (const r of records) await symlink(r.archive as string, join(root, r.subdir, r.fn));
  return records;
}
