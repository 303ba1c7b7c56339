/**
 * The worker side of dynamo-thread.ts: dynalite listening on a free loopback port until told to stop.
 * dynalite is loaded from the absolute path the main thread resolved (this script may run from a
 * data: URL, where no package can be resolved).
 */
import { parentPort, workerData } from "node:worker_threads";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import type { Server } from "node:http";

export interface DynamoWorkerData {
  /** Absolute path of dynalite's main file. */
  dynalite: string;
  dataDir?: string;
}
export type FromDynamoWorker = { port: number } | { error: string } | { stopped: true };

type Dynalite = (o: Record<string, unknown>) => Server;
const port = parentPort!;
const data = workerData as DynamoWorkerData;
const dynalite = createRequire(data.dynalite)(data.dynalite) as Dynalite;
const post = (m: FromDynamoWorker) => port.postMessage(m);

const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0, ...(data.dataDir ? { path: data.dataDir } : {}) });
server.on("error", (e: Error) => post({ error: e.message }));
server.listen(0, "127.0.0.1", () => post({ port: (server.address() as AddressInfo).port }));
port.on("message", (m: unknown) => {
  if (m !== "stop") return;
  server.closeAllConnections();
  server.close(() => post({ stopped: true }));
});
