/**
 * dynalite in a worker thread of this process: the same in-process, loopback-only database as
 * `startLocalDynamo` (tables.ts), but on its own event loop, so the handlers' AWS SDK work and the
 * database do not take turns on one thread. Same contract: `{ endpoint, stop() }`.
 *
 * With `onChange`, the thread also reports every item dynalite stores or deletes, with the item
 * before (see dynamo-worker.ts), in the order the writes were made; `sync()` resolves once every
 * change stored before the call has been handed to `onChange`. `setUp()` creates the tables and
 * writes the seed on that thread (table-setup.ts), its changes handed over before it resolves.
 * Should the thread end other than by `stop()` (a crash, out of memory), whatever waits on it, and
 * any later call, rejects with why: nothing waits forever on a database that is gone.
 */
import { Worker } from "node:worker_threads";
import { createRequire } from "node:module";
import type { LocalDynamo } from "./tables.ts";
import type { DynamoWorkerData, FromDynamoWorker, ToDynamoWorker } from "./dynamo-worker.ts";
import type { ItemChange } from "./stream.ts";
import type { SetupPlan } from "./table-setup.ts";
import { LOCAL_CREDENTIALS, LOCAL_REGION } from "./local-aws.ts";
import { workerScript } from "./worker-script.ts";

export interface DynamoThread extends LocalDynamo {
  sync(): Promise<void>;
  /** Creates the tables, then writes the seed; resolves to how many items of each seed table were added. */
  setUp(plan: SetupPlan): Promise<number[]>;
}

export interface DynamoThreadOptions {
  dataDir?: string;
  onChange?: (changes: ItemChange[]) => void;
  /** The worker's script (default: dynamo-worker; tests give one that crashes). */
  script?: URL;
}

/** What the database refused while being set up: in which step, named as DynamoDB names it (ValidationException, ...). */
export class SetupError extends Error {
  constructor(readonly step: "tables" | "seed", name: string, message: string) {
    super(message);
    this.name = name;
  }
}

/** A database thread whose changes go to `relay.to` once it is set (before anything is written). */
export interface StartedDatabase {
  starting: Promise<DynamoThread>;
  relay: { to?: (changes: ItemChange[]) => void };
}

export function startDatabase(dataDir: string | undefined): StartedDatabase {
  const relay: StartedDatabase["relay"] = {};
  const starting = startDynamoThread({ ...(dataDir ? { dataDir } : {}), onChange: (changes) => relay.to?.(changes) });
  starting.catch(() => undefined); // awaited where it is used; a failure is reported there, not as an unhandled rejection
  return { relay, starting };
}

interface Waiter {
  kind: "sync" | "setup";
  resolve(v: unknown): void;
  reject(e: Error): void;
}

export async function startDynamoThread(opts: DynamoThreadOptions = {}): Promise<DynamoThread> {
  const workerData: DynamoWorkerData = { dynalite: createRequire(import.meta.url).resolve("dynalite"), dataDir: opts.dataDir, watch: opts.onChange !== undefined };
  const worker = new Worker(opts.script ?? (await workerScript("dynamo-worker")), { workerData });
  /** What waits for an answer: id -> how to settle it. */
  const waiting = new Map<number, Waiter>();
  let nextId = 0;
  let stopping = false;
  /** Why the thread is gone, once it is. */
  let gone: Error | undefined;
  const end = (why: Error) => {
    if (gone) return;
    gone = why;
    for (const w of waiting.values()) w.reject(why);
    waiting.clear();
  };
  worker.on("message", (m: FromDynamoWorker) => {
    if ("changes" in m) opts.onChange?.(m.changes);
    else if ("synced" in m) settle(m.synced, (w) => w.resolve(undefined));
    else if ("setupDone" in m) settle(m.setupDone, (w) => w.resolve(m.added));
    else if ("setupFailed" in m) settle(m.setupFailed, (w) => w.reject(new SetupError(m.step, m.name, m.message)));
  });
  const settle = (id: number, how: (w: Waiter) => void) => {
    const w = waiting.get(id);
    waiting.delete(id);
    if (w) how(w);
  };
  worker.on("error", (e: Error) => end(new Error(`the embedded DynamoDB thread failed: ${e.message}`)));
  worker.once("exit", (code) => {
    // Ended by stop(): nothing more will be stored, so a sync has every change there will be; a set-up is cut short.
    if (stopping) {
      const stopped = new Error("the embedded DynamoDB was stopped");
      for (const w of waiting.values()) if (w.kind === "sync") w.resolve(undefined); else w.reject(stopped);
      waiting.clear();
      gone ??= stopped;
    } else end(new Error(`the embedded DynamoDB thread ended (exit code ${code})`));
  });
  const port = await new Promise<number>((resolve, reject) => {
    worker.once("error", reject);
    worker.once("exit", (code) => reject(gone ?? new Error(`the embedded DynamoDB thread ended (exit code ${code})`)));
    worker.on("message", (m: FromDynamoWorker) => {
      if ("port" in m) resolve(m.port);
      if ("error" in m) reject(new Error(`the embedded DynamoDB failed: ${m.error}`));
    });
  });
  /** Posts a message that is answered by id; when the thread is gone, a sync after stop() resolves and anything else rejects. */
  const ask = <T,>(kind: Waiter["kind"], message: (id: number) => ToDynamoWorker): Promise<T> => {
    if (gone) return kind === "sync" && stopping ? Promise.resolve(undefined as T) : Promise.reject(gone);
    return new Promise<T>((resolve, reject) => {
      const id = nextId++;
      waiting.set(id, { kind, resolve: resolve as (v: unknown) => void, reject });
      worker.postMessage(message(id));
    });
  };
  let stopped: Promise<void> | undefined;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    sync: () => ask<void>("sync", (id) => ({ sync: id })),
    setUp: (plan) => ask<number[]>("setup", (id) => ({ setup: id, plan, region: LOCAL_REGION, accessKeyId: LOCAL_CREDENTIALS.accessKeyId })),
    stop: () =>
      (stopped ??= new Promise<void>((resolve) => {
        stopping = true;
        if (gone) return resolve();
        const done = () => void worker.terminate().then(() => resolve());
        worker.on("message", (m: FromDynamoWorker) => "stopped" in m && done());
        worker.once("exit", () => resolve());
        worker.postMessage("stop");
      })),
  };
}
