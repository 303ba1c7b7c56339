/**
 * Runs Lambda handlers locally, each function in worker threads of its own (as Lambda runs each
 * function in its own sandbox). A function is bundled (bundle.ts: the build's esbuild configuration,
 * the AWS SDK left external) into a per-run work folder inside the repository, so the SDK resolves
 * from its node_modules, and its workers import the bundle with the function's environment as their
 * own `process.env`: Lambda's variables, the endpoint and credentials this runtime is given, then the
 * template's. Nothing here reads or writes this process's environment.
 *
 * Nothing is bundled or started until it is needed: `warm()` bundles in the background, the first
 * invocation starts a worker. Before an invocation the bundle's inputs are checked for changes, at
 * most every `checkEveryMs`: a changed function is rebuilt and gets a new worker (editing a handler
 * takes effect without a restart). A worker that is replaced, or whose invocation ran past the
 * template's Timeout, takes no new invocations and is terminated once those in flight are settled
 * (a timed-out one counts as settled): a handler stuck in a loop stops, the others finish or time out.
 */
import { mkdirSync, rmSync } from "node:fs";
import { randomUUID } from "node:crypto";
import path from "node:path";
import { availableParallelism } from "node:os";
import type { FunctionInfo } from "../../cfn/templates.ts";
import type { FunctionWorkerData } from "./protocol.ts";
import { bundleForDev, changed, entryOf, stamps, type Built } from "./bundle.ts";
import { BundleCache } from "./bundle-cache.ts";
import { lambdaEnv } from "./lambda-env.ts";
import { WorkerPool, type Instance } from "./worker-pool.ts";

export interface RuntimeFunction {
  info: FunctionInfo;
  /** The function's own environment variables, already resolved. */
  env: Record<string, string>;
  timeoutSeconds: number;
  memoryMb: number;
}

export interface RuntimeOptions {
  repoRoot: string;
  /** A folder of its own (removed on dispose). */
  workDir: string;
  functions: RuntimeFunction[];
  region: string;
  /**
   * What every function sees under the template's variables (the local endpoint and credentials); a
   * promise while it is not known yet (the database still starting): workers started meanwhile wait
   * for it before importing their function.
   */
  baseEnv?: Record<string, string> | Promise<Record<string, string>>;
  /** Where bundles are kept between runs (bundle-cache.ts); none: every run bundles. */
  cacheDir?: string;
  /** The root template the functions come from (absolute): the cache keeps the entries of every template still there. */
  template?: string;
  /** How often (at most) a function's input files are checked for edits; default 100 ms. */
  checkEveryMs?: number;
  /**
   * Workers a function may have (default: defaultMaxWorkers). A function starts with one; another is
   * added while every one of them has `busyAt` (default 4) invocations in flight, as Lambda adds
   * sandboxes when concurrency rises.
   */
  maxWorkersPerFunction?: number;
  busyAt?: number;
  /** CPUs of the machine (default: os.availableParallelism()). */
  cpus?: number;
  /** Where the handlers' stdout goes (their logs; default: this process's stderr, so `--json` output stays one document). */
  functionOutput?: NodeJS.WritableStream;
  now?: () => number;
}

/**
 * How many workers a function may have by default: the CPUs beyond the two the server and the
 * database use, at least 2 on a machine with two or more, at most 4; 1 on a single CPU. (On two
 * cores, measured once both workers' code is optimised: one worker is runnable but waiting for a
 * core a fifth of the time, as the server's and the database's threads wake on its CPU while the
 * other is idle; a second one takes up that idle time: GET /users/{u} served about a fifth more requests at 16
 * and 64 clients, 1 and 2 workers measured alternately with the same warm-up.)
 */
export const defaultMaxWorkers = (cpus: number): number => (cpus < 2 ? 1 : Math.min(4, Math.max(2, cpus - 2)));

interface Slot {
  fn: RuntimeFunction;
  built?: Built;
  /** The bundle in progress, shared by concurrent callers. */
  bundling?: Promise<Built>;
  /** The workers taking invocations, all running `built`. */
  pool: Instance[];
  /** The build or start in progress, shared by concurrent invocations. */
  starting?: Promise<void>;
  /** A worker being added to the pool. */
  growing?: Promise<void>;
  failed?: { error: Error; inputs: Map<string, string> };
  checkedAt: number;
  builds: number;
  workers: number;
}

export class LocalRuntime {
  private readonly slots = new Map<string, Slot>();
  private readonly checkEveryMs: number;
  private readonly now: () => number;
  private readonly threads = new WorkerPool();
  private disposed = false;
  private readonly maxWorkers: number;
  private readonly busyAt: number;
  private readonly cache?: BundleCache;
  /** `baseEnv` once known. */
  private baseEnv?: Record<string, string>;

  constructor(private readonly o: RuntimeOptions) {
    this.checkEveryMs = o.checkEveryMs ?? 100;
    this.now = o.now ?? (() => performance.now());
    mkdirSync(o.workDir, { recursive: true });
    this.maxWorkers = Math.max(1, o.maxWorkersPerFunction ?? defaultMaxWorkers(o.cpus ?? availableParallelism()));
    this.busyAt = o.busyAt ?? 4;
    if (o.baseEnv instanceof Promise) o.baseEnv.then((b) => (this.baseEnv = b), () => undefined);
    else this.baseEnv = o.baseEnv ?? {};
    if (o.cacheDir) {
      this.cache = new BundleCache(o.cacheDir);
      if (o.template) this.cache.removeLeftovers({ template: o.template, functionIds: o.functions.map((f) => f.info.id) });
      else this.cache.removeLeftovers();
    }
    for (const fn of o.functions) this.slots.set(fn.info.id, { fn, pool: [], checkedAt: -Infinity, builds: 0, workers: 0 });
  }

  functionIds(): string[] {
    return [...this.slots.keys()];
  }

  /** How many times a function was bundled, counting bundles taken from the cache (for tests and --verbose). */
  builds(id: string): number {
    return this.slots.get(id)?.builds ?? 0;
  }

  /** Whether the function's current bundle came from the cache of an earlier run. */
  fromCache(id: string): boolean {
    return this.slots.get(id)?.built?.cached === true;
  }

  /** How many workers a function has had (a rebuild, a timeout or a crash starts a new one). */
  workers(id: string): number {
    return this.slots.get(id)?.workers ?? 0;
  }

  /** Workers running now, across functions. */
  liveWorkers(): number {
    return this.threads.live.size;
  }

  /**
   * Bundles every function that has no bundle yet (those named in `first` first), starting no worker;
   * returns the failures. It yields to the event loop before each function: a bundle taken from the
   * cache is checked synchronously (its inputs stat'ed), and a dozen of those back to back would hold
   * up whatever else this thread has to do (the database coming up, a worker to start, a request).
   */
  async warm(first: string[] = []): Promise<Array<{ id: string; error: Error }>> {
    const failures: Array<{ id: string; error: Error }> = [];
    const order = [...first.flatMap((id) => this.slots.get(id) ?? []), ...this.slots.values()];
    for (const s of new Set(order)) {
      await new Promise((resolve) => setImmediate(resolve));
      if (this.disposed) break;
      if (s.built || s.failed) continue;
      try {
        await this.bundle(s);
      } catch (e) {
        failures.push({ id: s.fn.info.id, error: e as Error });
      }
    }
    return failures;
  }

  /**
   * Starts a worker for each of these functions in the background (a failure is kept for their next
   * invocation to report), so their first invocation does not wait for it. With `baseEnv` still to
   * come, the workers start and wait for it.
   */
  prime(ids: string[]): void {
    for (const id of ids) {
      const slot = this.slots.get(id);
      if (slot && !this.disposed) this.ensure(slot).catch(() => undefined);
    }
  }

  /** Builds and starts every function now; returns the failures. */
  async prepare(): Promise<Array<{ id: string; error: Error }>> {
    const failures: Array<{ id: string; error: Error }> = [];
    await Promise.all([...this.slots.values()].map(async (s) => {
      try {
        await this.ensure(s);
      } catch (e) {
        failures.push({ id: s.fn.info.id, error: e as Error });
      }
    }));
    return failures;
  }

  /** The function's bundle, rebuilt when an input changed; a failure is remembered with what to watch. */
  private bundle(slot: Slot): Promise<Built> {
    if (slot.bundling) return slot.bundling;
    if (slot.built && !changed(slot.built.inputs)) return Promise.resolve(slot.built);
    slot.bundling = bundleForDev(slot.fn.info, this.o.repoRoot, this.o.workDir, this.cache)
      .then((built) => {
        slot.built = built;
        slot.builds++;
        slot.failed = undefined;
        return built;
      }, (e: unknown) => {
        // A failed build has no metafile: watch the entry and what the last build read, rebuild when any changes.
        const entry = entryOf(slot.fn.info);
        const watch = [...(entry ? [entry] : []), ...(slot.built?.inputs ?? slot.failed?.inputs ?? new Map<string, string>()).keys()];
        slot.failed = { error: e as Error, inputs: stamps(watch) };
        throw e;
      })
      .finally(() => (slot.bundling = undefined));
    return slot.bundling;
  }

  /** Makes sure the function has workers running its current code: starts one when the code changed or none is left. */
  private async ensure(slot: Slot): Promise<void> {
    if (slot.starting) return slot.starting;
    const t = this.now();
    if (slot.pool.length && t - slot.checkedAt < this.checkEveryMs) return;
    slot.checkedAt = t;
    if (slot.pool.length && slot.built && !changed(slot.built.inputs)) return;
    if (!slot.pool.length && slot.failed && !changed(slot.failed.inputs)) throw slot.failed.error;
    slot.starting = this.start(slot).finally(() => (slot.starting = undefined));
    return slot.starting;
  }

  private async start(slot: Slot): Promise<void> {
    let built: Built;
    try {
      built = await this.bundle(slot);
    } catch (e) {
      this.replacePool(slot, []);
      throw e;
    }
    try {
      this.replacePool(slot, [await this.spawn(slot, built)]);
    } catch (e) {
      slot.failed = { error: e as Error, inputs: built.inputs };
      this.replacePool(slot, []);
      throw e;
    }
  }

  /** The old workers take no new invocations and end when theirs are settled. */
  private replacePool(slot: Slot, pool: Instance[]): void {
    for (const inst of slot.pool) this.threads.retire(inst);
    slot.pool = pool;
  }

  /** The least busy worker; when all are busy, another is started for the invocations after this one. */
  private pick(slot: Slot): Instance {
    let best = slot.pool[0]!;
    for (const inst of slot.pool) if (inst.pending.size < best.pending.size) best = inst;
    if (best.pending.size >= this.busyAt && slot.pool.length < this.maxWorkers && !slot.growing && slot.built && !this.disposed) {
      const built = slot.built;
      slot.growing = this.spawn(slot, built)
        .then((inst) => void (slot.built === built && slot.pool.length && !this.disposed ? slot.pool.push(inst) : this.threads.retire(inst)))
        .catch(() => undefined) // the running workers keep serving; a broken build shows up at the next rebuild
        .finally(() => (slot.growing = undefined));
    }
    return best;
  }

  private spawn(slot: Slot, built: Built): Promise<Instance> {
    const fn = slot.fn;
    const name = fn.info.logicalId;
    const workerData: FunctionWorkerData = {
      file: built.file,
      exportName: built.exportName,
      notAFunction: `${fn.info.id}: ${path.relative(this.o.repoRoot, built.entry)} does not export a function named ${built.exportName}`,
      context: {
        functionName: name,
        memoryLimitInMB: String(fn.memoryMb),
        invokedFunctionArn: `arn:aws:lambda:${this.o.region}:123456789012:function:${name}`,
        logGroupName: `/aws/lambda/${name}`,
      },
    };
    slot.workers++;
    return this.threads.spawn(
      { id: fn.info.id, workerData, ...this.envOf(fn), memoryMb: fn.memoryMb, output: this.o.functionOutput ?? process.stderr },
      (inst) => this.leave(slot, inst),
    );
  }

  /** The worker's environment, or the part known now and the whole one to follow. */
  private envOf(fn: RuntimeFunction): { env: Record<string, string>; envToFollow?: Promise<Record<string, string>> } {
    if (this.baseEnv) return { env: lambdaEnv(fn, this.o.region, this.baseEnv) };
    return { env: lambdaEnv(fn, this.o.region), envToFollow: Promise.resolve(this.o.baseEnv).then((b) => lambdaEnv(fn, this.o.region, b)) };
  }

  private leave(slot: Slot, inst: Instance): void {
    const i = slot.pool.indexOf(inst);
    if (i >= 0) slot.pool.splice(i, 1);
  }

  /** Invokes a function like Lambda would; rejects when the handler throws, runs out of memory or times out. */
  async invoke(id: string, event: unknown, requestId: string = randomUUID()): Promise<unknown> {
    const slot = this.slots.get(id);
    if (!slot) throw new Error(`no function ${id}`);
    await this.ensure(slot);
    if (!slot.pool.length) await this.ensure(slot); // the last one crashed or timed out in the meantime: a new one
    if (!slot.pool.length) throw new Error(`${id}: its worker keeps ending before it can be invoked`);
    const inst = this.pick(slot);
    // The worker may be stuck: it takes nothing new and ends when its other invocations are settled.
    return this.threads.call(inst, event, requestId, slot.fn.timeoutSeconds * 1000, () => {
      this.leave(slot, inst);
      this.threads.retire(inst);
    });
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    await Promise.all([...this.slots.values()].flatMap((s) => [s.starting?.catch(() => undefined), s.bundling?.catch(() => undefined), s.growing]));
    await this.threads.terminateAll();
    rmSync(this.o.workDir, { recursive: true, force: true });
  }
}
