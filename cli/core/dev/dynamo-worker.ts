/**
 * The worker side of dynamo-thread.ts: dynalite listening on a free loopback port until told to stop.
 * With `watch`, every item write is reported: dynalite writes items only through its item store's
 * `put` and `del`, each under that item's lock, so the store is wrapped there and reads the item
 * before it changes. The changes of one tick go as one message, in the order they were stored;
 * nothing is posted while nothing is written. A write that changes nothing is reported too (old
 * equals new): the stream decides.
 * dynalite is loaded from the absolute path the main thread resolved (this script may run from a
 * data: URL, where no package can be resolved): the built CLI's one-file bundle of it
 * (scripts/build-cli.mjs), or, from the sources, the package itself.
 * A `setup` message (table-setup.ts) is carried out here, over loopback to dynalite on this same
 * thread, once it listens: the tables created, then the seed written (its writes reported like any).
 */
import { parentPort, workerData } from "node:worker_threads";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import path from "node:path";
import { dynamoJsonCall } from "./dynamo-json.ts";
import { createTables, writeSeed, type SetupPlan } from "./table-setup.ts";

export interface DynamoWorkerData {
  /** Absolute path of dynalite's main file, or of the bundle exporting `{ dynalite, db }` when `bundled`. */
  dynalite: string;
  bundled?: boolean;
  dataDir?: string;
  watch?: boolean;
}
type Item = Record<string, never>;
export type ToDynamoWorker = "stop" | { sync: number } | { setup: number; plan: SetupPlan; region: string; accessKeyId: string };
export type FromDynamoWorker =
  | { port: number }
  | { error: string }
  | { stopped: true }
  | { changes: Array<{ table: string; old?: Item; new?: Item }> }
  | { synced: number }
  | { setupDone: number; added: number[] }
  | { setupFailed: number; step: "tables" | "seed"; name: string; message: string };
type Callback = (err?: Error | null, value?: Item) => void;
interface ItemStore {
  get(key: string, cb: Callback): void;
  put(key: string, item: Item, cb: Callback): void;
  del(key: string, cb: Callback): void;
  hdocWatched?: boolean;
}

type Dynalite = (o: Record<string, unknown>) => Server;
const port = parentPort!;
const data = workerData as DynamoWorkerData;
const load = createRequire(data.dynalite);
const post = (m: FromDynamoWorker) => port.postMessage(m);

let pending: Array<{ table: string; old?: Item; new?: Item }> = [];
let scheduled = false;
const flush = () => {
  scheduled = false;
  if (pending.length) post({ changes: pending });
  pending = [];
};
const report = (change: { table: string; old?: Item; new?: Item }) => {
  pending.push(change);
  if (!scheduled) {
    scheduled = true;
    setImmediate(flush);
  }
};
interface StoreModule {
  create(o: unknown): { getItemDb(table: string): ItemStore };
}
// dynalite and its own store module (the same instance its actions use)
const lib = (data.bundled ? load(data.dynalite) : { dynalite: load(data.dynalite), db: load(path.join(path.dirname(data.dynalite), "db")) }) as { dynalite: Dynalite; db: StoreModule };
if (data.watch) {
  // the store wrapped before the server creates it
  const store = lib.db;
  const create = store.create;
  store.create = (options: unknown) => {
    const s = create(options);
    const getItemDb = s.getItemDb;
    s.getItemDb = (table: string) => {
      const items = getItemDb(table);
      if (items.hdocWatched) return items;
      items.hdocWatched = true;
      const { get, put, del } = items;
      const before = (key: string, then: (err: Error | null, old?: Item) => void) =>
        get(key, (err, old) => (err && err.name !== "NotFoundError" ? then(err) : then(null, err ? undefined : old)));
      items.put = (key, item, cb) => before(key, (err, old) => (err ? cb(err) : put(key, item, (e) => { if (!e) report({ table, old, new: item }); cb(e); })));
      items.del = (key, cb) => before(key, (err, old) => (err ? cb(err) : del(key, (e) => { if (!e && old) report({ table, old }); cb(e); })));
      return items;
    };
    return s;
  };
}
const server = lib.dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0, ...(data.dataDir ? { path: data.dataDir } : {}) });
server.on("error", (e: Error) => post({ error: e.message }));
const listening = new Promise<number>((resolve) => server.listen(0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port)));
void listening.then((p) => post({ port: p }));

/** Sets up the tables and the seed; the changes it makes are reported (flushed) before it is said to be done. */
async function setUp(m: Extract<ToDynamoWorker, { setup: number }>): Promise<void> {
  const call = dynamoJsonCall(`http://127.0.0.1:${await listening}`, { region: m.region, accessKeyId: m.accessKeyId });
  let step: "tables" | "seed" = "tables";
  try {
    await createTables(call, m.plan.tables);
    step = "seed";
    const added = await writeSeed(call, m.plan.seed);
    flush();
    post({ setupDone: m.setup, added });
  } catch (e) {
    flush();
    post({ setupFailed: m.setup, step, name: (e as Error)?.name ?? "Error", message: (e as Error)?.message ?? String(e) });
  } finally {
    call.close();
  }
}

port.on("message", (m: ToDynamoWorker) => {
  if (typeof m === "object" && m !== null && "sync" in m && typeof m.sync === "number") {
    flush();
    post({ synced: m.sync });
    return;
  }
  if (typeof m === "object" && m !== null && "setup" in m) {
    void setUp(m);
    return;
  }
  if (m !== "stop") return;
  server.closeAllConnections();
  server.close(() => post({ stopped: true }));
});
