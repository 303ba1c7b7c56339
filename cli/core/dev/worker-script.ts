/**
 * Where a worker thread of `hdoc dev` starts from. The worker scripts are ordinary modules of this
 * tree (linted and type-checked like the rest): the built CLI has each as an entry of its own beside
 * the chunks (scripts/build-cli.mjs), and running from the sources (the tests) compiles one with
 * esbuild on first use and starts it from a data: URL, so no file is written for it.
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

export type WorkerScript = "function-worker" | "dynamo-worker";

/** Sources, relative to this module. */
const SOURCES: Record<WorkerScript, string> = {
  "function-worker": "./runtime/function-worker.ts",
  "dynamo-worker": "./dynamo-worker.ts",
};

const compiled = new Map<WorkerScript, Promise<URL>>();

/** The URL to pass to `new Worker()` for a worker script. */
export function workerScript(name: WorkerScript): Promise<URL> {
  if (typeof HDOC_BUNDLED !== "undefined" && HDOC_BUNDLED) {
    // This module is in dist/cli/chunks/ (every dev module is loaded lazily), and so are the workers.
    const built = new URL(`./${name}.js`, import.meta.url);
    if (!existsSync(fileURLToPath(built))) return Promise.reject(new Error(`hdoc is not fully built: ${fileURLToPath(built)} is missing (run npm run build)`));
    return Promise.resolve(built);
  }
  let p = compiled.get(name);
  if (!p) compiled.set(name, (p = compile(name)));
  return p;
}

async function compile(name: WorkerScript): Promise<URL> {
  const { build } = await import("esbuild");
  const r = await build({
    entryPoints: [fileURLToPath(new URL(SOURCES[name], import.meta.url))],
    bundle: true,
    write: false,
    format: "esm",
    platform: "node",
    target: "node20",
    logLevel: "silent",
  });
  return new URL(`data:text/javascript,${encodeURIComponent(r.outputFiles[0]!.text)}`);
}
