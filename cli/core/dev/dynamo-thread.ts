/**
 * dynalite in a worker thread of this process: the same in-process, loopback-only database as
 * `startLocalDynamo` (tables.ts), but on its own event loop, so the handlers' AWS SDK work and the
 * database do not take turns on one thread. Same contract: `{ endpoint, stop() }`.
 *
 * With `onChange`, the thread also reports every item dynalite stores or deletes, with the item
 * before (see dynamo-worker.ts), in the order the writes were made; `sync()` resolves once every
 * change stored before the call has been handed to `onChange`.
 */
import { Worker } from "node:worker_threads";
import { createRequire } from "node:module";
import type { LocalDynamo } from "./tables.ts";
import type { DynamoWorkerData, FromDynamoWorker } from "./dynamo-worker.ts";
import type { ItemChange } from "./stream.ts";

export interface DynamoThread extends LocalDynamo {
  sync(): Promise<void>;
}
import { workerScript } from "./worker-script.ts";

export async function startDynamoThread(opts: { dataDir?: string; onChange?: (changes: ItemChange[]) => void } = {}): Promise<DynamoThread> {
  const workerData: DynamoWorkerData = { dynalite: createRequire(import.meta.url).resolve("dynalite"), dataDir: opts.dataDir, watch: opts.onChange !== undefined };
  const worker = new Worker(await workerScript("dynamo-worker"), { workerData });
  const syncs = new Map<number, () => void>();
  let nextSync = 0;
  worker.on("message", (m: FromDynamoWorker) => {
    if ("changes" in m) opts.onChange?.(m.changes);
    if ("synced" in m) {
      syncs.get(m.synced)?.();
      syncs.delete(m.synced);
    }
  });
  const port = await new Promise<number>((resolve, reject) => {
    worker.once("error", reject);
    worker.on("message", (m: FromDynamoWorker) => {
      if ("port" in m) resolve(m.port);
      if ("error" in m) reject(new Error(`the embedded DynamoDB failed: ${m.error}`));
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
        worker.on("message", (m: FromDynamoWorker) => "stopped" in m && done());
        worker.once("exit", () => {
          for (const r of syncs.values()) r();
          resolve();
        });
        worker.postMessage("stop");
      })),
  };
}
