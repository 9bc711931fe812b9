import type { LockChannel } from "./model.js";

/**
 * The form a channel URL is stored in a lock: credentials never in clear.
 * A `user:password@` part or an anaconda.org `/t/<token>` whose value one
 * of `env`'s variables holds becomes `${VAR}` (recorded in
 * `used_env_vars`, as conda-lock does, so installers expand it again);
 * credentials no variable holds are dropped and reported.
 */
export function lockChannel(url: string, env: NodeJS.ProcessEnv): { channel: LockChannel; dropped: boolean } {
  const used = new Set<string>();
  let dropped = false;
  // Longest values first, so that a variable holding "secret" does not match inside "secret2".
  const candidates = Object.entries(env)
    .filter((e): e is [string, string] => typeof e[1] === "string" && e[1].length >= 3)
    .sort((a, b) => b[1].length - a[1].length);
  const asVariable = (value: string): string | undefined => {
    const hit = candidates.find(([, v]) => v === value || v === decodeURIComponent(value));
    if (hit === undefined) return undefined;
    used.add(hit[0]);
    return `\${${hit[0]}}`;
  };
  let out = url.replace(/^([a-z][a-z0-9+.-]*:\/\/)([^/@\s]*)@/i, (_all, scheme: string, userinfo: string) => {
    const [user = "", password] = userinfo.split(":");
    const u = user.startsWith("$") ? user : asVariable(user);
    const p = password === undefined ? undefined : password.startsWith("$") ? password : asVariable(password);
    if (u === undefined || (password !== undefined && p === undefined)) {
      dropped = true;
      return scheme;
    }
    return `${scheme}${u}${p === undefined ? "" : `:${p}`}@`;
  });
  out = out.replace(/\/t\/([^/]+)(?=\/|$)/g, (all, token: string) => {
    if (token.startsWith("$")) return all;
    const v = asVariable(token);
    if (v === undefined) {
      dropped = true;
      return "";
    }
    return `/t/${v}`;
  });
  return { channel: { url: out, used_env_vars: [...used].sort() }, dropped };
}
