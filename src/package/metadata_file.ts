import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { PackageError } from "./errors.js";

/** Reads `info/<name>` of an extracted package; undefined when the file does not exist. */
export async function readInfoText(extractedDir: string, name: string): Promise<string | undefined> {
  const file = join(extractedDir, "info", name);
  try {
    return await readFile(file, "utf8");
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === "ENOENT" || code === "ENOTDIR") return undefined;
    throw new PackageError("CG_PACKAGE_METADATA", `Cannot read ${file}: ${(err as Error).message}.`, { file, cause: err });
  }
}

/** Parses `info/<name>` as a JSON object; undefined when absent, CG_PACKAGE_METADATA when not an object. */
export async function readInfoJson(extractedDir: string, name: string): Promise<Record<string, unknown> | undefined> {
  const text = await readInfoText(extractedDir, name);
  if (text === undefined) return undefined;
  const file = join(extractedDir, "info", name);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw metadataError(file, `is not valid JSON (${(err as Error).message})`, err);
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw metadataError(file, "must hold a JSON object");
  }
  return value as Record<string, unknown>;
}

/** A CG_PACKAGE_METADATA error whose message starts with the file. */
export function metadataError(file: string, what: string, cause?: unknown): PackageError {
  return new PackageError("CG_PACKAGE_METADATA", `${file} ${what}.`, { file, cause });
}
