/**
 * The one esbuild configuration of a Node.js function, used by `hdoc build` (minified, linked source
 * map, written to the artifact folder) and `hdoc dev` (inline source map, kept in memory) alike, so
 * both refuse the same undeclared import and the same file outside the repository.
 *
 * The bundle is ESM written as `<handler module>.mjs`, so the Lambda Node.js runtime (which looks for
 * .js, .mjs then .cjs) loads it as an ES module without a package.json next to it: ESM keeps
 * `import` of the runtime's AWS SDK v3 working, allows top-level await during init and tree-shakes
 * better than CommonJS. A `createRequire` banner lets bundled CommonJS dependencies still
 * `require()` Node built-ins. A function with `BuildMethod: esbuild` gets what its BuildProperties
 * say, as the SAM CLI reads them (esbuild-properties.ts): CommonJS as `<handler module>.js` by default.
 */
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import path from "node:path";
import type { BuildFailure, BuildOptions, Message, Metafile, OutputFile } from "esbuild";
import type { FunctionInfo } from "../cfn/templates.ts";
import { declaredDependenciesPlugin, DependencyRule, undeclaredImporters } from "./declared-dependencies.ts";
import { outsideFiles, outsideRepository } from "./containment.ts";
import { entryPointsOf, handlerFile, splitHandler as splitHandlerText } from "../cfn/handler-file.ts";
import { bundleSettings, outputFileFor, type BundleSettings } from "./esbuild-properties.ts";
import { FunctionBuildError } from "./function-build-error.ts";
export { FunctionBuildError } from "./function-build-error.ts";

export interface NodeBuildOptions {
  repoRoot: string;
  /** Bundle @aws-sdk/* and @smithy/* instead of using the runtime's copy. */
  bundleAwsSdk: boolean;
  minify: boolean;
  /** "linked" for deployment (a .map beside the bundle), "inline" for hdoc dev, false for none. */
  sourcemap: "linked" | "inline" | false;
  /** hdoc dev: unminified with an inline map whatever BuildProperties say. */
  readable?: boolean;
}

export interface NodeBuildResult {
  /** Files esbuild read, absolute. */
  inputs: string[];
  warnings: string[];
}

const NODE_TARGET = /^nodejs(\d+)\.x$/;
export const isNodeRuntime = (runtime: string): boolean => NODE_TARGET.test(runtime);
/** Whether esbuild bundles the function: a Node.js function without `BuildMethod: makefile`. */
export const bundledByEsbuild = (fn: Pick<FunctionInfo, "runtime" | "buildMethod">): boolean => isNodeRuntime(fn.runtime) && fn.buildMethod !== "makefile";
/** nodejs22.x -> node22. */
export function esbuildTarget(runtime: string): string {
  const m = NODE_TARGET.exec(runtime);
  if (!m) throw new FunctionBuildError(`unsupported runtime ${runtime}`);
  return `node${m[1]}`;
}

/**
 * The version of the esbuild that `esbuild()` loads: its package.json in the nearest node_modules
 * above this module, which is where Node's resolution finds a bare specifier (esbuild declares no
 * "exports"). A few stat calls, where loading esbuild or asking the
 * resolver costs milliseconds, and a fully cached build needs only the version.
 */
export function installedEsbuildVersion(from: string = path.dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const file = path.join(dir, "node_modules", "esbuild", "package.json");
    if (existsSync(file)) return (JSON.parse(readFileSync(file, "utf8")) as { version: string }).version;
    if (path.dirname(dir) === dir) throw new FunctionBuildError("esbuild is not installed (run npm ci)");
  }
}

/**
 * esbuild, loaded with require(): it is a CommonJS package, and `import()` of one first scans its
 * source for the names it exports (milliseconds that a build pays for nothing). Synchronous, so
 * `startEsbuildService` can start the service before this thread goes on with synchronous work.
 */
const esbuild = (): typeof import("esbuild") => createRequire(import.meta.url)("esbuild") as typeof import("esbuild");

let serviceStarted = false;

/** Starts esbuild's service process now, so that it is up by the time the first bundle is asked for (once per process). */
export function startEsbuildService(): void {
  if (serviceStarted) return;
  serviceStarted = true;
  try {
    esbuild().initialize({}).catch(() => undefined);
  } catch {
    // already started, or esbuild is missing: the first bundle reports that
  }
}

export const AWS_SDK_EXTERNALS = ["@aws-sdk/*", "@smithy/*"];
/** Splits a Handler ("src/handler.handler") into its module path and exported name. */
export function splitHandler(handler: string): { module: string; exportName: string } {
  const split = splitHandlerText(handler);
  if (!split) throw new FunctionBuildError(`Handler ${JSON.stringify(handler)} is not <file>.<export>`);
  return split;
}

/** The handler's source file (handler-file.ts: the one rule build, dev and the checks share). */
export function resolveEntry(fn: Pick<FunctionInfo, "codeDir" | "handler" | "runtime" | "buildProperties">): { entry: string; module: string; exportName: string } {
  const r = handlerFile({ ...fn, entryPoints: entryPointsOf(fn.buildProperties) });
  if ("error" in r) throw new FunctionBuildError(r.error);
  return { entry: r.file, module: r.module, exportName: r.exportName };
}

/** esbuild messages as "file:line:col: text" (the location relative to the repository). */
export function formatMessages(messages: Message[], repoRoot: string): string[] {
  return messages.map((m) => {
    const loc = m.location ? `${path.relative(repoRoot, path.resolve(repoRoot, m.location.file))}:${m.location.line}:${m.location.column + 1}: ` : "";
    return `${loc}${m.text}`;
  });
}

/** The options that vary between functions (BuildProperties for `BuildMethod: esbuild`, else hdoc's). */
export function bundleSettingsOf(fn: FunctionInfo, opts: NodeBuildOptions): BundleSettings {
  const s = bundleSettings(fn, { target: esbuildTarget(fn.runtime), minify: opts.minify, sourcemap: opts.sourcemap, external: opts.bundleAwsSdk ? [] : AWS_SDK_EXTERNALS });
  return opts.readable ? { ...s, minify: false, sourcemap: "inline" } : s;
}

/** Functions with the same key can be bundled in one esbuild run; undefined when the settings are invalid. */
export function bundleGroupKey(fn: FunctionInfo, opts: NodeBuildOptions): string | undefined {
  try {
    return JSON.stringify([fn.runtime, bundleSettingsOf(fn, opts)]);
  } catch {
    return undefined;
  }
}

const REQUIRE_BANNER = "import{createRequire as __hdocCreateRequire}from'node:module';const require=__hdocCreateRequire(import.meta.url);";

/** What a SAM function's BuildProperties.External leaves to the runtime (exempt from the declared-dependency rule, as in `sam build`). */
const templateExternals = (s: BundleSettings): string[] => (s.flavour === "sam" ? s.external : []);

/** The base configuration: everything but where the output goes. */
export function esbuildOptions(fn: FunctionInfo, entry: string, opts: NodeBuildOptions): BuildOptions {
  const s = bundleSettingsOf(fn, opts);
  return {
    absWorkingDir: opts.repoRoot,
    entryPoints: [entry],
    bundle: true,
    platform: "node",
    format: s.format,
    target: s.target,
    // The SAM CLI leaves resolution, sourcesContent and legal comments at esbuild's defaults.
    ...(s.flavour === "hdoc" ? { mainFields: ["module", "main"], conditions: ["module", "node"], sourcesContent: false, legalComments: "none" as const } : {}),
    treeShaking: true,
    minify: s.minify,
    sourcemap: s.sourcemap,
    external: s.external,
    metafile: true,
    logLevel: "silent",
    ...(s.banner !== undefined ? { banner: { js: s.banner } } : s.format === "esm" ? { banner: { js: REQUIRE_BANNER } } : {}),
    plugins: [declaredDependenciesPlugin(fn, opts.repoRoot, s.external, templateExternals(s))],
  };
}

/** Runs one bundle; throws FunctionBuildError with every message, a missing export, or a file outside the repository. */
async function bundle(fn: FunctionInfo, opts: NodeBuildOptions, output: Pick<BuildOptions, "outfile" | "outdir" | "write">): Promise<{ metafile: Metafile; warnings: Message[]; code?: string; entry: string; module: string }> {
  const { build } = esbuild();
  const { entry, module, exportName } = resolveEntry(fn);
  let result;
  try {
    result = await build({ ...esbuildOptions(fn, entry, opts), ...output });
  } catch (e) {
    const failure = e as BuildFailure;
    if (!Array.isArray(failure.errors)) throw e;
    const lines = formatMessages(failure.errors, opts.repoRoot);
    const first = failure.errors[0];
    const summary = first?.pluginName === "hdoc-declared-dependencies" ? "undeclared dependency" : "compile error";
    throw new FunctionBuildError(`${summary}: ${lines[0] ?? "esbuild failed"}${lines.length > 1 ? ` (+${lines.length - 1} more)` : ""}`, lines);
  }
  const metafile = result.metafile!;
  const outside = outsideRepository(Object.keys(metafile.inputs).map((f) => path.resolve(opts.repoRoot, f)), opts.repoRoot);
  if (outside.length) {
    throw new FunctionBuildError(`${outside[0]} is outside the repository (after following symlinks)${outside.length > 1 ? ` (+${outside.length - 1} more)` : ""}`, outside);
  }
  const out = Object.entries(metafile.outputs).find(([, o]) => o.entryPoint !== undefined);
  const exports = out ? exportsOf(metafile, out[0], result.outputFiles?.find((f) => !f.path.endsWith(".map"))?.text, opts.repoRoot) : [];
  if (exports && !exports.includes(exportName)) {
    throw new FunctionBuildError(`${path.relative(opts.repoRoot, entry)} does not export "${exportName}" (Handler ${fn.handler}; it exports: ${exports.join(", ") || "nothing"})`);
  }
  return { metafile, warnings: result.warnings, code: result.outputFiles?.find((f) => !f.path.endsWith(".map"))?.text, entry, module };
}

/**
 * The names a bundle exports: esbuild's metafile lists them for ESM only; a CommonJS bundle of ES
 * modules ends with `0 && (module.exports = {...})` for Node's export detection (absent when there
 * are no named exports). Undefined when it cannot be known (a CommonJS entry sets module.exports at run time).
 */
function exportsOf(metafile: Metafile, file: string, code: string | undefined, repoRoot: string): string[] | undefined {
  const out = metafile.outputs[file]!;
  if (out.exports.length || file.endsWith(".mjs")) return out.exports;
  if (metafile.inputs[out.entryPoint ?? ""]?.format !== "esm") return undefined;
  const text = code ?? readFileSync(path.resolve(repoRoot, file), "utf8");
  const names = [...text.matchAll(/0\s*&&\s*\(module\.exports\s*=\s*\{([^}]*)\}\)/g)].at(-1)?.[1];
  return names === undefined ? [] : names.split(",").map((n) => n.trim()).filter(Boolean);
}

const inputsOf = (metafile: Metafile, repoRoot: string) => Object.keys(metafile.inputs).map((f) => path.resolve(repoRoot, f));

/** Bundles one Node.js function into `artifactDir` (hdoc build). */
export async function bundleNodeFunction(fn: FunctionInfo, artifactDir: string, opts: NodeBuildOptions): Promise<NodeBuildResult> {
  const { module } = resolveEntry(fn);
  const r = await bundle(fn, opts, { outfile: path.join(artifactDir, outputFileFor(module, bundleSettingsOf(fn, opts).format)) });
  return { inputs: inputsOf(r.metafile, opts.repoRoot), warnings: formatMessages(r.warnings, opts.repoRoot) };
}

/** Bundles one Node.js function in memory (hdoc dev): the code, its entry and export, and the files it read. */
export async function bundleInMemory(fn: FunctionInfo, opts: Omit<NodeBuildOptions, "minify" | "sourcemap">, outDir: string): Promise<{ code: string; format: BundleSettings["format"]; entry: string; exportName: string; inputs: string[] }> {
  const readable: NodeBuildOptions = { ...opts, minify: false, sourcemap: "inline", readable: true };
  const r = await bundle(fn, readable, { write: false, outdir: outDir });
  return { code: r.code ?? "", format: bundleSettingsOf(fn, readable).format, entry: r.entry, exportName: splitHandler(fn.handler).exportName, inputs: inputsOf(r.metafile, opts.repoRoot) };
}

/** Every file a bundle read, from its entry through the metafile's import graph (keys as esbuild writes them). */
function closureOf(metafile: Metafile, start: string): string[] {
  const seen = new Set([start]);
  const stack = [start];
  while (stack.length) {
    for (const imp of metafile.inputs[stack.pop()!]?.imports ?? []) {
      if (imp.external || seen.has(imp.path) || !metafile.inputs[imp.path]) continue;
      seen.add(imp.path);
      stack.push(imp.path);
    }
  }
  return [...seen];
}

/**
 * Bundles several functions of one Node.js runtime in a single esbuild run (each its own entry
 * point, no shared chunks: every artifact stands alone), so the code they share is parsed once and
 * esbuild spreads the work over the cores. `dirOf` gives each function's staging folder, all under
 * `root`. `whileRunning` is called once the run is under way, for work that can overlap it.
 *
 * The declared-dependency rule and the repository boundary are checked on the metafile after the
 * run (one decision per file, not a call back into JavaScript per import). The result holds the
 * functions that came out clean; one whose bundle holds an undeclared import, a file outside the
 * repository or lacks its export is left out, and so is every function when the run fails: the
 * caller bundles those one by one, which names each function's own error where it is written.
 * With `inMemory`, nothing is written: the output files are pushed onto it (the build server's early
 * bundle, early-bundle.ts, writes them once the build takes them).
 */
export async function bundleTogether(fns: FunctionInfo[], dirOf: (fn: FunctionInfo) => string, root: string, opts: NodeBuildOptions, whileRunning?: () => void, inMemory?: OutputFile[]): Promise<Map<string, NodeBuildResult> | undefined> {
  // One run, one configuration: functions of another runtime or other BuildProperties are bundled in a run of their own.
  if (new Set(fns.map((f) => bundleGroupKey(f, opts))).size !== 1 || !bundleGroupKey(fns[0]!, opts)) return undefined;
  const { build } = esbuild();
  let entries;
  try {
    entries = fns.map((fn) => ({ fn, ...resolveEntry(fn) }));
  } catch {
    return undefined;
  }
  const key = (abs: string) => path.relative(opts.repoRoot, abs).split(path.sep).join("/");
  const base = esbuildOptions(fns[0]!, entries[0]!.entry, opts);
  let metafile: Metafile;
  let warnings: Message[];
  try {
    const running = build({
      ...base,
      entryPoints: entries.map((e) => ({ in: e.entry, out: path.relative(root, path.join(dirOf(e.fn), e.module)) })),
      outdir: root,
      ...(base.format === "esm" ? { outExtension: { ".js": ".mjs" } } : {}),
      plugins: [],
      // kept in memory (`inMemory` receives the files, which early-bundle.ts writes later) instead of written
      ...(inMemory ? { write: false } : {}),
    });
    // Without plugins esbuild needs nothing more from this thread until it is done.
    whileRunning?.();
    const done = await running;
    metafile = done.metafile!;
    warnings = done.warnings;
    if (inMemory) inMemory.push(...(done.outputFiles ?? []));
  } catch {
    return undefined;
  }
  // Each file read once: its absolute path, whether it imports something undeclared, whether it lies outside (real paths).
  const abs = new Map(Object.keys(metafile.inputs).map((k) => [k, path.resolve(opts.repoRoot, k)]));
  const absOf = (k: string) => abs.get(k) ?? path.resolve(opts.repoRoot, k);
  const undeclared = undeclaredImporters(metafile, new DependencyRule(fns, opts.repoRoot, base.external ?? [], templateExternals(bundleSettingsOf(fns[0]!, opts))), opts.repoRoot, absOf);
  const outsideAbs = new Set(outsideFiles([...abs.values()], opts.repoRoot));
  const outside = new Set([...abs].filter(([, a]) => outsideAbs.has(a)).map(([k]) => k));
  const outputOf = new Map<string, string>(); // entry point -> its output file
  for (const [file, o] of Object.entries(metafile.outputs)) if (o.entryPoint !== undefined) outputOf.set(o.entryPoint, file);
  const results = new Map<string, NodeBuildResult>();
  for (const e of entries) {
    const start = key(e.entry);
    if (!metafile.inputs[start]) continue;
    const files = closureOf(metafile, start);
    if (files.some((f) => undeclared.has(f) || outside.has(f))) continue;
    const file = outputOf.get(start);
    const exports = file && exportsOf(metafile, file, inMemory?.find((f) => f.path === path.resolve(opts.repoRoot, file))?.text, opts.repoRoot);
    if (!file || (exports && !exports.includes(e.exportName))) continue;
    // each function gets the warnings about the files in its bundle, as when bundled alone (found in review: dropped)
    const own = new Set(files);
    const mine = warnings.filter((w) => !w.location || own.has(w.location.file.split(path.sep).join("/")));
    results.set(e.fn.id, { inputs: files.map(absOf), warnings: formatMessages(mine, opts.repoRoot) });
  }
  return results;
}

