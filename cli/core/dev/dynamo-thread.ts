/**
 * dynalite in a worker thread of this process: the same in-process, loopback-only database as
 * `startLocalDynamo` (tables.ts), but on its own event loop, so the handlers' AWS SDK work and
 * the database do not take turns on one thread. Same contract: `{ endpoint, stop() }`.
 *
 * With `streamTables`, the thread also reports every write to those tables as it is stored: dynalite
 * writes items only through its item store's put and del, each under the item's lock, so the store is
 * wrapped there to read the item before it changes. The changes of one tick are posted as one message,
 * in the order they were stored (per item, the order of the writes); nothing is posted while nothing is
 * written. A write that changes nothing is reported too (old equals new): the stream decides.
 */
import { Worker } from "node:worker_threads";
import { createRequire } from "node:module";
import type { LocalDynamo } from "./tables.ts";
import type { ItemChange } from "./stream.ts";

const WORKER = `
const path = require("node:path");
const { parentPort, workerData } = require("node:worker_threads");
const watched = new Set(workerData.streamTables || []);
let pending = [], scheduled = false;
const flush = () => { scheduled = false; if (pending.length) { parentPort.postMessage({ changes: pending }); pending = []; } };
const report = (change) => { pending.push(change); if (!scheduled) { scheduled = true; setImmediate(flush); } };
if (watched.size) {
  const store = require(path.join(path.dirname(workerData.dynalite), "db"));
  const create = store.create;
  store.create = function (options) {
    const s = create(options);
    const getItemDb = s.getItemDb;
    s.getItemDb = function (table) {
      const items = getItemDb(table);
      if (!watched.has(table) || items.hdocWatched) return items;
      items.hdocWatched = true;
      const { get, put, del } = items;
      const before = (key, then) => get(key, (err, old) => (err && err.name !== "NotFoundError" ? then(err) : then(null, err ? undefined : old)));
      items.put = (key, item, cb) => before(key, (err, old) => err ? cb(err) : put(key, item, (e) => { if (!e) report({ table, old, new: item }); cb(e); }));
      items.del = (key, cb) => before(key, (err, old) => err ? cb(err) : del(key, (e) => { if (!e && old) report({ table, old }); cb(e); }));
      return items;
    };
    return s;
  };
}
const dynalite = require(workerData.dynalite);
const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0, ...(workerData.dataDir ? { path: workerData.dataDir } : {}) });
server.on("error", (e) => parentPort.postMessage({ error: e.message }));
server.listen(0, "127.0.0.1", () => parentPort.postMessage({ port: server.address().port }));
parentPort.on("message", (m) => {
  if (m && m.sync !== undefined) { flush(); parentPort.postMessage({ synced: m.sync }); return; }
  if (m !== "stop") return;
  server.closeAllConnections && server.closeAllConnections();
  server.close(() => parentPort.postMessage({ stopped: true }));
});
`;

export interface DynamoThread extends LocalDynamo {
  /** Resolves once every change stored before the call has been handed to `onChange`. */
  sync(): Promise<void>;
}

export async function startDynamoThread(opts: { dataDir?: string; streamTables?: string[]; onChange?: (changes: ItemChange[]) => void } = {}): Promise<DynamoThread> {
  const dynalitePath = createRequire(import.meta.url).resolve("dynalite");
  const worker = new Worker(WORKER, { eval: true, workerData: { dynalite: dynalitePath, dataDir: opts.dataDir, streamTables: opts.onChange ? opts.streamTables ?? [] : [] } });
  const syncs = new Map<number, () => void>();
  let nextSync = 0;
  worker.on("message", (m: { changes?: ItemChange[]; synced?: number }) => {
    if (m.changes) opts.onChange?.(m.changes);
    if (m.synced !== undefined) {
      syncs.get(m.synced)?.();
      syncs.delete(m.synced);
    }
  });
  const port = await new Promise<number>((resolve, reject) => {
    worker.once("error", reject);
    worker.on("message", (m: { port?: number; error?: string }) => {
      if (m.port) resolve(m.port);
      if (m.error) reject(new Error(`the embedded DynamoDB failed: ${m.error}`));
    });
  });
  let stopped: Promise<void> | undefined;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    sync: () =>
      new Promise<void>((resolve) => {
        const id = nextSync++;
        syncs.set(id, resolve);
        worker.postMessage({ sync: id });
      }),
    stop: () =>
      (stopped ??= new Promise<void>((resolve) => {
        const done = () => void worker.terminate().then(() => resolve());
        worker.on("message", (m: { stopped?: boolean }) => m.stopped && done());
        worker.once("exit", () => {
          for (const r of syncs.values()) r();
          resolve();
        });
        worker.postMessage("stop");
      })),
  };
}
