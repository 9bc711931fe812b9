// Child process of the cache concurrency test: ensures one package and reports what it saw.
import { lstat } from "node:fs/promises";
import { join } from "node:path";
import { PackageCache, readPackagePaths } from "../../src/package/index.js";

const [dir, url, sha256] = process.argv.slice(2);
const cache = new PackageCache({ dirs: [dir], retries: 0 });
const events: string[] = [];
const got = await cache.ensure({ url, sha256 }, { onProgress: (e) => events.push(e.type) });
// Everything the package lists must be there the moment ensure returns.
let present = 0;
for (const p of await readPackagePaths(got.extractedDir)) {
  await lstat(join(got.extractedDir, p.path));
  present += 1;
}
process.stdout.write(JSON.stringify({ fromCache: got.fromCache, present, events, sha256: got.sha256 }) + "\n");
