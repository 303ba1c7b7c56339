/**
 * The one answer to "which file does this Handler name?", used by the build (bundler), `hdoc dev`
 * (the runtime) and the template checks, so the three never disagree.
 *
 * Node.js: "<module>.<export>" where <module> is a path under CodeUri and the file is the first of
 * HANDLER_EXTENSIONS that exists (sources before the .js/.mjs/.cjs the Lambda runtime itself looks for).
 * With `Metadata.BuildProperties.EntryPoints` (SAM's esbuild build), the entry point whose path
 * without extension is <module> (or the only one) is the file. Python: "<pkg>.<module>.<function>"
 * -> <pkg>/<module>.py.
 */
import { existsSync } from "node:fs";
import path from "node:path";

export const HANDLER_EXTENSIONS = [".ts", ".mts", ".cts", ".js", ".mjs", ".cjs"] as const;

export interface HandlerFile {
  /** Absolute path of the source file. */
  file: string;
  /** The module part of the Handler ("src/app" for "src/app.handler"). */
  module: string;
  exportName: string;
}

/** Splits "src/app.handler" into module and export; undefined when it is not "<file>.<export>". */
export function splitHandler(handler: string): { module: string; exportName: string } | undefined {
  const dot = handler.lastIndexOf(".");
  if (dot <= 0 || dot === handler.length - 1) return undefined;
  return { module: handler.slice(0, dot), exportName: handler.slice(dot + 1) };
}

const stripExt = (p: string) => p.replace(/\.[^./\\]+$/, "");

/** The file a function's Handler names, or why there is none. */
export function handlerFile(fn: { codeDir: string; handler: string; runtime: string; entryPoints?: string[] }): HandlerFile | { error: string } {
  const split = splitHandler(fn.handler);
  if (!split) return { error: `Handler ${JSON.stringify(fn.handler)} is not "<file>.<export>"` };
  const { module, exportName } = split;
  if (fn.runtime.startsWith("python")) {
    const file = path.join(fn.codeDir, module.replace(/\./g, "/") + ".py");
    return existsSync(file) ? { file, module, exportName } : { error: `Handler ${fn.handler}: no ${path.relative(fn.codeDir, file)} in ${fn.codeDir}` };
  }
  if (fn.entryPoints?.length) {
    const norm = (p: string) => path.normalize(p).split(path.sep).join("/").replace(/^\.\//, "");
    const match = fn.entryPoints.find((e) => norm(stripExt(e)) === norm(module)) ?? (fn.entryPoints.length === 1 ? fn.entryPoints[0] : undefined);
    if (!match) return { error: `Handler ${fn.handler}: no entry point of BuildProperties.EntryPoints (${fn.entryPoints.join(", ")}) is ${module}` };
    const file = path.resolve(fn.codeDir, match);
    return existsSync(file) ? { file, module, exportName } : { error: `Handler ${fn.handler}: entry point ${match} does not exist in ${fn.codeDir}` };
  }
  for (const ext of HANDLER_EXTENSIONS) {
    const file = path.join(fn.codeDir, module + ext);
    if (existsSync(file)) return { file, module, exportName };
  }
  return { error: `Handler ${fn.handler}: no ${module}{${HANDLER_EXTENSIONS.join(",")}} in ${fn.codeDir}` };
}

/** EntryPoints from Metadata.BuildProperties, when they are a list of strings. */
export function entryPointsOf(buildProperties: { [k: string]: unknown } | undefined): string[] | undefined {
  const e = buildProperties?.EntryPoints;
  return Array.isArray(e) && e.every((x) => typeof x === "string") ? (e as string[]) : undefined;
}
