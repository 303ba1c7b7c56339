/** What the main thread and a function's worker say to each other (see function-worker.ts). */

/** What the worker is told when it starts: the bundle to import and how to build the Lambda context. */
export interface FunctionWorkerData {
  file: string;
  exportName: string;
  notAFunction: string;
  context: { functionName: string; memoryLimitInMB: string; invokedFunctionArn: string; logGroupName: string };
  /** The function's environment comes in the first message (`{ env }`), before the bundle is imported. */
  envToFollow?: boolean;
}

/** The function's whole environment, sent when `envToFollow`: it replaces the worker's process.env. */
export interface EnvMessage {
  env: Record<string, string>;
}

export interface WireError {
  name?: string;
  message: string;
  stack?: string;
}

export type FromWorker = { ready: true } | { loadError: WireError } | { id: number; result: unknown } | { id: number; error: WireError };

export interface ToWorker {
  id: number;
  event: unknown;
  requestId: string;
  /** Wall-clock milliseconds when the invocation times out (for context.getRemainingTimeInMillis). */
  deadline: number;
}

export const toWire = (e: unknown): WireError =>
  e instanceof Error ? { name: e.name, message: e.message, stack: e.stack } : { message: typeof e === "string" ? e : (JSON.stringify(e) ?? String(e)) };

export function fromWire(w: WireError): Error {
  const e = new Error(w.message);
  if (w.name) e.name = w.name;
  e.stack = w.stack ?? `${e.name}: ${w.message}`;
  return e;
}
