import { readInfoJson } from "./metadata_file.js";

/** Reads `info/repodata_record.json` (written by the package cache); undefined when absent. */
export async function readRepodataRecord(extractedDir: string): Promise<Record<string, unknown> | undefined> {
  return readInfoJson(extractedDir, "repodata_record.json");
}
