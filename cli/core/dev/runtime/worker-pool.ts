/**
 * The workers of the local runtime: starting one on a bundle (with the function's environment and
 * its MemorySize as the heap limit, as Lambda stops a sandbox at its memory), sending it an
 * invocation with its Timeout, and ending it. A worker that is retired takes no new invocations and
 * is terminated once those in flight are settled.
 */
import { Worker } from "node:worker_threads";
import { fromWire, type FromWorker, type FunctionWorkerData, type ToWorker } from "./protocol.ts";
import { workerScript } from "../worker-script.ts";

interface Pending {
  resolve(v: unknown): void;
  reject(e: Error): void;
  timer: NodeJS.Timeout;
}

/** One worker running one build of a function. */
export interface Instance {
  worker: Worker;
  pending: Map<number, Pending>;
  /** Takes no new invocations; terminated when `pending` is empty. */
  retired: boolean;
  dead: boolean;
}

export interface SpawnSpec {
  /** The function's id, for messages. */
  id: string;
  workerData: FunctionWorkerData;
  env: Record<string, string>;
  /**
   * The whole environment, when it is not known yet: the worker starts at once (with `env`) and
   * imports the bundle once this gives the one it runs with. If it rejects, the worker is ended.
   */
  envToFollow?: Promise<Record<string, string>>;
  memoryMb: number;
  /** Where the handler's stdout goes. */
  output: NodeJS.WritableStream;
}

/** How a worker that ran out of its heap is reported (Lambda: the runtime exits, the invocation fails). */
export class OutOfMemoryError extends Error {
  override readonly name = "Runtime.OutOfMemory";
  constructor(id: string, memoryMb: number) {
    super(`${id}: Runtime exited: out of memory (${memoryMb} MB)`);
  }
}

/** An invocation cut off because `hdoc dev` stopped its function (one line: the stop itself is said elsewhere). */
export class StoppedError extends Error {
  override readonly name = "Runtime.Stopped";
  constructor(id: string) {
    super(`${id}: hdoc dev stopped the function before it answered`);
    this.stack = `${this.name}: ${this.message}`;
  }
}

export class WorkerPool {
  /** Every worker not yet terminated (replaced ones may still be finishing invocations). */
  readonly live = new Set<Instance>();
  private nextId = 0;
  /** terminateAll has been called: a worker's end is the stop's, not the function's. */
  private stopping = false;

  /** Starts a worker; resolves once the handler is imported. `gone` runs once when it ends for any reason. */
  async spawn(spec: SpawnSpec, gone: (inst: Instance) => void): Promise<Instance> {
    const worker = new Worker(await workerScript("function-worker"), {
      workerData: spec.envToFollow ? { ...spec.workerData, envToFollow: true } : spec.workerData,
      env: spec.env,
      stdout: true,
      resourceLimits: { maxOldGenerationSizeMb: spec.memoryMb },
    });
    // Written chunk by chunk rather than piped: a pipe per worker adds listeners to the shared stream
    // (Node's MaxListenersExceededWarning past ten workers).
    worker.stdout.on("data", (chunk: Buffer) => spec.output.write(chunk));
    const inst: Instance = { worker, pending: new Map(), retired: false, dead: false };
    this.live.add(inst);
    // (no environment: the worker ends, and whatever waits on it is told so)
    spec.envToFollow?.then((env) => worker.postMessage({ env }), () => void worker.terminate());
    return new Promise<Instance>((resolve, reject) => {
      let ready = false;
      worker.on("message", (m: FromWorker) => {
        if ("ready" in m) {
          ready = true;
          resolve(inst);
        } else if ("loadError" in m) {
          inst.dead = true;
          void worker.terminate();
          reject(fromWire(m.loadError));
        } else {
          const p = inst.pending.get(m.id);
          if (!p) return; // timed out already
          inst.pending.delete(m.id);
          clearTimeout(p.timer);
          if ("error" in m) p.reject(fromWire(m.error));
          else p.resolve(m.result);
          if (inst.retired && inst.pending.size === 0) this.terminate(inst);
        }
      });
      let ended = false;
      const end = (why: Error) => {
        if (ended) return;
        ended = true;
        this.live.delete(inst);
        gone(inst);
        if (inst.dead) return;
        inst.dead = true;
        inst.retired = true;
        if (!ready) reject(why);
        for (const p of inst.pending.values()) {
          clearTimeout(p.timer);
          p.reject(why);
        }
        inst.pending.clear();
      };
      // A crash (an uncaught exception or unhandled rejection outside the handler) ends the worker, as it ends a Lambda sandbox.
      worker.on("error", (e: Error & { code?: string }) => end(e.code === "ERR_WORKER_OUT_OF_MEMORY" ? new OutOfMemoryError(spec.id, spec.memoryMb) : e));
      worker.on("exit", (code) => end(this.stopping ? new StoppedError(spec.id) : new Error(`${spec.id}: the function's worker exited (code ${code})`)));
    });
  }

  /** Sends one invocation; rejects on the handler's error, the worker's end, or after `timeoutMs` (then `onTimeout` runs). */
  call(inst: Instance, event: unknown, requestId: string, timeoutMs: number, onTimeout: () => void): Promise<unknown> {
    const msg: ToWorker = { id: ++this.nextId, event, requestId, deadline: Date.now() + timeoutMs };
    return new Promise<unknown>((resolve, reject) => {
      const timer = setTimeout(() => {
        inst.pending.delete(msg.id);
        reject(new Error(`Task timed out after ${(timeoutMs / 1000).toFixed(2)} seconds`));
        onTimeout();
      }, timeoutMs);
      inst.pending.set(msg.id, { resolve, reject, timer });
      inst.worker.postMessage(msg);
    });
  }

  retire(inst: Instance): void {
    inst.retired = true;
    if (inst.pending.size === 0) this.terminate(inst);
  }

  terminate(inst: Instance): void {
    if (inst.dead) return;
    inst.dead = true;
    void inst.worker.terminate();
  }

  async terminateAll(): Promise<void> {
    this.stopping = true;
    await Promise.all([...this.live].map((i) => i.worker.terminate()));
  }
}
