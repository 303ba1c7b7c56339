/**
 * The content-hash cache of `hdoc build`. A function's input hash covers every source file esbuild
 * read for it (metafile inputs outside node_modules, by content), its package.json, the lock entry
 * of every installed package it bundled (version + integrity), and the build options. The manifest
 * remembers the inputs of the last good build, so deciding "unchanged" reads only those files.
 *
 * Files are hashed through `FileDigests` (digests.ts), lock entries read through `LockIndex`
 * (lock-index.ts). The outputs are checked too: the manifest records the digest of every file of
 * each artifact, and an artifact that is missing or differs is rebuilt (artifacts.ts).
 *
 * Artifacts are built in a temporary folder beside their final place and renamed in only on
 * success; the manifest is written (atomically) once every function is done. A failed build removes the function's entry
 * and its old artifact, so nothing stale is ever taken as up to date.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import path from "node:path";
import { decidingFiles, ResolutionReads, sourceFolders } from "../fs/resolution-inputs.ts";
import type { FunctionInfo, StackNode } from "../cfn/templates.ts";
import type { NotBuilt } from "./discovery.ts";
import { writeFileAtomic } from "../fs/atomic-write.ts";
import { sha256Hex, type FileDigests, type FileStamp } from "./digests.ts";
import type { LockIndex, LockMemo } from "./lock-index.ts";

export { FileDigests, RACY_MS, sha256Hex, sortedByKey, type FileStamp } from "./digests.ts";
export { classifyInputs, LockIndex, packageDirOf, type LockMemo } from "./lock-index.ts";

/** 2: entries record their artifact's files (outputs). */
export const MANIFEST_VERSION = 2;

export interface ManifestEntry {
  id: string;
  template: string;
  logicalId: string;
  runtime: string;
  /** Artifact folder, relative to the build folder. */
  artifact: string;
  hash: string;
  /** Source files read by the last good build, relative to the repository. */
  inputs: string[];
  /** Installed packages bundled (folder relative to the repository, e.g. node_modules/yaml). */
  packages: string[];
  /** Each file of the artifact (relative to it) and its sha256, as built. */
  outputs: Record<string, string>;
  size: number;
  buildMs: number;
  builtAt: string;
}

export interface BuildManifest {
  version: number;
  functions: Record<string, ManifestEntry>;
}

/** A JSON state file of this version whose `key` holds an object; anything else (missing, unreadable, older) starts over. */
function readVersioned<T extends { version: number }>(file: string, version: number, key: keyof T, fresh: () => T): T {
  try {
    const v = JSON.parse(readFileSync(file, "utf8")) as T;
    if (v.version === version && v[key] && typeof v[key] === "object") return v;
  } catch {
    // missing or unreadable: start over
  }
  return fresh();
}

export const readManifest = (file: string): BuildManifest =>
  readVersioned<BuildManifest>(file, MANIFEST_VERSION, "functions", () => ({ version: MANIFEST_VERSION, functions: {} }));

export const CACHE_VERSION = 1;

/** What `hdoc build` remembers between runs besides the manifest; every part is checked before use. */
export interface BuildCache {
  version: number;
  /** Stamp and digest of every file looked at by the last build (keys relative to the repository). */
  files: Record<string, FileStamp>;
  /** The parsed discovery, valid while every template it read has the digest recorded here. */
  discovery?: { key: string; templates: Record<string, string>; stacks: StackNode[]; functions: FunctionInfo[]; skipped?: NotBuilt[] };
  /** Per function, the text its input hash was last taken of and that hash (equal text: no need to hash again). */
  inputs?: Record<string, { material: string; hash: string }>;
  /** Lock entries per lock folder (see LockIndex). */
  locks?: LockMemo;
  /** The rewritten templates written last: for which input (key), their digests, the original files they point at. */
  written?: { key: string; outputs: Record<string, string>; refs: string[]; /** Local paths left as written because they did not exist. */ absent?: string[]; /** What the templates' edits left undone (one line each). */ warnings?: string[] };
}

export const readBuildCache = (file: string): BuildCache =>
  readVersioned<BuildCache>(file, CACHE_VERSION, "files", () => ({ version: CACHE_VERSION, files: {} }));

/** The cache and the manifest are checked before they are trusted, so they are written without fsync (see AtomicWriteOptions.durable). */
export const writeBuildCache = (file: string, c: BuildCache | string): Promise<void> => writeFileAtomic(file, typeof c === "string" ? c : JSON.stringify(c), { mode: 0o644, durable: false });

export const writeManifest = (file: string, m: BuildManifest): Promise<void> => writeFileAtomic(file, JSON.stringify(m, null, 2) + "\n", { mode: 0o644, durable: false });

export interface HashInput {
  repoRoot: string;
  /** Everything about the build that is not a file: runtime, handler, options, tool versions. */
  options: Record<string, unknown>;
  /** Source files, relative to the repository. */
  sources: string[];
  /** Installed package folders, relative to the repository. */
  packages: string[];
  /** Folders whose package-lock.json is consulted (the function's, the repository's). */
  lockDirs: string[];
  /** The function's package.json (hashed even when esbuild did not read it). */
  packageJson?: string;
  locks: LockIndex;
  digests: FileDigests;
  /** The folder listings and tsconfig files read for this build, shared by its functions (none: read for this call). */
  reads?: ResolutionReads;
}

/** The text an input hash is taken of: options, package.json, every source with its digest, every bundled package's lock entry. */
export function inputMaterial(i: HashInput): string {
  let m = JSON.stringify(i.options);
  if (i.packageJson) m += `\0pkg\0${i.digests.digest(i.packageJson)}`;
  for (const f of i.sources) m += `\0src\0${f}\0${i.digests.digest(f)}`;
  // what decides how the imports resolve (resolution-inputs.ts): a new file there can change the bundle
  const abs = i.sources.map((f) => path.resolve(i.repoRoot, f));
  const rel = (f: string) => (f.startsWith(i.repoRoot + path.sep) ? f.slice(i.repoRoot.length + 1) : path.relative(i.repoRoot, f));
  const reads = i.reads ?? new ResolutionReads();
  for (const d of sourceFolders(abs, i.repoRoot)) m += `\0dir\0${rel(d)}\0${reads.listing(d)}`;
  for (const f of decidingFiles(abs, i.packageJson ? path.resolve(i.repoRoot, path.dirname(i.packageJson)) : undefined, i.repoRoot, reads)) m += `\0cfg\0${rel(f)}\0${i.digests.digest(f)}`;
  for (const p of i.packages) m += `\0dep\0${i.locks.entry(p, i.lockDirs)}`;
  return m;
}

export const inputHash = (i: HashInput): string => sha256Hex(inputMaterial(i));

/**
 * Reads and digests ahead what a function's input material needs whatever its bundle turns out to
 * hold (its package.json, its entry file, the folders and files that decide how the entry's imports
 * resolve, the lock files), so that `hdoc build` does it while esbuild bundles instead of after. It
 * is all remembered by `digests`, `reads` and `locks`; a digest taken while esbuild runs is taken no
 * later than one taken after it, so it is never staler than before.
 */
export function readInputsAhead(i: Omit<HashInput, "options" | "packages">): void {
  inputMaterial({ ...i, options: {}, packages: [] });
  i.locks.prepare(i.lockDirs);
}

/** A fresh temporary folder's name beside `finalDir` (same file system, so the rename is atomic), not yet made. */
export const stagingPath = (finalDir: string): string => `${finalDir}.tmp-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;

/** A fresh temporary folder beside `finalDir`, made. */
export function stagingDir(finalDir: string): string {
  const dir = stagingPath(finalDir);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** Moves a finished artifact into place, replacing the previous one. */
export function promote(staging: string, finalDir: string): void {
  const old = `${finalDir}.old-${process.pid}`;
  const replacing = existsSync(finalDir);
  if (replacing) renameSync(finalDir, old);
  renameSync(staging, finalDir);
  if (replacing) rmSync(old, { recursive: true, force: true });
}

/** Removes a failed build's staging folder and the stale artifact it was meant to replace. */
export function discard(staging: string | undefined, finalDir: string): void {
  if (staging) rmSync(staging, { recursive: true, force: true });
  rmSync(finalDir, { recursive: true, force: true });
}
