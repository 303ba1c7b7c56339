/**
 * The content-hash cache of `hdoc build`. A function's input hash covers every source file esbuild
 * read for it (metafile inputs outside node_modules, by content), its package.json, the lock entry
 * of every installed package it bundled (version + integrity), and the build options. The manifest
 * remembers the inputs of the last good build, so deciding "unchanged" reads only those files.
 *
 * Files are hashed through `FileDigests`: a file whose stamp (size, mtime, ctime, inode) matches
 * the one recorded with its digest is not read again; any other file is read and hashed. ctime
 * cannot be set back by a user (restoring mtime with `touch -d` moves it), and a stamp taken less than
 * RACY_MS after the file last changed is not recorded, so an edit within the same clock tick after
 * the look (git's "racy clean" case) is still caught by hashing next time.
 *
 * Artifacts are built in a temporary folder beside their final place and renamed in only on
 * success; the manifest is written last (atomically). A failed build removes the function's entry
 * and its old artifact, so nothing stale is ever taken as up to date.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync } from "node:fs";
import path from "node:path";
import type { FunctionInfo, StackNode } from "../cfn/templates.ts";
import type { NotBuilt } from "./discovery.ts";
import { writeFileAtomicSync } from "../fs/atomic-write.ts";

export const MANIFEST_VERSION = 1;

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
  written?: { key: string; outputs: Record<string, string>; refs: string[] };
}

export const readBuildCache = (file: string): BuildCache =>
  readVersioned<BuildCache>(file, CACHE_VERSION, "files", () => ({ version: CACHE_VERSION, files: {} }));

export const writeBuildCache = (file: string, c: BuildCache): void => writeFileAtomicSync(file, JSON.stringify(c), { mode: 0o644 });

export const writeManifest = (file: string, m: BuildManifest): void => writeFileAtomicSync(file, JSON.stringify(m, null, 2) + "\n", { mode: 0o644 });

const NM = `node_modules${path.sep}`;
/** The installed package folder a file belongs to ("…/node_modules/@s/n/x.js" -> "…/node_modules/@s/n"), if any. */
export function packageDirOf(file: string): string | undefined {
  const i = file.lastIndexOf(NM);
  if (i < 0) return undefined;
  const rest = file.slice(i + NM.length).split(path.sep);
  const name = rest[0]?.startsWith("@") ? rest.slice(0, 2) : rest.slice(0, 1);
  return file.slice(0, i + NM.length) + name.join(path.sep);
}

/** Splits esbuild's inputs into source files (hashed by content) and installed packages (hashed by lock entry). */
export function classifyInputs(inputs: string[], repoRoot: string): { sources: string[]; packages: string[] } {
  const sources = new Set<string>(), packages = new Set<string>();
  for (const abs of inputs) {
    const pkg = packageDirOf(abs);
    if (pkg) packages.add(path.relative(repoRoot, pkg));
    else sources.add(path.relative(repoRoot, abs));
  }
  return { sources: [...sources].sort(), packages: [...packages].sort() };
}

/** The same record with its keys in order, so that an unchanged cache serialises to the same text. */
export const sortedByKey = <T>(r: Record<string, T>): Record<string, T> => Object.fromEntries(Object.entries(r).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

type LockPackages = Record<string, { version?: string; integrity?: string; resolved?: string; link?: boolean }>;

/** Lock entries found per lock folder, valid while that package-lock.json has the digest recorded (null: not in that lock). */
export type LockMemo = Record<string, { digest: string; entries: Record<string, string | null> }>;

/**
 * What identifies each installed package, from the lock files. A lock file is parsed at most once
 * per build, and not at all when its digest is the one the remembered entries were read from.
 */
export class LockIndex {
  private readonly locks = new Map<string, LockPackages | null>();
  private readonly next: LockMemo = {};
  constructor(private readonly repoRoot: string, private readonly digests: FileDigests, private readonly known: LockMemo = {}) {}

  private lock(dir: string): LockPackages | null {
    if (!this.locks.has(dir)) {
      let pkgs: LockPackages | null = null;
      try {
        pkgs = (JSON.parse(readFileSync(path.join(dir, "package-lock.json"), "utf8")) as { packages?: LockPackages }).packages ?? null;
      } catch {
        pkgs = null;
      }
      this.locks.set(dir, pkgs);
    }
    return this.locks.get(dir)!;
  }

  private lookup(dir: string, pkgDir: string): string | null {
    const digest = this.digests.digest(path.join(dir, "package-lock.json"));
    if (digest === "missing") return null;
    let memo = this.next[dir];
    if (!memo) {
      const known = this.known[dir];
      memo = this.next[dir] = { digest, entries: known?.digest === digest ? { ...known.entries } : {} };
    }
    let e = memo.entries[pkgDir];
    if (e === undefined) {
      const key = path.relative(dir, path.resolve(this.repoRoot, pkgDir)).split(path.sep).join("/");
      const found = this.lock(dir)?.[key];
      memo.entries[pkgDir] = e = found ? `${key}@${found.version ?? ""}#${found.integrity ?? found.resolved ?? ""}` : null;
    }
    return e;
  }

  /** What identifies an installed package: its lock entry, else its package.json name and version. */
  entry(pkgDir: string, lockDirs: string[]): string {
    for (const dir of lockDirs) {
      const e = this.lookup(dir, pkgDir);
      if (e) return e;
    }
    try {
      const pkg = JSON.parse(readFileSync(path.resolve(this.repoRoot, pkgDir, "package.json"), "utf8")) as { name?: string; version?: string };
      return `${pkgDir}@${pkg.name ?? ""}@${pkg.version ?? ""}`;
    } catch {
      return `${pkgDir}@missing`;
    }
  }

  /** The lock entries to remember for the next build. */
  memo(): LockMemo {
    return sortedByKey(Object.fromEntries(Object.entries(this.next).map(([dir, m]) => [dir, { digest: m.digest, entries: sortedByKey(m.entries) }])));
  }
}

/**
 * SHA-256 in hex. node:crypto is loaded on first use: loading it costs a few milliseconds, which a
 * build with nothing to do does not pay (it compares stamps and remembered input texts instead).
 */
export function sha256Hex(data: string | Buffer): string {
  return process.getBuiltinModule("node:crypto").createHash("sha256").update(data).digest("hex");
}

/** What identifies a file's content without reading it, and the digest of that content. */
export interface FileStamp {
  size: number;
  mtimeMs: number;
  ctimeMs: number;
  ino: number;
  sha256: string;
}

/** A stamp is only recorded when the file last changed at least this long before it was taken. */
export const RACY_MS = 2000;

/**
 * Content digests of files with a stat-first fast path (see the module comment). One instance per
 * build: each file is looked at once; `stamps()` gives what to remember for the next build.
 */
export class FileDigests {
  private readonly memo = new Map<string, string>();
  private readonly next: Record<string, FileStamp> = {};
  /** Files actually read and hashed (the others were taken from their stamp). */
  hashed = 0;

  constructor(private readonly repoRoot: string, private readonly known: Record<string, FileStamp> = {}, private readonly clock: () => number = Date.now) {}

  /** The key of a file: its path relative to the repository (as the callers mostly pass it already). */
  private keyOf(file: string): string {
    return path.isAbsolute(file) ? path.relative(this.repoRoot, file) : path.normalize(file);
  }

  /** sha256 of the file's bytes (a path relative to the repository, or absolute), or "missing" when it is not a readable file. */
  digest(file: string): string {
    let d = this.memo.get(file);
    if (d === undefined) {
      const key = this.keyOf(file);
      d = this.memo.get(key);
      if (d === undefined) this.memo.set(key, (d = this.look(key)));
      this.memo.set(file, d);
    }
    return d;
  }

  private look(key: string): string {
    const abs = path.resolve(this.repoRoot, key);
    const st = statSync(abs, { throwIfNoEntry: false });
    if (!st?.isFile()) return "missing";
    const prev = this.known[key];
    const stamp = { size: st.size, mtimeMs: st.mtimeMs, ctimeMs: st.ctimeMs, ino: st.ino };
    let sha256: string;
    if (prev && prev.size === stamp.size && prev.mtimeMs === stamp.mtimeMs && prev.ctimeMs === stamp.ctimeMs && prev.ino === stamp.ino) {
      sha256 = prev.sha256;
    } else {
      try {
        sha256 = sha256Hex(readFileSync(abs));
      } catch {
        return "missing";
      }
      this.hashed++;
    }
    if (this.clock() - Math.max(stamp.mtimeMs, stamp.ctimeMs) >= RACY_MS) this.next[key] = { ...stamp, sha256 };
    return sha256;
  }

  /** Whether the file was looked at and had been still long enough for its stamp to be kept. */
  isStill(file: string): boolean {
    this.digest(file);
    return this.keyOf(file) in this.next;
  }

  /** The stamps worth keeping: every file looked at in this build that has been still long enough. */
  stamps(): Record<string, FileStamp> {
    return sortedByKey(this.next);
  }
}

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
}

/** The text an input hash is taken of: options, package.json, every source with its digest, every bundled package's lock entry. */
export function inputMaterial(i: HashInput): string {
  let m = JSON.stringify(i.options);
  if (i.packageJson) m += `\0pkg\0${i.digests.digest(i.packageJson)}`;
  for (const f of i.sources) m += `\0src\0${f}\0${i.digests.digest(f)}`;
  for (const p of i.packages) m += `\0dep\0${i.locks.entry(p, i.lockDirs)}`;
  return m;
}

export const inputHash = (i: HashInput): string => sha256Hex(inputMaterial(i));

/** Total bytes of every file under a folder. */
export function folderSize(dir: string): number {
  let total = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) total += folderSize(full);
    else if (e.isFile()) total += statSync(full).size;
  }
  return total;
}

/** A fresh temporary folder beside `finalDir` (same file system, so the rename is atomic). */
export function stagingDir(finalDir: string): string {
  const dir = `${finalDir}.tmp-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** Moves a finished artifact into place, replacing the previous one. */
export function promote(staging: string, finalDir: string): void {
  const old = `${finalDir}.old-${process.pid}`;
  if (existsSync(finalDir)) renameSync(finalDir, old);
  renameSync(staging, finalDir);
  rmSync(old, { recursive: true, force: true });
}

/** Removes a failed build's staging folder and the stale artifact it was meant to replace. */
export function discard(staging: string | undefined, finalDir: string): void {
  if (staging) rmSync(staging, { recursive: true, force: true });
  rmSync(finalDir, { recursive: true, force: true });
}
