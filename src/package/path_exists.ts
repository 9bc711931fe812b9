import { access } from "node:fs/promises";

/** Whether `path` exists (follows symlinks); never throws. */
export async function pathExists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}
