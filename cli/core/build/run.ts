/**
 * `hdoc build` without the command line: discover every function from the templates, decide from
 * the content-hash cache which ones need building, build those in parallel (bounded), write the
 * rewritten templates when every function has a current artifact, and the manifest last.
 *
 * A build where nothing changed reads no source it has seen before and loads neither esbuild, the
 * YAML library nor node:crypto: the build cache (cache.json in the build folder) remembers each
 * file's stamp and digest (see FileDigests), the parsed discovery keyed by the digests of every
 * template read, the text each function's input hash was taken of, and the digests of the
 * templates it wrote. Each is checked before it is trusted.
 */
import { existsSync, rmSync } from "node:fs";
import path from "node:path";
import { HdocError } from "../../errors.ts";
import type { FunctionInfo, StackNode } from "../cfn/templates.ts";
import type { DiscoveredProblem, NotBuilt } from "./discovery.ts";
import { bundleNodeFunction, FunctionBuildError, isNodeRuntime } from "./bundler.ts";
export { installedEsbuildVersion } from "./bundler.ts";
import { buildPythonFunction, isPythonRuntime, pythonSources, type RunCommand } from "./python.ts";
import {
  classifyInputs, discard, FileDigests, folderSize, inputMaterial, LockIndex, sha256Hex, sortedByKey, promote, readBuildCache, readManifest, stagingDir, writeBuildCache, writeManifest,
  type BuildCache, type BuildManifest, type ManifestEntry,
} from "./cache.ts";
import { artifactDirOf, CACHE_FILE, MANIFEST_FILE, removeTemplates, templateOutFile, writeTemplates } from "./output.ts";

/** Bumped when the artifact layout or bundling changes, so old caches are not trusted. */
export const BUILD_FORMAT = 1;
/**
 * Part of the keys of the cached discovery and written templates: in the built CLI this module's
 * file name carries a content hash that changes with its code and the chunks it imports, so a new
 * hdoc never trusts what an older one parsed or wrote.
 */
const CODE_ID = import.meta.url;

export interface BuildRequest {
  repoRoot: string;
  /** Root template (absolute). */
  template: string;
  /** Build folder (absolute). */
  outDir: string;
  /** --function names (logical id or nested id); empty = all. */
  only: string[];
  clean: boolean;
  bundleAwsSdk: boolean;
  concurrency: number;
  /** Runs a subprocess (pip), returning exit code and combined output. */
  run: RunCommand;
  esbuildVersion: string;
  onEvent?(e: BuildEvent): void;
  /** Monotonic milliseconds, for build times. */
  now?(): number;
  /** Wall-clock milliseconds, compared with file times to decide which file stamps can be trusted. */
  clock?(): number;
}

export type FunctionStatus = "built" | "cached" | "failed" | "stale";

export interface FunctionReport {
  id: string;
  logicalId: string;
  /** Template, relative to the repository. */
  template: string;
  runtime: string;
  status: FunctionStatus;
  /** Artifact folder, relative to the repository. */
  artifact?: string;
  hash?: string;
  size?: number;
  ms?: number;
  error?: string;
  details?: string[];
}

export type BuildEvent =
  | { type: "plan"; total: number; toBuild: number }
  | { type: "start"; id: string }
  | { type: "done"; report: FunctionReport };

export interface BuildReport {
  root: string;
  outDir: string;
  /** Root template written (relative to the repository), when every function is current. */
  template?: string;
  templates: string[];
  functions: FunctionReport[];
  /** Problems not tied to one function (a nested stack without Location, a template that does not parse). */
  problems: string[];
  /** Functions hdoc does not build (image, s3, inline, zip), left as the template says: warnings. */
  notBuilt: NotBuilt[];
  ok: boolean;
  /** How much the build cache saved: discovery taken from it, and how many files had to be read and hashed. */
  cache: { discovery: boolean; filesHashed: number };
}

/** Picks the functions named by --function (logical id when unambiguous, or the nested id). */
export function selectFunctions(functions: FunctionInfo[], names: string[]): Set<string> {
  if (!names.length) return new Set(functions.map((f) => f.id));
  const picked = new Set<string>();
  for (const name of names) {
    const exact = functions.find((f) => f.id === name);
    const byLogical = functions.filter((f) => f.logicalId === name);
    if (exact) picked.add(exact.id);
    else if (byLogical.length === 1) picked.add(byLogical[0]!.id);
    else if (byLogical.length > 1) {
      throw new HdocError("USAGE", `--function ${name} matches ${byLogical.length} functions: ${byLogical.map((f) => f.id).join(", ")}`, "name it by its nested id, e.g. --function " + byLogical[0]!.id);
    } else {
      throw new HdocError("NOT_FOUND", `--function ${name}: no such function in the templates`, `known functions: ${functions.map((f) => f.id).join(", ") || "none"} (hdoc build --list)`);
    }
  }
  return picked;
}

async function pool<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
}

/** What discovery found, and whether it came from the cache. */
interface Discovered {
  stacks: StackNode[];
  functions: FunctionInfo[];
  skipped: NotBuilt[];
  problems: DiscoveredProblem[];
  fromCache: boolean;
}

/**
 * The functions of the templates: from the cache when every template it read still has the same
 * digest and every function's code is still there; else parsed (and remembered when there was no
 * problem and every template had been still long enough for its stamp to be trusted).
 */
async function discover(req: BuildRequest, cache: BuildCache, digests: FileDigests): Promise<Discovered> {
  const key = JSON.stringify([BUILD_FORMAT, CODE_ID, req.repoRoot, req.template]);
  const c = cache.discovery;
  if (c?.key === key && Object.entries(c.templates).every(([f, sha]) => digests.digest(f) === sha) && c.functions.every((f) => existsSync(f.codeDir))) {
    return { stacks: c.stacks, functions: c.functions, skipped: c.skipped ?? [], problems: [], fromCache: true };
  }
  const { loadFunctions } = await import("./discovery.ts");
  const d = loadFunctions(req.repoRoot, req.template);
  const templates = Object.fromEntries(d.stacks.map((s) => [path.relative(req.repoRoot, s.file), digests.digest(s.file)]));
  if (d.problems.length === 0 && d.stacks.every((s) => digests.isStill(s.file))) {
    cache.discovery = { key, templates, stacks: d.stacks, functions: d.functions, skipped: d.skipped };
  } else delete cache.discovery;
  return { ...d, fromCache: false };
}

export async function runBuild(req: BuildRequest): Promise<BuildReport> {
  const now = req.now ?? (() => performance.now());
  const rel = (f: string) => path.relative(req.repoRoot, f);
  if (req.clean) rmSync(req.outDir, { recursive: true, force: true });
  const cacheFile = path.join(req.outDir, CACHE_FILE);
  const cache = readBuildCache(cacheFile);
  const cacheBefore = JSON.stringify(cache);
  const digests = new FileDigests(req.repoRoot, cache.files, req.clock);
  const { stacks, functions, skipped, problems, fromCache } = await discover(req, cache, digests);
  const selected = selectFunctions(functions, req.only);
  const manifestFile = path.join(req.outDir, MANIFEST_FILE);
  const manifest: BuildManifest = readManifest(manifestFile);
  const manifestBefore = JSON.stringify(manifest);
  const locks = new LockIndex(req.repoRoot, digests, cache.locks);

  const reports: FunctionReport[] = [];
  // A function whose definition has a problem (missing CodeUri, path outside the repository...) fails.
  for (const p of problems) {
    if (!p.id) continue;
    reports.push({ id: p.id, logicalId: p.logicalId ?? p.id, template: p.template, runtime: "", status: "failed", error: p.text });
    delete manifest.functions[p.id];
  }
  const stackProblems = problems.filter((p) => !p.id).map((p) => p.text);

  const optionsOf = (fn: FunctionInfo) => ({
    format: BUILD_FORMAT, runtime: fn.runtime, handler: fn.handler, architectures: fn.architectures,
    ...(isNodeRuntime(fn.runtime) ? { esbuild: req.esbuildVersion, bundleAwsSdk: req.bundleAwsSdk, minify: true, sourcemap: true } : {}),
  });
  const lockDirs = (fn: FunctionInfo) => [fn.codeDir, req.repoRoot];
  const packageJson = (fn: FunctionInfo) => path.join(fn.codeDir, "package.json");
  const knownInputs = cache.inputs ?? {};
  const inputs: NonNullable<BuildCache["inputs"]> = {};
  const hashOf = (fn: FunctionInfo, sources: string[], packages: string[]) => {
    const material = inputMaterial({ repoRoot: req.repoRoot, options: optionsOf(fn), sources, packages, lockDirs: lockDirs(fn), packageJson: packageJson(fn), locks, digests });
    const known = knownInputs[fn.id];
    const hash = known?.material === material ? known.hash : sha256Hex(material);
    inputs[fn.id] = { material, hash };
    return hash;
  };

  const relTemplate = new Map(stacks.map((s) => [s.file, rel(s.file)]));
  const base = (fn: FunctionInfo): Omit<FunctionReport, "status"> => ({ id: fn.id, logicalId: fn.logicalId, template: relTemplate.get(fn.template) ?? rel(fn.template), runtime: fn.runtime });
  const isCurrent = (fn: FunctionInfo): ManifestEntry | undefined => {
    const prev = manifest.functions[fn.id];
    if (!prev || !existsSync(path.join(req.outDir, prev.artifact))) return undefined;
    const sources = isPythonRuntime(fn.runtime) ? pythonSources(fn.codeDir).map(rel) : prev.inputs;
    return hashOf(fn, sources, prev.packages) === prev.hash ? prev : undefined;
  };

  const todo: FunctionInfo[] = [];
  for (const fn of functions) {
    const prev = isCurrent(fn);
    if (prev) {
      const r: FunctionReport = { ...base(fn), status: "cached", artifact: rel(path.join(req.outDir, prev.artifact)), hash: prev.hash, size: prev.size, ms: 0 };
      reports.push(r);
    } else if (selected.has(fn.id)) todo.push(fn);
    else reports.push({ ...base(fn), status: "stale", error: "not built (not selected by --function and out of date)" });
  }
  req.onEvent?.({ type: "plan", total: reports.length + todo.length, toBuild: todo.length });
  for (const r of reports) req.onEvent?.({ type: "done", report: r });

  await pool(todo, req.concurrency, async (fn) => {
    req.onEvent?.({ type: "start", id: fn.id });
    const started = now();
    const finalDir = artifactDirOf(req.outDir, fn.id);
    let staging: string | undefined;
    let report: FunctionReport;
    try {
      let sources: string[], packages: string[];
      staging = stagingDir(finalDir);
      if (isNodeRuntime(fn.runtime)) {
        const r = await bundleNodeFunction(fn, staging, { repoRoot: req.repoRoot, bundleAwsSdk: req.bundleAwsSdk, minify: true, sourcemap: true });
        ({ sources, packages } = classifyInputs(r.inputs, req.repoRoot));
      } else if (isPythonRuntime(fn.runtime)) {
        const r = await buildPythonFunction(fn, staging, req.run);
        sources = r.inputs.map(rel);
        packages = [];
      } else {
        throw new FunctionBuildError(`unsupported runtime ${fn.runtime} (hdoc builds nodejs*.x and python3.* functions)`);
      }
      const hash = hashOf(fn, sources, packages);
      const size = folderSize(staging);
      promote(staging, finalDir);
      const ms = Math.round(now() - started);
      manifest.functions[fn.id] = {
        id: fn.id, template: rel(fn.template), logicalId: fn.logicalId, runtime: fn.runtime, artifact: path.relative(req.outDir, finalDir),
        hash, inputs: sources, packages, size, buildMs: ms, builtAt: new Date().toISOString(),
      };
      report = { ...base(fn), status: "built", artifact: rel(finalDir), hash, size, ms };
    } catch (e) {
      discard(staging, finalDir);
      delete manifest.functions[fn.id];
      const details = e instanceof FunctionBuildError ? e.details : [];
      const message = e instanceof Error ? e.message : String(e);
      report = { ...base(fn), status: "failed", error: `${rel(fn.template)} ${fn.logicalId}: ${message}`, details, ms: Math.round(now() - started) };
    }
    reports.push(report);
    req.onEvent?.({ type: "done", report });
  });

  // Forget functions that are no longer in the templates.
  const known = new Set(functions.map((f) => f.id));
  for (const id of Object.keys(manifest.functions)) if (!known.has(id)) delete manifest.functions[id];

  const order = new Map<string, number>();
  for (const id of [...functions.map((f) => f.id), ...reports.map((r) => r.id)]) if (!order.has(id)) order.set(id, order.size);
  reports.sort((a, b) => (order.get(a.id) ?? 0) - (order.get(b.id) ?? 0));
  const allCurrent = reports.every((r) => r.status === "built" || r.status === "cached") && stackProblems.length === 0;
  let templates: string[] = [];
  if (allCurrent) {
    // The rewritten templates depend only on the templates read, the build folder and whether the
    // local files they point back at exist: skip writing them when all of that and the written files are as last time.
    const key = JSON.stringify([BUILD_FORMAT, CODE_ID, req.outDir, stacks.map((s) => [s.file, digests.digest(s.file)])]);
    const w = cache.written;
    if (w?.key === key && Object.entries(w.outputs).every(([f, sha]) => digests.digest(f) === sha) && w.refs.every((f) => existsSync(f))) {
      templates = stacks.map((s) => templateOutFile(req.outDir, s.path));
    } else {
      try {
        const { TemplateEditor } = await import("../cfn/template-edit.ts");
        const written = writeTemplates(stacks, functions, req.outDir, (text, file) => new TemplateEditor(text, file));
        templates = written.files;
        const outputs = Object.fromEntries(written.files.map((f) => [path.relative(req.repoRoot, f), digests.digest(f)]));
        cache.written = { key, outputs, refs: written.refs };
      } catch (e) {
        stackProblems.push((e as Error).message);
        removeTemplates(req.outDir);
        delete cache.written;
      }
    }
  } else {
    removeTemplates(req.outDir);
    delete cache.written;
  }
  if (JSON.stringify(manifest) !== manifestBefore || !existsSync(manifestFile)) writeManifest(manifestFile, manifest);
  cache.inputs = sortedByKey(inputs);
  cache.locks = locks.memo();
  cache.files = digests.stamps();
  if (JSON.stringify(cache) !== cacheBefore) writeBuildCache(cacheFile, cache);
  const ok = allCurrent && stackProblems.length === 0;
  return {
    root: req.repoRoot,
    outDir: req.outDir,
    template: templates.length ? rel(templateOutFile(req.outDir, [])) : undefined,
    templates: templates.map(rel),
    functions: reports,
    problems: stackProblems,
    notBuilt: skipped,
    ok,
    cache: { discovery: fromCache, filesHashed: digests.hashed },
  };
}
