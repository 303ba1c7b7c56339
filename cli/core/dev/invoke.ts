/**
 * `hdoc invoke`: one function, once, with the runtime, environment resolution and embedded database
 * of `hdoc dev` (or the database of a running `hdoc dev`, given its endpoint). Returns what the
 * handler returned, or how it failed (thrown, timed out, out of memory) in Lambda's error shape.
 */
import path from "node:path";
import { HdocError } from "../../errors.ts";
import { findFunction } from "../build/select.ts";
import { loadBackend, LOCAL_REGION } from "./backend.ts";
import { startDynamoThread } from "./dynamo-thread.ts";
import { localAwsEnv } from "./local-aws.ts";
import { LocalRuntime } from "./runtime/runtime.ts";
import { removeLeftoverRuns } from "./leftovers.ts";
import { readSeed, setUpTablesAndSeed } from "./seed.ts";
import type { EnvOverrides } from "./env-vars.ts";

export interface InvokeOptions {
  repoRoot: string;
  template: string;
  /** Logical id (when unambiguous) or nested id. */
  functionName: string;
  event: unknown;
  parameters: Record<string, string>;
  envVars?: EnvOverrides;
  /** A running database (hdoc dev's) instead of an embedded one. */
  dynamoEndpoint?: string;
  dataDir?: string;
  seedFile?: string;
  /** Where the handler's own output goes (stderr). */
  functionOutput: NodeJS.WritableStream;
  log: { info(line: string): void; warn(line: string): void };
}

export interface LambdaError {
  errorType: string;
  errorMessage: string;
  trace: string[];
}

export type InvokeOutcome = { functionId: string; ms: number } & ({ ok: true; result: unknown } | { ok: false; error: LambdaError });

export async function invokeOnce(o: InvokeOptions): Promise<InvokeOutcome> {
  const backend = await loadBackend({ repoRoot: o.repoRoot, template: o.template, parameters: o.parameters, envVars: o.envVars, warn: o.log.warn });
  const fn = findFunction(backend.functions, o.functionName);
  const cleanups: Array<() => Promise<void> | void> = [];
  try {
    let endpoint = o.dynamoEndpoint;
    if (!endpoint) {
      const tables = Object.fromEntries(backend.tables.map((d) => [d.id, backend.tableName(d)]));
      const seed = o.seedFile ? readSeed(o.seedFile, backend.tables, tables, o.repoRoot) : undefined;
      const dynamo = await startDynamoThread(o.dataDir ? { dataDir: o.dataDir } : {});
      cleanups.push(() => dynamo.stop());
      endpoint = dynamo.endpoint;
      await setUpTablesAndSeed(dynamo, backend.tables, tables, seed, o.log);
    }
    const devDir = path.join(o.repoRoot, ".hdoc", "dev");
    removeLeftoverRuns(devDir);
    const runtime = new LocalRuntime({
      repoRoot: o.repoRoot,
      workDir: path.join(devDir, `run-${process.pid}-${Date.now()}`),
      functions: backend.runtimeFunctions.filter((f) => f.info.id === fn.id),
      region: LOCAL_REGION,
      baseEnv: localAwsEnv(endpoint),
      functionOutput: o.functionOutput,
      maxWorkersPerFunction: 1,
    });
    cleanups.push(() => runtime.dispose());
    const started = performance.now();
    try {
      const result = await runtime.invoke(fn.id, o.event);
      return { functionId: fn.id, ms: Math.round(performance.now() - started), ok: true, result };
    } catch (e) {
      const err = e instanceof Error ? e : new Error(String(e));
      if (/cannot bundle/.test(err.message)) throw new HdocError("FAILED", err.message, "fix the handler (hdoc build shows the same error)");
      const trace = (err.stack ?? "").split("\n").slice(1).map((l) => l.trim()).filter(Boolean);
      const errorType = err.message.startsWith("Task timed out") ? "Sandbox.Timedout" : err.name === "Error" ? "Error" : err.name;
      return { functionId: fn.id, ms: Math.round(performance.now() - started), ok: false, error: { errorType, errorMessage: err.message, trace } };
    }
  } finally {
    for (const c of cleanups.reverse()) await Promise.resolve(c()).catch(() => undefined);
  }
}
