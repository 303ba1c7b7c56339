/**
 * In the build server (a process that runs one build after another): the bundle of the functions an
 * edit touched, started as the request comes in, before the lock, the build cache and the input
 * hashes that decide what to build. Those take the server 8–15 ms on the repository, and esbuild's
 * run for one handler about as long; started early, esbuild's run overlaps them.
 *
 * The guess is made from the last build this process ran into the same build folder: the Node.js
 * functions one of whose source files changed since that build started. The bundle is kept in
 * memory. The build uses it only for a bundling group that is exactly the guessed functions, with
 * the same definitions and options, and only when nothing the function's input hash is taken of
 * changed after the early run started: its sources, the folders that hold them (a file created or
 * removed there), its package.json, the package.json and tsconfig files that decide how imports
 * resolve, and the lock files. esbuild then read what the build's input hashes read. Anything else is
 * bundled as always and the early run is dropped unwritten.
 *
 * "After it started" is judged by the file system's own clock: the early run first writes a file of
 * its own in .hdoc/ and takes that file's time, so a coarse file system (whole seconds) or one whose
 * clock is another machine's (a network mount) compares like with like; a time within
 * CLOCK_MARGIN_MS before it counts as after.
 */
import { mkdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { OutputFile } from "esbuild";
import type { FunctionInfo } from "../cfn/templates.ts";
import { bundledByEsbuild, bundleGroupKey, bundleTogether, type NodeBuildOptions, type NodeBuildResult } from "./bundler.ts";
import { stagingPath, type BuildManifest } from "./cache.ts";
import { artifactDirOf } from "./output.ts";
import { decidingFiles, inNodeModules, sourceFolders } from "../fs/resolution-inputs.ts";

/** A file or folder changed less than this before the early run's start (on the file system's clock) counts as changed after it. */
export const CLOCK_MARGIN_MS = 50;
/** The file whose time is the early run's start (in the repository's .hdoc folder). */
export const CLOCK_FILE = path.join(".hdoc", "early-bundle.clock");

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
  const bundled = functions.filter(bundledByEsbuild);
  last.set(outDir, { startedAt, options: JSON.stringify(options), functions: bundled, sources: new Map(bundled.flatMap((fn) => (manifest.functions[fn.id] ? [[fn.id, manifest.functions[fn.id]!.inputs]] : []))) });
}

/** When a file or folder last changed (its content, or for a folder its entries); Infinity when it is not there. */
const changedAt = (file: string): number => {
  const st = statSync(file, { throwIfNoEntry: false });
  return st ? Math.max(st.mtimeMs, st.ctimeMs) : Infinity;
};

/** The file system's time now, as the repository's file system stamps a file written now; undefined when it cannot be written. */
function fileSystemNow(repoRoot: string): number | undefined {
  const file = path.join(repoRoot, CLOCK_FILE);
  try {
    writeFileSync(file, "the time the build server's early bundle started (cli/core/build/early-bundle.ts)\n");
    return statSync(file).mtimeMs;
  } catch {
    return undefined;
  }
}

/** The functions and options a bundle is for, as one comparable text. */
const keyOf = (fns: FunctionInfo[], options: NodeBuildOptions) => JSON.stringify([options, [...fns].sort((a, b) => (a.id < b.id ? -1 : 1))]);

export interface EarlyBundle {
  key: string;
  /** When it started, on the file system's clock (what the function's inputs must not have changed since). */
  fsStart: number;
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
export function startEarly(outDir: string, options: NodeBuildOptions, now: () => number): EarlyBundle | undefined {
  const prev = last.get(outDir);
  if (!prev || prev.options !== JSON.stringify(options)) return undefined;
  const seen = new Map<string, number>(); // one look per file, however many functions share it
  const time = (rel: string) => seen.get(rel) ?? seen.set(rel, changedAt(path.resolve(options.repoRoot, rel))).get(rel)!;
  const touched = prev.functions.filter((fn) => {
    const sources = prev.sources.get(fn.id);
    return !sources || sources.some((rel) => time(rel) >= prev.startedAt);
  });
  if (!touched.length || new Set(touched.map((fn) => bundleGroupKey(fn, options))).size !== 1) return undefined;
  const fsStart = fileSystemNow(options.repoRoot);
  if (fsStart === undefined) return undefined;
  const stagings = new Map(touched.map((fn) => [fn.id, stagingPath(artifactDirOf(outDir, fn.id))]));
  const files: OutputFile[] = [];
  const running = bundleTogether(touched, (fn) => stagings.get(fn.id)!, path.join(outDir, "functions"), options, undefined, files).catch(() => undefined);
  return { key: keyOf(touched, options), fsStart, started: now(), stagings, files, running };
}

/**
 * Whether anything the function's input hash is taken of (cache.ts inputMaterial) may have changed
 * since `since`: its sources, their folders, its package.json, the files that decide how imports
 * resolve (and the folders that would hold them), the lock files. A source that is gone counts as changed.
 */
function inputsChangedSince(fn: FunctionInfo, inputs: string[], repoRoot: string, since: number): boolean {
  const sources = inputs.filter((f) => !inNodeModules(f));
  const files = [...decidingFiles(sources, fn.codeDir, repoRoot), ...[fn.codeDir, repoRoot].map((d) => path.join(d, "package-lock.json"))];
  const folders = new Set([...sourceFolders(sources, repoRoot), ...files.map((f) => path.dirname(f))]);
  if (sources.some((f) => changedAt(f) >= since)) return true;
  // (one that is not there was not read; creating it changes its folder, looked at below)
  if (files.some((f) => { const t = changedAt(f); return t !== Infinity && t >= since; })) return true;
  return [...folders].some((d) => changedAt(d) >= since);
}

/** Writes a function's files of the early bundle into its staging folder (as esbuild writes them); false when that fails. */
function writeStaging(files: OutputFile[], staging: string): boolean {
  try {
    for (const out of files) {
      if (!out.path.startsWith(staging + path.sep)) continue;
      mkdirSync(path.dirname(out.path), { recursive: true, mode: 0o755 });
      writeFileSync(out.path, out.contents, { mode: 0o644 });
    }
    return true;
  } catch {
    rmSync(staging, { recursive: true, force: true });
    return false;
  }
}

/**
 * The early bundle for `group` when it is the one started (same functions, definitions and options):
 * its staging folders and a promise of its results, for which the files are written to those
 * folders. A function is left out (and bundled as always) when anything its input hash is taken of
 * changed after the early run started, or its files cannot be written; undefined when the early
 * bundle is another.
 */
export function takeEarly(early: EarlyBundle | undefined, group: FunctionInfo[], options: NodeBuildOptions): { stagings: Map<string, string>; started: number; results: Promise<Map<string, NodeBuildResult> | undefined> } | undefined {
  if (!early || early.key !== keyOf(group, options)) return undefined;
  const results = early.running.then((all) => {
    if (!all) return undefined;
    const since = early.fsStart - CLOCK_MARGIN_MS;
    const kept = new Map<string, NodeBuildResult>();
    for (const fn of group) {
      const r = all.get(fn.id);
      if (!r || inputsChangedSince(fn, r.inputs, options.repoRoot, since)) continue;
      if (writeStaging(early.files, early.stagings.get(fn.id)!)) kept.set(fn.id, r);
    }
    return kept;
  });
  return { stagings: early.stagings, started: early.started, results };
}
