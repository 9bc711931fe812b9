import { redactUrl } from "../conda/index.js";
import { EnvFileError, ENV_ERROR_CODES, _quote, _wherePrefix } from "./errors.js";

/** Where a channel reference was written, for error messages. */
export interface ChannelOrigin {
  file?: string;
  line?: number;
  column?: number;
}

export type ChannelReferenceKind = "url" | "path" | "name";

const URL_SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//;
const PATH_START = /^(?:\/|\.{1,2}(?:[\\/]|$)|~(?:[\\/]|$)|[A-Za-z]:[\\/]|\\\\)/;
/** anaconda.org-style names, possibly with labels: `conda-forge`, `pkgs/main`, `conda-forge/label/dev`. */
const CHANNEL_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.+-]*(?:\/[A-Za-z0-9_][A-Za-z0-9_.+-]*)*$/;

/** URL schemes conda can fetch repodata from. */
const FETCHABLE = new Set(["http:", "https:", "file:", "s3:", "ftp:", "ftps:", "gs:"]);

/** Is this a URL, a local path or a channel name? Assumes `_checkChannelReference` passed. */
export function _channelReferenceKind(text: string): ChannelReferenceKind {
  if (URL_SCHEME.test(text)) return "url";
  if (PATH_START.test(text)) return "path";
  return "name";
}

function _why(text: string): { reason: string; hint: string } | undefined {
  if (text.trim() === "") return { reason: "it is empty", hint: "Remove the empty entry or write a channel name such as `conda-forge`." };
  if (text.includes("::")) {
    return { reason: "`::` belongs in a package spec (`channel::package`)", hint: "List the channel alone here (e.g. `conda-forge`) and write `conda-forge::numpy` under `dependencies`." };
  }
  if (URL_SCHEME.test(text)) {
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      return { reason: "it is not a valid URL", hint: "Write the URL in full, e.g. `https://conda.example.org/my-channel`." };
    }
    if (!FETCHABLE.has(url.protocol)) {
      return { reason: `conda cannot fetch from \`${url.protocol}\` URLs`, hint: "Use an `https://`, `http://`, `file://` or `s3://` URL." };
    }
    if (url.protocol !== "file:" && url.hostname === "") {
      return { reason: "the URL has no host", hint: "Write the URL in full, e.g. `https://conda.example.org/my-channel`." };
    }
    return undefined;
  }
  if (PATH_START.test(text)) return undefined;
  if (/^[A-Za-z][A-Za-z0-9+.-]*:\/?[^/]/.test(text) || /^https?\/\//i.test(text)) {
    const fixed = text.replace(/^([A-Za-z][A-Za-z0-9+.-]*):?\/*/, "$1://");
    return { reason: "it looks like a URL with a malformed `://`", hint: `Did you mean \`${redactUrl(fixed)}\`?` };
  }
  if (!CHANNEL_NAME.test(text)) {
    return {
      reason: "a channel name may hold only letters, digits, `-`, `_`, `.` and `/` between non-empty parts",
      hint: "Use a channel name such as `conda-forge`, a URL such as `https://conda.example.org/channel`, or a folder path starting with `/`, `./` or `~/`.",
    };
  }
  return undefined;
}

/**
 * Rejects what cannot name a channel: empty text, `::`, URLs that do not
 * parse or have no host, names with characters anaconda.org and conda's own
 * name rules do not allow. conda itself would accept some of these and fail
 * later with a 404 from `${channel_alias}/<garbage>`; failing here names the
 * file and line instead.
 */
export function _checkChannelReference(text: string, origin: ChannelOrigin = {}): void {
  const problem = _why(text);
  if (problem === undefined) return;
  throw new EnvFileError(
    ENV_ERROR_CODES.channelUnknown,
    `${_wherePrefix(origin.file, origin.line, origin.column)}Channel ${_quote(redactUrl(text))} is not a channel name, URL or path: ${problem.reason}.`,
    { ...origin, input: redactUrl(text), hint: problem.hint },
  );
}
