/**
 * Runs Lambda handlers in this process: each function's TypeScript is bundled with esbuild (the AWS
 * SDK stays external and shared) into a per-run work folder inside the repository (so the SDK
 * resolves from its node_modules) and imported. Before an invocation the bundle's inputs (esbuild's
 * metafile) are checked for changes, at most every `checkEveryMs`, and rebuilt: editing a handler
 * takes effect without a restart.
 *
 * One environment per function: functions share this process, so `process.env` cannot hold two
 * functions' variables at once (setting it around an await is racy). Each bundle instead has the
 * global `process` replaced (esbuild `inject`) by a view of the real one whose `env` is that
 * function's own object: the template's variables plus the Lambda-provided ones. The shared AWS SDK
 * reads the real process.env, which holds what every function has in common (region, endpoint,
 * dummy credentials).
 */
import { build, type Metafile } from "esbuild";
import { existsSync, mkdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createHash, randomUUID } from "node:crypto";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { FunctionInfo } from "./templates.ts";

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
  now?: () => number;
}

interface Loaded {
  handler: (...args: unknown[]) => unknown;
  /** input file -> "mtime:size" when built. */
  inputs: Map<string, string>;
}

interface Slot {
  fn: RuntimeFunction;
  loaded?: Loaded;
  /** The build in progress, shared by concurrent invocations. */
  building?: Promise<Loaded>;
  failed?: { error: Error; inputs: Map<string, string> };
  checkedAt: number;
  builds: number;
}

const BRIDGE = Symbol.for("hdoc.dev.process");
type Bridge = Map<string, NodeJS.Process>;

const SHIM = `export const process = globalThis[Symbol.for("hdoc.dev.process")].get(__HDOC_FUNCTION_KEY__);\n`;
const REQUIRE_BANNER = `import { createRequire as __hdocCreateRequire } from "node:module"; const require = __hdocCreateRequire(import.meta.url);`;

const fingerprint = (file: string): string => {
  try {
    const s = statSync(file);
    return `${s.mtimeMs}:${s.size}`;
  } catch {
    return "missing";
  }
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
  private readonly bridge: Bridge;
  private readonly shimFile: string;
  private readonly checkEveryMs: number;
  private readonly now: () => number;
  private readonly keyPrefix = randomUUID();

  constructor(private readonly o: RuntimeOptions) {
    this.checkEveryMs = o.checkEveryMs ?? 100;
    this.now = o.now ?? (() => performance.now());
    mkdirSync(o.workDir, { recursive: true });
    this.shimFile = path.join(o.workDir, "process-shim.mjs");
    writeFileSync(this.shimFile, SHIM);
    const g = globalThis as unknown as Record<symbol, Bridge | undefined>;
    this.bridge = g[BRIDGE] ??= new Map();
    for (const fn of o.functions) {
      this.slots.set(fn.info.id, { fn, checkedAt: -Infinity, builds: 0 });
      this.bridge.set(this.key(fn.info.id), processView(this.lambdaEnv(fn)));
    }
  }

  private key(id: string): string { return `${this.keyPrefix}:${id}`; }

  /** The environment a function sees: Lambda's own variables, then the template's. */
  private lambdaEnv(fn: RuntimeFunction): Record<string, string> {
    const name = fn.info.logicalId;
    return {
      AWS_LAMBDA_FUNCTION_NAME: name,
      AWS_LAMBDA_FUNCTION_VERSION: "$LATEST",
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memoryMb),
      AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${name}`,
      AWS_EXECUTION_ENV: "AWS_Lambda_nodejs_hdoc_dev",
      LAMBDA_TASK_ROOT: fn.info.codeDir,
      AWS_REGION: this.o.region,
      AWS_DEFAULT_REGION: this.o.region,
      ...pick(process.env, ["AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "PATH", "TZ", "LANG"]),
      ...fn.env,
    };
  }

  functionIds(): string[] { return [...this.slots.keys()]; }

  /** How many times a function was bundled (for tests and --verbose). */
  builds(id: string): number { return this.slots.get(id)?.builds ?? 0; }

  /** Builds every function now; returns the failures (the server still starts; a fixed file is picked up). */
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

  private async ensure(slot: Slot): Promise<Loaded> {
    if (slot.building) return slot.building;
    const t = this.now();
    if (slot.loaded && t - slot.checkedAt < this.checkEveryMs) return slot.loaded;
    slot.checkedAt = t;
    if (slot.loaded && !this.changed(slot.loaded.inputs)) return slot.loaded;
    if (!slot.loaded && slot.failed && !this.changed(slot.failed.inputs)) throw slot.failed.error;
    slot.building = this.load(slot).finally(() => (slot.building = undefined));
    return slot.building;
  }

  private async load(slot: Slot): Promise<Loaded> {
    const info = slot.fn.info;
    const target = handlerEntry(info);
    if ("error" in target) throw new Error(`${info.id}: ${target.error}`);
    let metafile: Metafile | undefined;
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
        inject: [this.shimFile],
        define: { __HDOC_FUNCTION_KEY__: JSON.stringify(this.key(info.id)) },
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
      const error = new Error(`${info.id}: cannot bundle ${path.relative(this.o.repoRoot, target.entry)}: ${where}${first?.text ?? err.message}`);
      // A failed build has no metafile: watch the entry and what the last build read, rebuild when any changes.
      const watch = [target.entry, ...(slot.loaded?.inputs ?? slot.failed?.inputs ?? new Map<string, string>()).keys()];
      slot.failed = { error, inputs: new Map(watch.map((f) => [f, fingerprint(f)])) };
      slot.loaded = undefined;
      throw error;
    }
    const inputs = new Map<string, string>();
    for (const rel of Object.keys(metafile!.inputs)) {
      const abs = path.resolve(this.o.repoRoot, rel);
      if (abs !== this.shimFile) inputs.set(abs, fingerprint(abs));
    }
    const hash = createHash("sha256").update(code).digest("hex").slice(0, 12);
    const file = path.join(this.o.workDir, `${info.id.replace(/[^A-Za-z0-9_-]/g, "_")}-${hash}.mjs`);
    if (!existsSync(file)) writeFileSync(file, code);
    const fail = (error: Error): never => {
      slot.failed = { error, inputs };
      slot.loaded = undefined;
      throw error;
    };
    let mod: Record<string, unknown> = {};
    try {
      mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
    } catch (e) {
      fail(e as Error);
    }
    const handler = mod[target.exportName];
    if (typeof handler !== "function") fail(new Error(`${info.id}: ${path.relative(this.o.repoRoot, target.entry)} does not export a function named ${target.exportName}`));
    slot.builds++;
    slot.failed = undefined;
    slot.loaded = { handler: handler as Loaded["handler"], inputs };
    return slot.loaded;
  }

  /** Invokes a function like Lambda would; rejects when the handler throws or times out. */
  async invoke(id: string, event: unknown, requestId: string = randomUUID()): Promise<unknown> {
    const slot = this.slots.get(id);
    if (!slot) throw new Error(`no function ${id}`);
    const { handler } = await this.ensure(slot);
    const fn = slot.fn;
    const deadline = Date.now() + fn.timeoutSeconds * 1000;
    const context = {
      functionName: fn.info.logicalId,
      functionVersion: "$LATEST",
      invokedFunctionArn: `arn:aws:lambda:${this.o.region}:123456789012:function:${fn.info.logicalId}`,
      memoryLimitInMB: String(fn.memoryMb),
      awsRequestId: requestId,
      logGroupName: `/aws/lambda/${fn.info.logicalId}`,
      logStreamName: "local",
      callbackWaitsForEmptyEventLoop: true,
      getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
      done: () => undefined, fail: () => undefined, succeed: () => undefined,
    };
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`Task timed out after ${fn.timeoutSeconds.toFixed(2)} seconds`)), fn.timeoutSeconds * 1000);
    });
    const run = handler.length >= 3
      ? new Promise<unknown>((resolve, reject) => {
          const r = handler(event, context, (err: unknown, res: unknown) => (err ? reject(err) : resolve(res)));
          if (r && typeof (r as Promise<unknown>).then === "function") (r as Promise<unknown>).then(resolve, reject);
        })
      : Promise.resolve().then(() => handler(event, context));
    try {
      return await Promise.race([run, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  dispose(): void {
    for (const id of this.slots.keys()) this.bridge.delete(this.key(id));
    rmSync(this.o.workDir, { recursive: true, force: true });
  }
}

function pick(env: NodeJS.ProcessEnv, keys: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of keys) if (env[k] !== undefined) out[k] = env[k]!;
  return out;
}

/** The real process, except that `env` is the function's own object. */
function processView(env: Record<string, string>): NodeJS.Process {
  const real = process;
  return new Proxy(real, {
    get(target, prop) {
      if (prop === "env") return env;
      const v = Reflect.get(target, prop, target) as unknown;
      return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
    set(target, prop, value) {
      if (prop === "env") return false;
      return Reflect.set(target, prop, value, target);
    },
  });
}
