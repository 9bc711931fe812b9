import type { PackageRecord } from "../conda/index.js";
import type { RecordSource } from "./task.js";

/**
 * The records of a name one at a time: from a keyed source, each record is
 * made only when the loop reaches it, so a loop that stops early (the
 * first match) does not make the objects of a hundred thousand records.
 */
export function* eachRecord(source: RecordSource, name: string): Generator<PackageRecord> {
  if (source.keyed === undefined) {
    yield* source(name);
    return;
  }
  for (const segment of source.keyed(name)) for (let i = 0; i < segment.length; i++) yield segment.recordAt(i);
}
