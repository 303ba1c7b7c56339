/**
 * `hdoc build` without the command line: discover every function from the templates, decide from
 * the content-hash cache which ones need building, build those in parallel (bounded), write the
 * rewritten templates when every function has a current artifact, and the manifest last.
 *
 * A build where nothing changed reads no source it has seen before, parses no template and loads no
 * esbuild: the build cache (cache.json in the build folder) remembers each
 * file's stamp and digest (see FileDigests), the parsed discovery keyed by the digests of every
 * template read, the text each function's input hash was taken of, and the digests of the
 * templates it wrote. Each is checked before it is trusted.
 */
import { existsSync, rmSync } from "node:fs";
import path from "node:path";
import type { FunctionInfo } from "../cfn/templates.ts";
import { discover, pool } from "./planning.ts";
import type { BuildReport, BuildRequest, FunctionReport } from "./report.ts";
export type { BuildEvent, BuildReport, BuildRequest, FunctionReport, FunctionStatus } from "./report.ts";
import { removeBuildLeftovers, setBuildFolderAside } from "./leftovers.ts";
import { lockPathFor, withLock, type LockOptions } from "../fs/lock.ts";
import { selectFunctions } from "./select.ts";
export { selectFunctions } from "./select.ts";
import { bundledByEsbuild, bundleNodeFunction, FunctionBuildError, isNodeRuntime, resolveEntry, startEsbuildService, type NodeBuildOptions } from "./bundler.ts";
import { rememberBuild, startEarly, type EarlyBundle } from "./early-bundle.ts";
import { bundleGroups } from "./bundle-groups.ts";
export { installedEsbuildVersion } from "./bundler.ts";
import { buildPythonFunction, isPythonRuntime, pythonSources } from "./python.ts";
import { buildWithMake, makefileOf, makeSources } from "./makefile.ts";
import {
  classifyInputs, discard, FileDigests, inputMaterial, LockIndex, sha256Hex, sortedByKey, promote, readBuildCache, readInputsAhead, readManifest, stagingDir, writeBuildCache, writeManifest,
  type BuildCache, type BuildManifest, type ManifestEntry,
} from "./cache.ts";
import { artifactChange, recordArtifact } from "./artifacts.ts";
import { ResolutionReads } from "../fs/resolution-inputs.ts";
import { effectiveBuildProperties } from "./source-map-option.ts";
import { codeDirOutside, outsideRepository } from "./containment.ts";
import { artifactDirOf, CACHE_FILE, MANIFEST_FILE, removeTemplates, renderTemplates, templateOutFile, writeRendered, type RenderedTemplates } from "./output.ts";

/** Bumped when the artifact layout or bundling changes, so old caches are not trusted. */
export const BUILD_FORMAT = 1;
/**
 * Part of the keys of the cached discovery and written templates: in the built CLI a digest of its
 * sources (scripts/build-cli.mjs), the same in both entries (main.js, build-main.js), so a new hdoc
 * never trusts what an older one parsed or wrote; from the sources, this module's URL.
 */
const CODE_ID = typeof HDOC_CODE_ID === "string" ? HDOC_CODE_ID : import.meta.url;

/**
 * One build at a time per build folder: a second waits for the first (a note names it: pid, what,
 * since when) or, with `wait: false`, fails at once; a lock left by a killed build is taken over.
 */
export async function runBuild(req: BuildRequest): Promise<BuildReport> {
  const options: LockOptions = { purpose: "build", waitMs: req.wait === false ? 0 : (req.waitMs ?? 10 * 60_000), note: req.note, cleanup: req.cleanup };
  const clock = req.clock ?? Date.now;
  const started = clock();
  const now = req.now ?? (() => performance.now());
  // in the build server: the functions edited since its last build are bundled from now on (early-bundle.ts)
  const early = req.warm && !req.clean ? startEarly(req.outDir, nodeOptionsOf(req), now) : undefined;
  return withLock(lockPathFor(req.outDir), options, () => buildLocked(req, now, { early, started, locked: now() }));
}

/** How every Node.js function of a build is bundled (BuildProperties aside). */
const nodeOptionsOf = (req: BuildRequest): NodeBuildOptions => ({ repoRoot: req.repoRoot, bundleAwsSdk: req.bundleAwsSdk, minify: true, sourcemap: "linked" });

/** A build run by the build server: its early bundle, and when it started (wall clock: what the next one compares file times with). */
interface WarmStart {
  early?: EarlyBundle;
  started: number;
  /** When the lock was taken (monotonic): a function's build time counts from then at the earliest. */
  locked: number;
}

async function buildLocked(req: BuildRequest, now: () => number, warm: WarmStart): Promise<BuildReport> {
  const rel = (f: string) => path.relative(req.repoRoot, f);
  // --clean: the old build folder is set aside at once and removed while esbuild bundles (or at the
  // end); one that cannot be removed stays beside the build folder, and the next build removes it.
  const aside = req.clean ? setBuildFolderAside(req.outDir) : undefined;
  let removed = !aside;
  const removeAside = () => {
    if (removed) return;
    removed = true;
    try {
      rmSync(aside!, { recursive: true, force: true });
    } catch {
      // left for the next build (see removeBuildLeftovers)
    }
  };
  try {
    return await buildIn(req, now, rel, removeAside, warm);
  } finally {
    removeAside();
  }
}

async function buildIn(req: BuildRequest, now: () => number, rel: (f: string) => string, removeAside: () => void, warm: WarmStart): Promise<BuildReport> {
  if (!req.clean) for (const f of removeBuildLeftovers(req.outDir)) req.note?.(`removed ${f}, left by a build that was stopped`);
  const manifestFile = path.join(req.outDir, MANIFEST_FILE);
  const manifest: BuildManifest = readManifest(manifestFile);
  const manifestBefore = JSON.stringify(manifest);
  // Nothing built before: every function will be bundled, so esbuild's service starts now, beside discovery.
  if (Object.keys(manifest.functions).length === 0) startEsbuildService();
  const cacheFile = path.join(req.outDir, CACHE_FILE);
  const cache = readBuildCache(cacheFile);
  const cacheBefore = JSON.stringify(cache);
  const digests = new FileDigests(req.repoRoot, cache.files, req.clock);
  const { stacks, functions, skipped, problems, fromCache, reads } = await discover({ format: BUILD_FORMAT, codeId: CODE_ID, repoRoot: req.repoRoot, template: req.template, parameters: req.parameters }, cache, digests);
  const selected = selectFunctions(functions, req.only);
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
    format: BUILD_FORMAT, runtime: fn.runtime, handler: fn.handler, architectures: fn.architectures, buildMethod: fn.buildMethod,
    ...(isNodeRuntime(fn.runtime) ? { esbuild: req.esbuildVersion, bundleAwsSdk: req.bundleAwsSdk, minify: true, sourcemap: true, buildProperties: effectiveBuildProperties(fn) } : {}),
  });
  const lockDirs = (fn: FunctionInfo) => [fn.codeDir, req.repoRoot];
  const packageJson = (fn: FunctionInfo) => path.join(fn.codeDir, "package.json");
  const knownInputs = cache.inputs ?? {};
  // one read per folder listing and tsconfig.json for the whole build, whatever the number of functions sharing them
  const resolution = new ResolutionReads();
  const inputs: NonNullable<BuildCache["inputs"]> = {};
  const hashOf = (fn: FunctionInfo, sources: string[], packages: string[]) => {
    const material = inputMaterial({ repoRoot: req.repoRoot, options: optionsOf(fn), sources, packages, lockDirs: lockDirs(fn), packageJson: packageJson(fn), locks, digests, reads: resolution });
    const known = knownInputs[fn.id];
    const hash = known?.material === material ? known.hash : sha256Hex(material);
    inputs[fn.id] = { material, hash };
    return hash;
  };

  const relTemplate = new Map(stacks.map((s) => [s.file, rel(s.file)]));
  const base = (fn: FunctionInfo): Omit<FunctionReport, "status"> => ({ id: fn.id, logicalId: fn.logicalId, template: relTemplate.get(fn.template) ?? rel(fn.template), runtime: fn.runtime });
  /** The manifest entry when the function's artifact is current, else why it must be built. */
  const isCurrent = (fn: FunctionInfo): { prev: ManifestEntry } | { reason: string; artifact?: boolean } => {
    const prev = manifest.functions[fn.id];
    if (!prev) return { reason: "not built before" };
    const sources = fn.buildMethod === "makefile" ? makeSources(fn.codeDir, makefileOf(fn)).map(rel) : isPythonRuntime(fn.runtime) ? pythonSources(fn.codeDir).map(rel) : prev.inputs;
    if (hashOf(fn, sources, prev.packages) !== prev.hash) return { reason: "sources changed" };
    const change = artifactChange(path.join(req.outDir, prev.artifact), prev.outputs, digests);
    return change ? { reason: change, artifact: true } : { prev };
  };

  const todo: FunctionInfo[] = [];
  const why = new Map<string, string>();
  for (const fn of functions) {
    const outside = codeDirOutside(fn.codeDir, req.repoRoot);
    if (outside) {
      reports.push({ ...base(fn), status: "failed", error: `${rel(fn.template)} ${fn.logicalId}: ${outside}` });
      delete manifest.functions[fn.id];
      continue;
    }
    const current = isCurrent(fn);
    const prev = "prev" in current ? current.prev : undefined;
    if ("reason" in current && current.artifact) why.set(fn.id, current.reason);
    if (prev) {
      const r: FunctionReport = { ...base(fn), status: "cached", artifact: rel(path.join(req.outDir, prev.artifact)), hash: prev.hash, size: prev.size, ms: 0 };
      reports.push(r);
    } else if (selected.has(fn.id)) {
      // the first function to bundle: esbuild's service starts now, while the others are checked
      if (bundledByEsbuild(fn)) startEsbuildService();
      todo.push(fn);
    } else reports.push({ ...base(fn), status: "stale", error: "not built (not selected by --function and out of date)" });
  }
  req.onEvent?.({ type: "plan", total: reports.length + todo.length, toBuild: todo.length });
  for (const r of reports) req.onEvent?.({ type: "done", report: r });

  // The rewritten templates depend only on the templates read, the build folder and whether the
  // local files they point back at exist (and those left as written still do not): when all of
  // that and the written files are as last time, they are not written again. Otherwise they are rendered while esbuild bundles (see renderTemplates).
  // (the parameters decide the templates' warnings: a NODE_OPTIONS from a parameter that enables source maps needs none)
  const templateKey = JSON.stringify([BUILD_FORMAT, CODE_ID, req.outDir, req.parameters ?? {}, stacks.map((s) => [s.file, digests.digest(s.file)])]);
  const w = cache.written;
  const templatesCurrent = w?.key === templateKey && Object.entries(w.outputs).every(([f, sha]) => digests.digest(f) === sha) && w.refs.every((f) => existsSync(f)) && (w.absent ?? []).every((f) => !existsSync(f));
  let rendering: Promise<RenderedTemplates | { error: string }> | undefined;
  const startRendering = () => {
    if (templatesCurrent || rendering) return;
    rendering = (async () => {
      try {
        const { TemplateEditor } = await import("../cfn/template-edit.ts");
        return renderTemplates(stacks, functions, req.outDir, (text, file) => new TemplateEditor(text, file, reads.get(file)));
      } catch (e) {
        return { error: (e as Error).message };
      }
    })();
  };

  /** What this thread does while esbuild bundles: the templates, what the input hashes will read, then the old build folder of --clean. */
  let readAhead = false;
  const whileBundling = () => {
    startRendering();
    void (rendering ?? Promise.resolve()).then(() => {
      if (!readAhead) {
        readAhead = true;
        for (const fn of todo) if (bundledByEsbuild(fn)) readEntryAhead(fn);
      }
      removeAside();
    });
  };
  const readEntryAhead = (fn: FunctionInfo) => {
    try {
      readInputsAhead({ repoRoot: req.repoRoot, sources: [rel(resolveEntry(fn).entry)], lockDirs: lockDirs(fn), packageJson: packageJson(fn), locks, digests, reads: resolution });
    } catch {
      // no entry: the bundle reports it
    }
  };

  // Node.js functions of one runtime and the same esbuild settings are bundled in one esbuild run per
  // group first (bundle-groups.ts); any that does not come out of it cleanly is bundled on its own below.
  const nodeOptions = nodeOptionsOf(req);
  const { prebuilt, bundledEarly } = await bundleGroups(todo, { outDir: req.outDir, options: nodeOptions, early: warm.early, locked: warm.locked, now, whileBundling });

  await pool(todo, req.concurrency, async (fn) => {
    req.onEvent?.({ type: "start", id: fn.id, reason: why.get(fn.id) });
    const done = prebuilt.get(fn.id);
    const started = now() - (done?.ms ?? 0);
    const finalDir = artifactDirOf(req.outDir, fn.id);
    let staging: string | undefined;
    let report: FunctionReport;
    try {
      let sources: string[], packages: string[];
      if (done) {
        staging = done.staging;
        ({ sources, packages } = classifyInputs(done.inputs, req.repoRoot));
      } else if (fn.buildMethod === "makefile") {
        staging = stagingDir(finalDir);
        const r = await buildWithMake(fn, staging, req.run);
        sources = r.inputs.map(rel);
        packages = [];
      } else if (isNodeRuntime(fn.runtime)) {
        staging = stagingDir(finalDir);
        const r = await bundleNodeFunction(fn, staging, nodeOptions);
        ({ sources, packages } = classifyInputs(r.inputs, req.repoRoot));
      } else if (isPythonRuntime(fn.runtime)) {
        staging = stagingDir(finalDir);
        const r = await buildPythonFunction(fn, staging, req.run);
        const out = outsideRepository(r.inputs, req.repoRoot);
        if (out.length) throw new FunctionBuildError(`${out[0]} is outside the repository (after following symlinks)`, out);
        sources = r.inputs.map(rel);
        packages = [];
      } else {
        throw new FunctionBuildError(`unsupported runtime ${fn.runtime} (hdoc builds nodejs*.x and python3.* functions)`);
      }
      const hash = hashOf(fn, sources, packages);
      promote(staging, finalDir);
      const { outputs, size } = recordArtifact(finalDir, digests);
      const ms = Math.round(now() - started);
      manifest.functions[fn.id] = {
        id: fn.id, template: rel(fn.template), logicalId: fn.logicalId, runtime: fn.runtime, artifact: path.relative(req.outDir, finalDir),
        hash, inputs: sources, packages, outputs, size, buildMs: ms, builtAt: new Date().toISOString(),
      };
      report = { ...base(fn), status: "built", artifact: rel(finalDir), hash, size, ms, ...(why.has(fn.id) ? { reason: why.get(fn.id) } : {}) };
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
  // The manifest is complete now: it is written while the templates are (each write atomic; the next
  // build checks every artifact and written template by its digest, so their order decides nothing).
  const manifestWritten = JSON.stringify(manifest) !== manifestBefore || !existsSync(manifestFile) ? writeManifest(manifestFile, manifest) : undefined;
  manifestWritten?.catch(() => undefined); // awaited below; not an unhandled rejection meanwhile
  let templates: string[] = [];
  let warnings: string[] = [];
  if (allCurrent && templatesCurrent) {
    templates = stacks.map((s) => templateOutFile(req.outDir, s.path));
    warnings = w?.warnings ?? [];
  } else if (allCurrent) {
    startRendering();
    const rendered = await rendering!;
    try {
      if ("error" in rendered) throw new Error(rendered.error);
      templates = await writeRendered(rendered, req.outDir);
      const outputs = Object.fromEntries(templates.map((f) => [path.relative(req.repoRoot, f), digests.fresh(f)]));
      cache.written = { key: templateKey, outputs, refs: rendered.refs, absent: rendered.absent, ...(rendered.warnings.length ? { warnings: rendered.warnings } : {}) };
      warnings = rendered.warnings;
    } catch (e) {
      templates = [];
      stackProblems.push((e as Error).message);
      removeTemplates(req.outDir);
      delete cache.written;
    }
  } else {
    removeTemplates(req.outDir);
    delete cache.written;
  }
  cache.inputs = sortedByKey(inputs);
  cache.locks = locks.memo();
  cache.files = digests.stamps();
  const cacheText = JSON.stringify(cache); // once: 1.4 MB at 400 functions
  const cacheWritten = cacheText !== cacheBefore ? writeBuildCache(cacheFile, cacheText) : undefined;
  cacheWritten?.catch(() => undefined); // awaited below
  await manifestWritten;
  await cacheWritten;
  const ok = allCurrent && stackProblems.length === 0;
  if (req.warm) rememberBuild(req.outDir, warm.started, nodeOptions, functions, manifest);
  return {
    root: req.repoRoot,
    outDir: req.outDir,
    template: templates.length ? rel(templateOutFile(req.outDir, [])) : undefined,
    templates: templates.map(rel),
    functions: reports,
    problems: stackProblems,
    notBuilt: skipped,
    warnings,
    ok,
    cache: { discovery: fromCache, filesHashed: digests.hashed, bundledEarly },
  };
}
