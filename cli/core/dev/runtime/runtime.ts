/**
 * Runs Lambda handlers locally, each function in a worker thread of its own (as Lambda runs each
 * function in its own sandbox). Each function's TypeScript is bundled with esbuild (the AWS SDK stays
 * external) into a per-run work folder inside the repository (so the SDK resolves from its
 * node_modules); its worker imports the bundle with the function's environment as its own
 * `process.env` (the template's variables plus the Lambda-provided ones). The main thread posts an
 * event to the worker and awaits the result, so the handlers' SDK work runs beside the HTTP server,
 * not on its thread.
 *
 * Before an invocation the bundle's inputs (esbuild's metafile) are checked for changes, at most
 * every `checkEveryMs`: a changed function is rebuilt and gets a new worker (editing a handler takes
 * effect without a restart). A worker that is replaced, or whose invocation ran past the template's
 * Timeout, takes no new invocations and is terminated once those in flight are settled (a timed-out
 * one counts as settled): a handler stuck in a loop stops, the other invocations finish or time out.
 */
import { build, type Metafile } from "esbuild";
import { existsSync, mkdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createHash, randomUUID } from "node:crypto";
import path from "node:path";
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import type { FunctionInfo } from "../../cfn/templates.ts";

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
  /** How often (at most) a function's input files are checked for edits; default 100 ms. */
  checkEveryMs?: number;
  /**
   * Workers a function may have (default: the number of CPUs, at most 4). A function starts with one;
   * another is added while every one of them has `busyAt` (default 4) invocations in flight, as
   * Lambda adds sandboxes when concurrency rises.
   */
  maxWorkersPerFunction?: number;
  busyAt?: number;
  /** Where the handlers' stdout goes (their logs; default: this process's stderr, so `--json` output stays one document). */
  functionOutput?: NodeJS.WritableStream;
  now?: () => number;
}

/** What the worker is told: the bundle to import and how to build the Lambda context. */
interface WorkerData {
  file: string;
  exportName: string;
  notAFunction: string;
  context: { functionName: string; memoryLimitInMB: string; invokedFunctionArn: string; logGroupName: string };
}
type WireError = { name?: string; message: string; stack?: string };
type FromWorker = { ready: true } | { loadError: WireError } | { id: number; result: unknown } | { id: number; error: WireError };
interface ToWorker { id: number; event: unknown; requestId: string; deadline: number }

/**
 * The worker's side (written next to the bundles as runner.mjs). A load failure is reported, not
 * thrown, so the main thread can tell it from a crash.
 */
const RUNNER = `import { parentPort, workerData } from "node:worker_threads";
import { pathToFileURL } from "node:url";
process.setSourceMapsEnabled(true);
const wire = (e) => (e instanceof Error ? { name: e.name, message: e.message, stack: e.stack } : { message: typeof e === "string" ? e : JSON.stringify(e) ?? String(e) });
let handler;
try {
  handler = (await import(pathToFileURL(workerData.file).href))[workerData.exportName];
  if (typeof handler !== "function") throw new Error(workerData.notAFunction);
} catch (e) {
  parentPort.postMessage({ loadError: wire(e) });
}
if (typeof handler === "function") {
  parentPort.on("message", async ({ id, event, requestId, deadline }) => {
    const context = {
      ...workerData.context,
      functionVersion: "$LATEST",
      awsRequestId: requestId,
      logStreamName: "local",
      callbackWaitsForEmptyEventLoop: true,
      getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
      done: () => undefined, fail: () => undefined, succeed: () => undefined,
    };
    try {
      const result = await (handler.length >= 3
        ? new Promise((resolve, reject) => {
            const r = handler(event, context, (err, res) => (err ? reject(err) : resolve(res)));
            if (r && typeof r.then === "function") r.then(resolve, reject);
          })
        : handler(event, context));
      try {
        parentPort.postMessage({ id, result });
      } catch (e) {
        parentPort.postMessage({ id, error: { name: "TypeError", message: "the handler returned a value that cannot be serialised: " + e.message } });
      }
    } catch (e) {
      parentPort.postMessage({ id, error: wire(e) });
    }
  });
  parentPort.postMessage({ ready: true });
}
`;

interface Pending {
  resolve(v: unknown): void;
  reject(e: Error): void;
  timer: NodeJS.Timeout;
}

/** One worker running one build of a function. */
interface Instance {
  worker: Worker;
  pending: Map<number, Pending>;
  /** Takes no new invocations; terminated when `pending` is empty. */
  retired: boolean;
  dead: boolean;
}

interface Built {
  file: string;
  exportName: string;
  entry: string;
  /** input file -> "mtime:size" when built. */
  inputs: Map<string, string>;
}

interface Slot {
  fn: RuntimeFunction;
  built?: Built;
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

const REQUIRE_BANNER = `import { createRequire as __hdocCreateRequire } from "node:module"; const require = __hdocCreateRequire(import.meta.url);`;

const fingerprint = (file: string): string => {
  try {
    const s = statSync(file);
    return `${s.mtimeMs}:${s.size}`;
  } catch {
    return "missing";
  }
};

const fromWire = (w: WireError): Error => {
  const e = new Error(w.message);
  if (w.name) e.name = w.name;
  e.stack = w.stack ?? `${e.name}: ${w.message}`;
  return e;
};

/** The file a Handler setting names ("src/app.handler" -> <codeDir>/src/app.{ts,mts,js,mjs,cjs}) and its export. */
export function handlerEntry(info: FunctionInfo): { entry: string; exportName: string } | { error: string } {
  const dot = info.handler.lastIndexOf(".");
  if (dot <= 0) return { error: `Handler ${JSON.stringify(info.handler)} is not <file>.<export>` };
  const base = path.join(info.codeDir, info.handler.slice(0, dot));
  const entry = [".ts", ".mts", ".js", ".mjs", ".cjs"].map((e) => base + e).find((f) => existsSync(f));
  if (!entry) return { error: `Handler ${JSON.stringify(info.handler)}: no ${path.relative(info.codeDir, base)}.ts (or .js) in ${info.codeDir}` };
  return { entry, exportName: info.handler.slice(dot + 1) };
}

export class LocalRuntime {
  private readonly slots = new Map<string, Slot>();
  private readonly runnerFile: string;
  private readonly checkEveryMs: number;
  private readonly now: () => number;
  /** Every worker not yet terminated (replaced ones may still be finishing invocations). */
  private readonly live = new Set<Instance>();
  private nextId = 0;
  private disposed = false;
  private readonly maxWorkers: number;
  private readonly busyAt: number;

  constructor(private readonly o: RuntimeOptions) {
    this.checkEveryMs = o.checkEveryMs ?? 100;
    this.now = o.now ?? (() => performance.now());
    mkdirSync(o.workDir, { recursive: true });
    this.runnerFile = path.join(o.workDir, "runner.mjs");
    writeFileSync(this.runnerFile, RUNNER);
    this.maxWorkers = Math.max(1, o.maxWorkersPerFunction ?? Math.min(4, availableParallelism()));
    this.busyAt = o.busyAt ?? 4;
    for (const fn of o.functions) this.slots.set(fn.info.id, { fn, pool: [], checkedAt: -Infinity, builds: 0, workers: 0 });
  }

  /** The environment a function sees: Lambda's own variables, then the template's. */
  private lambdaEnv(fn: RuntimeFunction): Record<string, string> {
    const name = fn.info.logicalId;
    return {
      ...pick(process.env, ["AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED", "PATH", "TZ", "LANG"]),
      AWS_LAMBDA_FUNCTION_NAME: name,
      AWS_LAMBDA_FUNCTION_VERSION: "$LATEST",
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memoryMb),
      AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${name}`,
      AWS_EXECUTION_ENV: "AWS_Lambda_nodejs_hdoc_dev",
      LAMBDA_TASK_ROOT: fn.info.codeDir,
      AWS_REGION: this.o.region,
      AWS_DEFAULT_REGION: this.o.region,
      ...fn.env,
    };
  }

  functionIds(): string[] { return [...this.slots.keys()]; }

  /** How many times a function was bundled (for tests and --verbose). */
  builds(id: string): number { return this.slots.get(id)?.builds ?? 0; }

  /** How many workers a function has had (a rebuild, a timeout or a crash starts a new one). */
  workers(id: string): number { return this.slots.get(id)?.workers ?? 0; }

  /** Builds and starts every function now; returns the failures (the server still starts; a fixed file is picked up). */
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

  private changed(inputs: Map<string, string>): boolean {
    for (const [file, fp] of inputs) if (fingerprint(file) !== fp) return true;
    return false;
  }

  /** Makes sure the function has workers running its current code: starts one when the code changed or none is left. */
  private async ensure(slot: Slot): Promise<void> {
    if (slot.starting) return slot.starting;
    const t = this.now();
    if (slot.pool.length && t - slot.checkedAt < this.checkEveryMs) return;
    slot.checkedAt = t;
    if (slot.pool.length && slot.built && !this.changed(slot.built.inputs)) return;
    if (!slot.pool.length && slot.failed && !this.changed(slot.failed.inputs)) throw slot.failed.error;
    slot.starting = this.start(slot).finally(() => (slot.starting = undefined));
    return slot.starting;
  }

  private async start(slot: Slot): Promise<void> {
    const fail = (error: Error, inputs: Map<string, string>): never => {
      slot.failed = { error, inputs };
      this.replacePool(slot, []);
      throw error;
    };
    let built = slot.built;
    if (!built || this.changed(built.inputs)) {
      try {
        built = await this.bundle(slot);
      } catch (e) {
        // A failed build has no metafile: watch the entry and what the last build read, rebuild when any changes.
        const entry = handlerEntry(slot.fn.info);
        const watch = [...("entry" in entry ? [entry.entry] : []), ...(slot.built?.inputs ?? slot.failed?.inputs ?? new Map<string, string>()).keys()];
        return fail(e as Error, new Map(watch.map((f) => [f, fingerprint(f)])));
      }
      slot.built = built;
      slot.builds++;
    }
    try {
      this.replacePool(slot, [await this.spawn(slot, built)]);
    } catch (e) {
      return fail(e as Error, built.inputs);
    }
    slot.failed = undefined;
  }

  /** The old workers take no new invocations and end when theirs are settled. */
  private replacePool(slot: Slot, pool: Instance[]): void {
    for (const inst of slot.pool) this.retire(inst);
    slot.pool = pool;
  }

  /** The least busy worker; when all are busy, another is started for the invocations after this one. */
  private pick(slot: Slot): Instance {
    let best = slot.pool[0]!;
    for (const inst of slot.pool) if (inst.pending.size < best.pending.size) best = inst;
    if (best.pending.size >= this.busyAt && slot.pool.length < this.maxWorkers && !slot.growing && slot.built && !this.disposed) {
      const built = slot.built;
      slot.growing = this.spawn(slot, built)
        .then((inst) => void (slot.built === built && slot.pool.length && !this.disposed ? slot.pool.push(inst) : this.retire(inst)))
        .catch(() => undefined) // the running workers keep serving; a broken build shows up at the next rebuild
        .finally(() => (slot.growing = undefined));
    }
    return best;
  }

  private async bundle(slot: Slot): Promise<Built> {
    const info = slot.fn.info;
    const target = handlerEntry(info);
    if ("error" in target) throw new Error(`${info.id}: ${target.error}`);
    let metafile: Metafile;
    let code: string;
    try {
      const r = await build({
        entryPoints: [target.entry],
        bundle: true,
        write: false,
        outdir: this.o.workDir,
        format: "esm",
        platform: "node",
        target: "node20",
        metafile: true,
        sourcemap: "inline",
        external: ["@aws-sdk/*", "@smithy/*"],
        banner: { js: REQUIRE_BANNER },
        absWorkingDir: this.o.repoRoot,
        logLevel: "silent",
      });
      metafile = r.metafile;
      code = r.outputFiles[0]!.text;
    } catch (e) {
      const err = e as { errors?: Array<{ text: string; location?: { file: string; line: number; column: number } }> } & Error;
      const first = err.errors?.[0];
      const where = first?.location ? `${first.location.file}:${first.location.line}:${first.location.column}: ` : "";
      throw new Error(`${info.id}: cannot bundle ${path.relative(this.o.repoRoot, target.entry)}: ${where}${first?.text ?? err.message}`);
    }
    const inputs = new Map<string, string>();
    for (const rel of Object.keys(metafile.inputs)) {
      const abs = path.resolve(this.o.repoRoot, rel);
      inputs.set(abs, fingerprint(abs));
    }
    const hash = createHash("sha256").update(code).digest("hex").slice(0, 12);
    const file = path.join(this.o.workDir, `${info.id.replace(/[^A-Za-z0-9_-]/g, "_")}-${hash}.mjs`);
    if (!existsSync(file)) writeFileSync(file, code);
    return { file, exportName: target.exportName, entry: target.entry, inputs };
  }

  /** Starts a worker on a build; resolves once the handler is imported. */
  private spawn(slot: Slot, built: Built): Promise<Instance> {
    const fn = slot.fn;
    const name = fn.info.logicalId;
    const workerData: WorkerData = {
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
    const worker = new Worker(this.runnerFile, { workerData, env: this.lambdaEnv(fn), stdout: true });
    // Written, not piped: a pipe adds listeners to the destination per worker (MaxListenersExceededWarning past 10).
    const output = this.o.functionOutput ?? process.stderr;
    worker.stdout.on("data", (chunk: Buffer) => output.write(chunk));
    slot.workers++;
    const inst: Instance = { worker, pending: new Map(), retired: false, dead: false };
    this.live.add(inst);
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
      const gone = (why: Error) => {
        this.live.delete(inst);
        this.leave(slot, inst);
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
      worker.on("error", (e) => gone(e));
      worker.on("exit", (code) => gone(new Error(`${fn.info.id}: the function's worker exited (code ${code})`)));
    });
  }

  private leave(slot: Slot, inst: Instance): void {
    const i = slot.pool.indexOf(inst);
    if (i >= 0) slot.pool.splice(i, 1);
  }

  private retire(inst: Instance): void {
    inst.retired = true;
    if (inst.pending.size === 0) this.terminate(inst);
  }

  private terminate(inst: Instance): void {
    if (inst.dead) return;
    inst.dead = true;
    void inst.worker.terminate();
  }

  /** Invokes a function like Lambda would; rejects when the handler throws or times out. */
  async invoke(id: string, event: unknown, requestId: string = randomUUID()): Promise<unknown> {
    const slot = this.slots.get(id);
    if (!slot) throw new Error(`no function ${id}`);
    await this.ensure(slot);
    if (!slot.pool.length) await this.ensure(slot); // the last one crashed or timed out in the meantime: a new one
    if (!slot.pool.length) throw new Error(`${id}: its worker keeps ending before it can be invoked`);
    const inst = this.pick(slot);
    const seconds = slot.fn.timeoutSeconds;
    const msg: ToWorker = { id: ++this.nextId, event, requestId, deadline: Date.now() + seconds * 1000 };
    return new Promise<unknown>((resolve, reject) => {
      const timer = setTimeout(() => {
        inst.pending.delete(msg.id);
        reject(new Error(`Task timed out after ${seconds.toFixed(2)} seconds`));
        // The worker may be stuck: it takes nothing new and ends when its other invocations are settled.
        this.leave(slot, inst);
        this.retire(inst);
      }, seconds * 1000);
      inst.pending.set(msg.id, { resolve, reject, timer });
      inst.worker.postMessage(msg);
    });
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    await Promise.all([...this.slots.values()].flatMap((s) => [s.starting?.catch(() => undefined), s.growing]));
    await Promise.all([...this.live].map((i) => i.worker.terminate()));
    rmSync(this.o.workDir, { recursive: true, force: true });
  }
}

function pick(env: NodeJS.ProcessEnv, keys: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of keys) if (env[k] !== undefined) out[k] = env[k]!;
  return out;
}
