/**
 * The records and plans this folder passes around. Field names of the
 * conda-meta shapes follow conda's own files so that they round-trip.
 */

/** A package record as repodata / repodata_record.json describe it; extra fields are kept verbatim. */
export interface InstallRecord {
  name: string;
  version: string;
  build: string;
  build_number?: number;
  channel?: string;
  subdir?: string;
  url?: string;
  fn?: string;
  md5?: string;
  sha256?: string;
  size?: number;
  depends?: string[];
  constrains?: string[];
  timestamp?: number;
  license?: string;
  license_family?: string;
  noarch?: string;
  track_features?: string | string[];
  features?: string | string[];
}

/** What to link: the record, its extracted folder in the package cache, and the spec the user asked for. */
export interface LinkRequest {
  record: InstallRecord;
  extractedDir: string;
  /** Archive path in the package cache, written as `package_tarball_full_path`. */
  archivePath?: string;
  /** Written as `requested_spec`; defaults to `name==version=build`. */
  requestedSpec?: string;
}

/** conda's path types as they appear in conda-meta `paths_data`. */
export type PrefixPathType =
  | "hardlink"
  | "softlink"
  | "directory"
  | "pyc_file"
  | "unix_python_entry_point"
  | "windows_python_entry_point_script"
  | "windows_python_entry_point_exe"
  | "linked_package_record";

/** One entry of conda-meta `paths_data.paths`. */
export interface PathsDataEntry {
  _path: string;
  path_type: PrefixPathType;
  sha256?: string;
  /** Only when the file differs from the package's (a prefix placeholder was replaced). */
  sha256_in_prefix?: string;
  size_in_bytes?: number;
  file_mode?: "text" | "binary";
  prefix_placeholder?: string;
  no_link?: boolean;
}

/** A conda-meta/<name>-<version>-<build>.json record as conda writes it. */
export interface PrefixRecord extends InstallRecord {
  files: string[];
  paths_data: { paths: PathsDataEntry[]; paths_version: number };
  link?: { source: string; type: number };
  extracted_package_dir?: string;
  package_tarball_full_path?: string;
  requested_spec?: string;
}

/** Which installed records go, which requests are linked, which records stay. */
export interface TransactionPlan {
  unlink: PrefixRecord[];
  link: LinkRequest[];
  unchanged: PrefixRecord[];
}

/** Progress of a transaction, for a progress bar. */
export interface InstallProgress {
  phase: "unlink" | "link" | "compile" | "commit" | "scripts";
  /** name-version-build of the package being handled, when there is one. */
  package?: string;
  done: number;
  total: number;
}

export interface InstallOptions {
  /** The prefix path written into files (placeholders, shebangs); defaults to the prefix itself. */
  targetPrefix?: string;
  /** Run pre-link, post-link and pre-unlink scripts (off by default: they are arbitrary code). */
  allowLinkScripts?: boolean;
  /** The environment's Python when no python package is part of it, or the interpreter to compile with. */
  python?: { version?: string; executable?: string };
  onProgress?: (progress: InstallProgress) => void;
  /** The command line recorded in conda-meta/history (`# cmd:`). */
  command?: string;
  /** Specs the user asked for, recorded as `# update specs:` in the history. */
  updateSpecs?: string[];
  /** Specs the user removed, recorded as `# remove specs:` so later solves stop asking for them. */
  removeSpecs?: string[];
  /** Hard link unchanged files from the package cache (default true); false copies everything. */
  hardlinks?: boolean;
}

/** Two packages wrote the same path; the last one linked won. */
export interface ClobberReport {
  path: string;
  /** name-version-build of the package whose file is at `path`. */
  winner: string;
  /** Packages whose copy was kept aside as `<path>__clobber-from-<name>`. */
  losers: string[];
}

export interface TransactionResult {
  prefix: string;
  /** True when the prefix did not exist and was created by one rename. */
  created: boolean;
  linked: string[];
  unlinked: string[];
  unchanged: string[];
  clobbered: ClobberReport[];
  /** Human-readable notes: skipped link scripts, clobbered paths, skipped pyc compilation. */
  warnings: string[];
}

/** What `recoverPrefix` found and did. */
export interface RecoveryResult {
  action: "rolled-back" | "cleaned";
  /** Transaction id from the journal, when there was one. */
  transactionId?: string;
  details: string[];
}
