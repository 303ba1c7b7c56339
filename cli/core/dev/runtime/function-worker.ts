/**
 * The worker side of a function (one worker thread per function instance, as Lambda runs each in a
 * sandbox): imports the function's bundle, then runs one invocation per message with a Lambda
 * context. A load failure is reported, not thrown, so the main thread can tell it from a crash.
 * With `envToFollow`, the worker starts before its environment is known (the database's endpoint)
 * and waits for it before importing anything of the function: the handler's module sees only it.
 * Built as its own entry (dist/cli/chunks/function-worker.js, see scripts/build-cli.mjs); from the
 * sources it is compiled on first use (worker-script.ts).
 */
import { parentPort, workerData } from "node:worker_threads";
import { pathToFileURL } from "node:url";
import { toWire, type EnvMessage, type FromWorker, type FunctionWorkerData, type ToWorker } from "./protocol.ts";

type Callback = (err: unknown, result?: unknown) => void;
type Handler = (event: unknown, context: object, callback?: Callback) => unknown;

const port = parentPort!;
const data = workerData as FunctionWorkerData;
const post = (m: FromWorker) => port.postMessage(m);
process.setSourceMapsEnabled(true);

async function load(): Promise<Handler | undefined> {
  try {
    const mod = (await import(pathToFileURL(data.file).href)) as Record<string, unknown>;
    const handler = mod[data.exportName];
    if (typeof handler !== "function") throw new Error(data.notAFunction);
    return handler as Handler;
  } catch (e) {
    post({ loadError: toWire(e) });
    return undefined;
  }
}

function run(handler: Handler, event: unknown, context: object): Promise<unknown> {
  if (handler.length < 3) return Promise.resolve(handler(event, context));
  return new Promise((resolve, reject) => {
    const r = handler(event, context, (err, res) => (err ? reject(err as Error) : resolve(res)));
    if (r && typeof (r as Promise<unknown>).then === "function") (r as Promise<unknown>).then(resolve, reject);
  });
}

if (data.envToFollow) {
  const { env } = await new Promise<EnvMessage>((resolve) => port.once("message", resolve));
  for (const k of Object.keys(process.env)) delete process.env[k];
  Object.assign(process.env, env);
}
const handler = await load();
if (handler) {
  port.on("message", async ({ id, event, requestId, deadline }: ToWorker) => {
    const context = {
      ...data.context,
      functionVersion: "$LATEST",
      awsRequestId: requestId,
      logStreamName: "local",
      callbackWaitsForEmptyEventLoop: true,
      getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
      done: () => undefined,
      fail: () => undefined,
      succeed: () => undefined,
    };
    let result: unknown;
    try {
      result = await run(handler, event, context);
    } catch (e) {
      post({ id, error: toWire(e) });
      return;
    }
    try {
      post({ id, result });
    } catch (e) {
      post({ id, error: { name: "TypeError", message: `the handler returned a value that cannot be serialised: ${(e as Error).message}` } });
    }
  });
  post({ ready: true });
}
