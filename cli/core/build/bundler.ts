/**
 * One esbuild bundle per Node.js function. The bundle is ESM written as `<handler module>.mjs`, so
 * the Lambda Node.js runtime (which looks for .js, .mjs then .cjs) loads it as an ES module without
 * a package.json next to it: ESM keeps `import` of the runtime's AWS SDK v3 working, allows
 * top-level await during init and tree-shakes better than CommonJS. A `createRequire` banner lets
 * bundled CommonJS dependencies still `require()` Node built-ins.
 *
 * Every bare import must be declared in the package.json that owns the importing file (the
 * function's own package.json for its files; a workspace package's for that package's files);
 * anything else fails the build naming function, file and package.
 */
import { existsSync, readFileSync } from "node:fs";
import { builtinModules } from "node:module";
import { fileURLToPath } from "node:url";
import path from "node:path";
import type { BuildFailure, Message, Metafile, Plugin } from "esbuild";
import type { FunctionInfo } from "../cfn/templates.ts";
import { entryPointsOf, handlerFile, splitHandler as splitHandlerText } from "../cfn/handler-file.ts";

export interface NodeBuildOptions {
  repoRoot: string;
  /** Bundle @aws-sdk/* and @smithy/* instead of using the runtime's copy. */
  bundleAwsSdk: boolean;
  minify: boolean;
  sourcemap: boolean;
}

export interface NodeBuildResult {
  /** Files esbuild read, absolute. */
  inputs: string[];
  warnings: string[];
}

export class FunctionBuildError extends Error {
  constructor(message: string, readonly details: string[] = []) {
    super(message);
  }
}

const NODE_TARGET = /^nodejs(\d+)\.x$/;
export const isNodeRuntime = (runtime: string): boolean => NODE_TARGET.test(runtime);
/** nodejs22.x -> node22. */
export function esbuildTarget(runtime: string): string {
  const m = NODE_TARGET.exec(runtime);
  if (!m) throw new FunctionBuildError(`unsupported runtime ${runtime}`);
  return `node${m[1]}`;
}

/**
 * The version of the esbuild that bundleNodeFunction's `import("esbuild")` loads: its package.json in
 * the nearest node_modules above this module, which is where Node's ESM resolution finds a bare
 * specifier (esbuild declares no "exports"). A few stat calls, where loading esbuild or asking the
 * resolver costs milliseconds, and a fully cached build needs only the version.
 */
export function installedEsbuildVersion(from: string = path.dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const file = path.join(dir, "node_modules", "esbuild", "package.json");
    if (existsSync(file)) return (JSON.parse(readFileSync(file, "utf8")) as { version: string }).version;
    if (path.dirname(dir) === dir) throw new FunctionBuildError("esbuild is not installed (run npm ci)");
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

const BUILTINS = new Set(builtinModules);
/** "@scope/name/sub" -> "@scope/name"; "name/sub" -> "name"; undefined for relative, absolute, built-in. */
export function packageNameOf(specifier: string): string | undefined {
  if (specifier.startsWith(".") || specifier.startsWith("/") || specifier.startsWith("#") || specifier.startsWith("node:")) return undefined;
  const parts = specifier.split("/");
  const name = specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0]!;
  if (BUILTINS.has(name)) return undefined;
  return name;
}

interface Manifest {
  file: string | undefined;
  declared: Set<string>;
  dev: Set<string>;
}

function readManifest(file: string | undefined): Manifest {
  if (!file) return { file, declared: new Set(), dev: new Set() };
  const pkg = JSON.parse(readFileSync(file, "utf8")) as Record<string, Record<string, string> | undefined>;
  const keys = (k: string) => Object.keys(pkg[k] ?? {});
  return {
    file,
    declared: new Set([...keys("dependencies"), ...keys("optionalDependencies"), ...keys("peerDependencies"), String(pkg.name ?? "")]),
    dev: new Set(keys("devDependencies")),
  };
}

/**
 * The package.json that owns a file: the function's own one for files under its CodeUri (none means
 * nothing is declared), else the nearest one above the file inside the repository.
 */
function ownerManifest(file: string, codeDir: string, repoRoot: string): string | undefined {
  const inside = (dir: string, f: string) => !path.relative(dir, f).startsWith("..");
  if (inside(codeDir, file)) {
    const own = path.join(codeDir, "package.json");
    return existsSync(own) ? own : undefined;
  }
  for (let dir = path.dirname(file); inside(repoRoot, dir); dir = path.dirname(dir)) {
    const candidate = path.join(dir, "package.json");
    if (existsSync(candidate)) return candidate;
    if (dir === repoRoot || path.dirname(dir) === dir) break;
  }
  return undefined;
}

/** Fails the build on a bare import that the importing file's package.json does not declare. */
export function declaredDependenciesPlugin(fn: Pick<FunctionInfo, "id" | "codeDir">, repoRoot: string, externals: string[]): Plugin {
  const cache = new Map<string | undefined, Manifest>();
  const manifest = (file: string | undefined) => {
    let m = cache.get(file);
    if (!m) cache.set(file, (m = readManifest(file)));
    return m;
  };
  return {
    name: "hdoc-declared-dependencies",
    setup(build) {
      build.onResolve({ filter: /^[^./]/ }, (args) => {
        if (args.kind === "entry-point" || !args.importer || args.importer.includes(`${path.sep}node_modules${path.sep}`)) return undefined;
        const name = packageNameOf(args.path);
        if (!name) return undefined;
        const owner = manifest(ownerManifest(args.importer, fn.codeDir, repoRoot));
        if (owner.declared.has(name)) return undefined;
        const file = path.relative(repoRoot, args.importer);
        const where = owner.file ? path.relative(repoRoot, owner.file) : `${path.relative(repoRoot, path.join(fn.codeDir, "package.json"))} (missing)`;
        const isExternal = externals.some((e) => (e.endsWith("/*") ? name.startsWith(e.slice(0, -1)) : name === e));
        const why = owner.dev.has(name) ? "is only a devDependency in" : "is not declared in";
        const text = `${fn.id}: ${file} imports "${name}", which ${why} ${where}`;
        return { errors: [{ text, detail: isExternal ? "external" : undefined }] };
      });
    },
  };
}

/** esbuild messages as "file:line:col: text" (the location relative to the repository). */
export function formatMessages(messages: Message[], repoRoot: string): string[] {
  return messages.map((m) => {
    const loc = m.location ? `${path.relative(repoRoot, path.resolve(repoRoot, m.location.file))}:${m.location.line}:${m.location.column + 1}: ` : "";
    return `${loc}${m.text}`;
  });
}

export const outputFileFor = (module: string): string => `${module}.mjs`;

/** Bundles one Node.js function into `artifactDir`; throws FunctionBuildError with every message. */
export async function bundleNodeFunction(fn: FunctionInfo, artifactDir: string, opts: NodeBuildOptions): Promise<NodeBuildResult> {
  const { build } = await import("esbuild");
  const target = esbuildTarget(fn.runtime);
  const { entry, module, exportName } = resolveEntry(fn);
  const external = opts.bundleAwsSdk ? [] : AWS_SDK_EXTERNALS;
  const outfile = path.join(artifactDir, outputFileFor(module));
  let metafile: Metafile;
  let warnings: Message[];
  try {
    const result = await build({
      absWorkingDir: opts.repoRoot,
      entryPoints: [entry],
      outfile,
      bundle: true,
      platform: "node",
      format: "esm",
      target,
      mainFields: ["module", "main"],
      conditions: ["module", "node"],
      treeShaking: true,
      minify: opts.minify,
      sourcemap: opts.sourcemap ? "linked" : false,
      sourcesContent: false,
      legalComments: "none",
      external,
      metafile: true,
      logLevel: "silent",
      banner: { js: "import{createRequire as __hdocCreateRequire}from'node:module';const require=__hdocCreateRequire(import.meta.url);" },
      plugins: [declaredDependenciesPlugin(fn, opts.repoRoot, external)],
    });
    metafile = result.metafile;
    warnings = result.warnings;
  } catch (e) {
    const failure = e as BuildFailure;
    if (!Array.isArray(failure.errors)) throw e;
    const lines = formatMessages(failure.errors, opts.repoRoot);
    const first = failure.errors[0];
    const summary = first?.pluginName === "hdoc-declared-dependencies" ? "undeclared dependency" : "compile error";
    throw new FunctionBuildError(`${summary}: ${lines[0] ?? "esbuild failed"}${lines.length > 1 ? ` (+${lines.length - 1} more)` : ""}`, lines);
  }
  const output = Object.entries(metafile.outputs).find(([, o]) => o.entryPoint !== undefined);
  const exports = output?.[1].exports ?? [];
  if (!exports.includes(exportName)) {
    throw new FunctionBuildError(`${path.relative(opts.repoRoot, entry)} does not export "${exportName}" (Handler ${fn.handler}; it exports: ${exports.join(", ") || "nothing"})`);
  }
  return {
    inputs: Object.keys(metafile.inputs).map((f) => path.resolve(opts.repoRoot, f)),
    warnings: formatMessages(warnings, opts.repoRoot),
  };
}
