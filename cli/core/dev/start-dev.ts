/**
 * The entry of `hdoc dev`: the database thread is started first, and only then is the rest of the
 * server's code loaded (server.ts and what it imports): loading it takes about as long as the
 * thread needs to come up, so the two overlap instead of adding up.
 */
import type { DevOptions, DevServer } from "./server.ts";
import { startDatabase } from "./dynamo-thread.ts";

export async function startDev(o: DevOptions): Promise<DevServer> {
  const database = startDatabase(o.dataDir);
  let server: typeof import("./server.ts");
  try {
    server = await import("./server.ts");
  } catch (e) {
    await database.starting.then((d) => d.stop(), () => undefined);
    throw e;
  }
  return server.startDev(o, database);
}
