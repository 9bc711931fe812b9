import { normaliseTimestamp, parseFeatureList } from "../conda/index.js";
import type { RepodataScan } from "./scan.js";
import { decodeJsonString } from "./scan.js";
import type { ByteSource } from "./scanned_store.js";

/**
 * What a solver reads of every candidate, per record of a scanned document,
 * kept beside the byte offsets in the cache so that a warm solve builds its
 * candidates (version, build, dependencies...) without reading or parsing
 * the JSON; the rest of a record (checksums, size, license) is read only
 * for the records a solve returns.
 *
 * Arrays are indexed by slot: the record's position in the scan's name
 * groups (`order`). Strings are ids into one table of distinct strings;
 * id 0 is "" (for `subdir`: the record names none, the file's applies).
 */
export interface RecordKeys {
  readonly strings: readonly string[];
  readonly version: Uint32Array;
  readonly build: Uint32Array;
  readonly subdir: Uint32Array;
  readonly buildNumber: Int32Array;
  /** Milliseconds (normalised as `recordFromRepodata` does); NaN when absent. */
  readonly timestamp: Float64Array;
  /** KEY_* bits. */
  readonly flags: Uint8Array;
  /** Per slot, its dependency list: records with equal `depends` and `constrains` share one. */
  readonly depList: Uint32Array;
  /** Per list, where its ids start in `deps` (length lists + 1): `depends`, then `constrains`. */
  readonly listStart: Uint32Array;
  /** Per list, how many of its ids are `depends` (the rest are `constrains`). */
  readonly listDependsCount: Uint32Array;
  readonly deps: Uint32Array;
}

/**
 * The record must be built from its JSON: its file name is not
 * `name-version-build.ext`, it has track_features or legacy features, a
 * build number out of range, a non-string version or build, an empty
 * subdir (id 0 means "none"), or did not parse (then reading it reports
 * the error).
 */
export const KEY_FULL = 1;
export const KEY_NOARCH_PYTHON = 2;
export const KEY_NOARCH_GENERIC = 4;
/** Bit 3: `packages.conda` (else `packages`), so that the file name can be derived. */
export const KEY_CONDA = 8;
/**
 * Its file name was listed before in the same section: JSON.parse keeps
 * the last value at the first one's place, and so must whoever reads the keys.
 */
export const KEY_REPEATED = 16;

const INT32_MAX = 2 ** 31 - 1;

class StringTable {
  readonly strings: string[] = [""];
  private readonly ids = new Map<string, number>([["", 0]]);

  id(text: string): number {
    let id = this.ids.get(text);
    if (id === undefined) {
      id = this.strings.length;
      this.strings.push(text);
      this.ids.set(text, id);
    }
    return id;
  }
}

/** The archive name a record without surprises has. */
export function derivedFileName(name: string, version: string, build: string, conda: boolean): string {
  return `${name}-${version}-${build}${conda ? ".conda" : ".tar.bz2"}`;
}

/** Parses every record once and keeps its solver keys (see RecordKeys). */
export function extractRecordKeys(scan: RepodataScan, bytes: ByteSource): RecordKeys {
  const count = scan.recordCount;
  const table = new StringTable();
  const version = new Uint32Array(count);
  const build = new Uint32Array(count);
  const subdir = new Uint32Array(count);
  const buildNumber = new Int32Array(count);
  const timestamp = new Float64Array(count).fill(NaN);
  const flags = new Uint8Array(count);
  const depList = new Uint32Array(count);
  const lists = new Map<string, number>([["|", 0]]);
  const listStart: number[] = [0, 0];
  const listDependsCount: number[] = [0];
  const deps: number[] = [];
  const ids: number[] = [];
  const whole = bytes.read(0, scan.byteLength);
  const { order, groupStart, names } = scan;
  // Strings go into a table joined by "\n": one containing it cannot be kept there.
  const plain = (text: string): boolean => !text.includes("\n");
  for (let g = 0; g < names.length; g++) {
    const name = names[g];
    const seen = [new Set<string>(), new Set<string>()];
    for (let k = groupStart[g]; k < groupStart[g + 1]; k++) {
      const r = order[k];
      const conda = (scan.section[r] & 1) === 1 ? KEY_CONDA : 0;
      let raw: Record<string, unknown>;
      let fn: string;
      try {
        raw = JSON.parse(whole.toString("utf8", scan.valStart[r], scan.valEnd[r])) as Record<string, unknown>;
        fn = decodeJsonString(whole, scan.keyStart[r], scan.keyEnd[r]);
      } catch {
        flags[k] = KEY_FULL | conda;
        continue;
      }
      const repeated = seen[conda === 0 ? 0 : 1].has(fn) ? KEY_REPEATED : 0;
      seen[conda === 0 ? 0 : 1].add(fn);
      const v = raw.version;
      const b = raw.build;
      const bn = raw.build_number;
      const sd = raw.subdir;
      if (
        typeof raw !== "object" ||
        raw === null ||
        raw.name !== name ||
        typeof v !== "string" ||
        typeof b !== "string" ||
        !plain(v) ||
        !plain(b) ||
        (typeof sd === "string" && (sd === "" || !plain(sd))) ||
        (typeof bn === "number" && !(Number.isInteger(bn) && bn >= 0 && bn <= INT32_MAX)) ||
        parseFeatureList(raw.track_features).length > 0 ||
        (typeof raw.features === "string" && raw.features !== "") ||
        fn !== derivedFileName(name, v, b, conda !== 0)
      ) {
        flags[k] = KEY_FULL | conda | repeated;
        continue;
      }
      version[k] = table.id(v);
      build[k] = table.id(b);
      subdir[k] = typeof sd === "string" ? table.id(sd) : 0;
      buildNumber[k] = typeof bn === "number" ? bn : 0;
      timestamp[k] = normaliseTimestamp(raw.timestamp) ?? NaN;
      flags[k] = (raw.noarch === "python" ? KEY_NOARCH_PYTHON : raw.noarch === "generic" || raw.noarch === true ? KEY_NOARCH_GENERIC : 0) | conda | repeated;
      ids.length = 0;
      let dependsCount = 0;
      let ok = true;
      for (const [list, isDepends] of [
        [raw.depends, true],
        [raw.constrains, false],
      ] as const) {
        if (Array.isArray(list)) {
          for (const spec of list) {
            if (typeof spec !== "string") continue;
            if (!plain(spec)) ok = false;
            ids.push(table.id(spec));
          }
        }
        if (isDepends) dependsCount = ids.length;
      }
      if (!ok) {
        flags[k] = KEY_FULL | conda | repeated;
        continue;
      }
      const listKey = `${ids.slice(0, dependsCount).join(",")}|${ids.slice(dependsCount).join(",")}`;
      let list = lists.get(listKey);
      if (list === undefined) {
        list = listDependsCount.length;
        lists.set(listKey, list);
        for (const id of ids) deps.push(id);
        listStart.push(deps.length);
        listDependsCount.push(dependsCount);
      }
      depList[k] = list;
    }
  }
  return {
    strings: table.strings,
    version,
    build,
    subdir,
    buildNumber,
    timestamp,
    flags,
    depList,
    listStart: Uint32Array.from(listStart),
    listDependsCount: Uint32Array.from(listDependsCount),
    deps: Uint32Array.from(deps),
  };
}
