/**
 * dynalite in a worker thread of this process: the same in-process, loopback-only database as
 * `startLocalDynamo` (tables.ts), but on its own event loop, so the handlers' AWS SDK work and the
 * database do not take turns on one thread. Same contract: `{ endpoint, stop() }`.
 */
import { Worker } from "node:worker_threads";
import { createRequire } from "node:module";
import type { LocalDynamo } from "./tables.ts";
import type { DynamoWorkerData, FromDynamoWorker } from "./dynamo-worker.ts";
import { workerScript } from "./worker-script.ts";

export async function startDynamoThread(opts: { dataDir?: string } = {}): Promise<LocalDynamo> {
  const workerData: DynamoWorkerData = { dynalite: createRequire(import.meta.url).resolve("dynalite"), dataDir: opts.dataDir };
  const worker = new Worker(await workerScript("dynamo-worker"), { workerData });
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
    stop: () =>
      (stopped ??= new Promise<void>((resolve) => {
        const done = () => void worker.terminate().then(() => resolve());
        worker.on("message", (m: FromDynamoWorker) => "stopped" in m && done());
        worker.once("exit", () => resolve());
        worker.postMessage("stop");
      })),
  };
}
