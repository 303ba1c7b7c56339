/**
 * dynalite in a worker thread of this process: the same in-process, loopback-only database as
 * `startLocalDynamo` (local-tables.ts), but on its own event loop, so the handlers' AWS SDK work and
 * the database do not take turns on one thread. Same contract: `{ endpoint, stop() }`.
 */
import { Worker } from "node:worker_threads";
import { createRequire } from "node:module";
import type { LocalDynamo } from "./tables.ts";

const WORKER = `
const { parentPort, workerData } = require("node:worker_threads");
const dynalite = require(workerData.dynalite);
const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0, ...(workerData.dataDir ? { path: workerData.dataDir } : {}) });
server.on("error", (e) => parentPort.postMessage({ error: e.message }));
server.listen(0, "127.0.0.1", () => parentPort.postMessage({ port: server.address().port }));
parentPort.on("message", (m) => {
  if (m !== "stop") return;
  server.closeAllConnections && server.closeAllConnections();
  server.close(() => parentPort.postMessage({ stopped: true }));
});
`;

export async function startDynamoThread(opts: { dataDir?: string } = {}): Promise<LocalDynamo> {
  const dynalitePath = createRequire(import.meta.url).resolve("dynalite");
  const worker = new Worker(WORKER, { eval: true, workerData: { dynalite: dynalitePath, dataDir: opts.dataDir } });
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
    stop: () =>
      (stopped ??= new Promise<void>((resolve) => {
        const done = () => void worker.terminate().then(() => resolve());
        worker.on("message", (m: { stopped?: boolean }) => m.stopped && done());
        worker.once("exit", () => resolve());
        worker.postMessage("stop");
      })),
  };
}
