// condaguard as a library: the same functions the CLI calls, one namespace per concern.
export * as conda from "./conda/index.js";
export * as env from "./env/index.js";
export * as repodata from "./repodata/index.js";
export * as solver from "./solver/index.js";
export * as lock from "./lock/index.js";
export * as pkg from "./package/index.js";
export * as install from "./install/index.js";
export * as channel from "./channel/index.js";
export { runCli } from "./cli/index.js";
