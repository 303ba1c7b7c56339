/**
 * In the build server (a process that runs one build after another): the bundle of the functions an
 * edit touched, started as the request comes in, before the lock, the build cache and the input
 * hashes that decide what to build. Those take the server 8–15 ms on the repository, and esbuild's
 * run for one handler about as long; started early, esbuild's run overlaps them.
 *
 * The guess is made from the last build this process ran into the same build folder: the Node.js
 * functions one of whose source files changed since that build started. The bundle is kept in
 * memory. The build uses it only for a bundling group that is exactly the guessed functions, with
 * the same definitions and options, and only when no file the bundle read (nor the function's
 * package.json) changed after the early run started, with a margin for the file system's coarse
 * clock: esbuild then read what the build's input hashes read. Anything else is bundled as always and
 * the early run is dropped unwritten.
 */
import { mkdirSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { OutputFile } from "esbuild";
import type { FunctionInfo } from "../cfn/templates.ts";
import { bundleGroupKey, bundleTogether, isNodeRuntime, type NodeBuildOptions, type NodeBuildResult } from "./bundler.ts";
import { stagingPath, type BuildManifest } from "./cache.ts";
import { artifactDirOf } from "./output.ts";

/**
 * File times come from the kernel's coarse clock (one tick behind at most, 10 ms at 100 Hz): a file
 * changed less than this before the early run started counts as changed after it.
 */
export const CLOCK_MARGIN_MS = 50;

interface LastBuild {
  /** Wall-clock time the build started: a file changed since then may need building. */
  startedAt: number;
  options: string;
  functions: FunctionInfo[];
  /** Each function's source files as the manifest lists them (relative to the repository). */
  sources: Map<string, string[]>;
}

/** The last build of each build folder run by this process. */
const last = new Map<string, LastBuild>();

/** What the next build of `outDir` in this process can start early from (the build server calls it after each build). */
export function rememberBuild(outDir: string, startedAt: number, options: NodeBuildOptions, functions: FunctionInfo[], manifest: BuildManifest): void {
  const bundled = functions.filter((fn) => isNodeRuntime(fn.runtime) && fn.buildMethod !== "makefile");
  last.set(outDir, { startedAt, options: JSON.stringify(options), functions: bundled, sources: new Map(bundled.flatMap((fn) => (manifest.functions[fn.id] ? [[fn.id, manifest.functions[fn.id]!.inputs]] : []))) });
}

const changedAt = (file: string): number => {
  const st = statSync(file, { throwIfNoEntry: false });
  return st ? Math.max(st.mtimeMs, st.ctimeMs) : Infinity;
};

/** The functions and options a bundle is for, as one comparable text. */
const keyOf = (fns: FunctionInfo[], options: NodeBuildOptions) => JSON.stringify([options, [...fns].sort((a, b) => (a.id < b.id ? -1 : 1))]);

export interface EarlyBundle {
  key: string;
  /** Wall-clock time it started (the files it read must not have changed since). */
  wallStart: number;
  /** Monotonic time it started (the build's own clock, for the functions' build times). */
  started: number;
  stagings: Map<string, string>;
  files: OutputFile[];
  running: Promise<Map<string, NodeBuildResult> | undefined>;
}

/**
 * Starts the bundle of the functions changed since the last build of `outDir` in this process, when
 * there are some and they can be bundled in one run; undefined otherwise.
 */
export function startEarly(outDir: string, options: NodeBuildOptions, clock: () => number, now: () => number): EarlyBundle | undefined {
  const prev = last.get(outDir);
  if (!prev || prev.options !== JSON.stringify(options)) return undefined;
  const wallStart = clock();
  const touched = prev.functions.filter((fn) => {
    const sources = prev.sources.get(fn.id);
    return !sources || sources.some((rel) => changedAt(path.resolve(options.repoRoot, rel)) >= prev.startedAt);
  });
  if (!touched.length || new Set(touched.map((fn) => bundleGroupKey(fn, options))).size !== 1) return undefined;
  const stagings = new Map(touched.map((fn) => [fn.id, stagingPath(artifactDirOf(outDir, fn.id))]));
  const files: OutputFile[] = [];
  const running = bundleTogether(touched, (fn) => stagings.get(fn.id)!, path.join(outDir, "functions"), options, undefined, files).catch(() => undefined);
  return { key: keyOf(touched, options), wallStart, started: now(), stagings, files, running };
}

/**
 * The early bundle for `group` when it is the one started (same functions, definitions and options):
 * its staging folders and a promise of its results, for which the files are written to those
 * folders. A function is left out (and bundled as always) when a file its bundle read or its
 * package.json changed after the early run started; undefined when the early bundle is another.
 */
export function takeEarly(early: EarlyBundle | undefined, group: FunctionInfo[], options: NodeBuildOptions): { stagings: Map<string, string>; started: number; results: Promise<Map<string, NodeBuildResult> | undefined> } | undefined {
  if (!early || early.key !== keyOf(group, options)) return undefined;
  const results = early.running.then((all) => {
    if (!all) return undefined;
    const since = early.wallStart - CLOCK_MARGIN_MS;
    const kept = new Map<string, NodeBuildResult>();
    for (const fn of group) {
      const r = all.get(fn.id);
      if (!r) continue;
      // (an input deleted since counts as changed; a package.json that is not there was not read)
      const sources = r.inputs.filter((f) => !f.split(path.sep).includes("node_modules"));
      const packageJson = changedAt(path.join(fn.codeDir, "package.json"));
      if (sources.some((f) => changedAt(f) >= since) || (packageJson !== Infinity && packageJson >= since)) continue;
      const staging = early.stagings.get(fn.id)! + path.sep;
      for (const out of early.files) {
        if (!out.path.startsWith(staging)) continue;
        mkdirSync(path.dirname(out.path), { recursive: true });
        // the mode esbuild writes its files with
        writeFileSync(out.path, out.contents, { mode: 0o644 });
      }
      kept.set(fn.id, r);
    }
    return kept;
  });
  return { stagings: early.stagings, started: early.started, results };
}
