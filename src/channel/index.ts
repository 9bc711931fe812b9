export { serveDirectory } from "./static_server.js";
export type { ServedRequest, StaticServer, StaticServerOptions } from "./static_server.js";
