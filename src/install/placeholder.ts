import { InstallError } from "./errors.js";

/** Longest shebang line the Linux kernel passes on in full (BINPRM_BUF_SIZE - 1). */
const MAX_SHEBANG = 127;

/** Text mode: every occurrence of the placeholder becomes the target prefix. */
export function replaceText(data: Buffer, placeholder: string, targetPrefix: string): Buffer {
  const search = Buffer.from(placeholder, "utf8");
  const replacement = Buffer.from(targetPrefix, "utf8");
  const parts: Buffer[] = [];
  let from = 0;
  for (let at = data.indexOf(search, from); at !== -1; at = data.indexOf(search, from)) {
    parts.push(data.subarray(from, at), replacement);
    from = at + search.length;
  }
  if (from === 0) return data;
  parts.push(data.subarray(from));
  return shortenShebang(Buffer.concat(parts));
}

/**
 * A shebang longer than the kernel reads is cut off and the script fails to
 * start; like conda, rewrite it to `#!/usr/bin/env <program> <args>`, which
 * finds the same interpreter on PATH when the environment is activated.
 */
export function shortenShebang(data: Buffer): Buffer {
  if (data.length < 2 || data[0] !== 0x23 || data[1] !== 0x21) return data;
  let end = data.indexOf(0x0a);
  if (end === -1) end = data.length;
  if (end <= MAX_SHEBANG) return data;
  const line = data.subarray(2, end).toString("utf8");
  const m = /^\s*(\S+)(.*)$/.exec(line);
  if (m === null) return data;
  const program = m[1].slice(m[1].lastIndexOf("/") + 1);
  return Buffer.concat([Buffer.from(`#!/usr/bin/env ${program}${m[2]}`, "utf8"), data.subarray(end)]);
}

/**
 * Binary mode: a compiled file keeps its layout, so each NUL-terminated
 * string that holds the placeholder is rewritten in place (all occurrences
 * in it replaced) and padded with NULs to its old length. A target prefix
 * longer than the placeholder cannot fit and is refused.
 */
export function replaceBinary(data: Buffer, placeholder: string, targetPrefix: string, where: { packageName?: string; path: string }): Buffer {
  const search = Buffer.from(placeholder, "utf8");
  const replacement = Buffer.from(targetPrefix, "utf8");
  if (replacement.length > search.length) {
    throw new InstallError(
      "CG_INSTALL_PLACEHOLDER_TOO_LONG",
      `The prefix ${targetPrefix} (${replacement.length} bytes) is longer than the ${search.length}-byte placeholder in binary file ${where.path}` +
        (where.packageName === undefined ? "" : ` of package ${where.packageName}`),
      { packageName: where.packageName, path: where.path },
    );
  }
  let out: Buffer | undefined;
  let from = 0;
  for (let at = data.indexOf(search, from); at !== -1; at = data.indexOf(search, from)) {
    const nul = data.indexOf(0, at);
    // Without a terminating NUL this is not a C string; conda leaves it alone too.
    if (nul === -1) break;
    out ??= Buffer.from(data);
    const original = data.subarray(at, nul);
    const rewritten = replaceText(original, placeholder, targetPrefix);
    out.fill(0, at, nul);
    rewritten.copy(out, at, 0, Math.min(rewritten.length, original.length));
    from = nul + 1;
  }
  return out ?? data;
}
