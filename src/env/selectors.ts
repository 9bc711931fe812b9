/**
 * Platform selectors on dependencies. Two spellings exist in files people
 * use: conda-lock's trailing comment (`- gcc_linux-64  # [linux64]`) and
 * mamba's mapping (`- sel(linux): gcc_linux-64`). Both name one word that a
 * target platform either has or not; conda itself ignores the comment and
 * rejects the mapping.
 */

/** The words each platform answers to, following conda-build's selector names. */
function _selectorWords(platform: string): Set<string> {
  const words = new Set<string>([platform]);
  const dash = platform.indexOf("-");
  const os = dash < 0 ? platform : platform.slice(0, dash);
  const arch = dash < 0 ? "" : platform.slice(dash + 1);
  if (os === "linux" || os === "osx" || os === "freebsd") words.add("unix");
  if (os === "linux" || os === "osx" || os === "win") words.add(os);
  if (arch === "64" && os !== "noarch") words.add(`${os}64`);
  if (arch === "32") words.add(`${os}32`);
  if (arch === "aarch64" || arch === "ppc64le" || arch === "s390x" || arch === "armv7l" || arch === "armv6l") words.add(arch);
  if (arch === "arm64") words.add("arm64");
  return words;
}

/** A trailing `# [selector]` comment, as conda-lock reads it; undefined when there is none. */
export function _commentSelector(restOfLine: string): string | undefined {
  const match = /#.*\[([^[\]]+)\]\s*$/.exec(restOfLine);
  return match?.[1]?.trim();
}

/** `sel(linux)` -> `linux`; undefined when the key is not a mamba selector. */
export function _mambaSelector(key: string): string | undefined {
  return /^sel\(\s*([^()]+?)\s*\)$/.exec(key)?.[1];
}

/**
 * Whether a dependency with this selector applies to `platform` (a subdir
 * such as `linux-64`). No selector means every platform. `not x` negates,
 * since people write it by analogy with conda-build.
 */
export function selectorMatches(selector: string | undefined, platform: string): boolean {
  if (selector === undefined) return true;
  const text = selector.trim();
  const negated = /^not\s+(.+)$/.exec(text);
  if (negated?.[1] !== undefined) return !selectorMatches(negated[1], platform);
  return _selectorWords(platform).has(text);
}
