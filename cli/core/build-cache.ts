/**
 * The content-hash cache of `hdoc build`. A function's input hash covers every source file esbuild
 * read for it (metafile inputs outside node_modules, by content), its package.json, the lock entry
 * of every installed package it bundled (version + integrity), and the build options. The manifest
 * remembers the inputs of the last good build, so deciding "unchanged" reads only those files.
 *
 * Artifacts are built in a temporary folder beside their final place and renamed in only on
 * success; the manifest is written last (atomically). A failed build removes the function's entry
 * and its old artifact, so nothing stale is ever taken as up to date.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync, openSync, fsyncSync, closeSync } from "node:fs";
import path from "node:path";

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

export function readManifest(file: string): BuildManifest {
  try {
    const m = JSON.parse(readFileSync(file, "utf8")) as BuildManifest;
    if (m.version === MANIFEST_VERSION && m.functions && typeof m.functions === "object") return m;
  } catch {
    // missing or unreadable: start over
  }
  return { version: MANIFEST_VERSION, functions: {} };
}

/** Writes a file atomically: temp file in the same folder, fsync, rename. */
export function writeFileAtomic(file: string, text: string): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  writeFileSync(tmp, text);
  const fd = openSync(tmp, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
}

export const writeManifest = (file: string, m: BuildManifest): void => writeFileAtomic(file, JSON.stringify(m, null, 2) + "\n");

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

type LockPackages = Record<string, { version?: string; integrity?: string; resolved?: string; link?: boolean }>;

/** Reads lock files once per build. */
export class LockIndex {
  private readonly locks = new Map<string, LockPackages | null>();
  constructor(private readonly repoRoot: string) {}

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

  /** What identifies an installed package: its lock entry, else its package.json name and version. */
  entry(pkgDir: string, lockDirs: string[]): string {
    const abs = path.resolve(this.repoRoot, pkgDir);
    for (const dir of lockDirs) {
      const key = path.relative(dir, abs).split(path.sep).join("/");
      const e = this.lock(dir)?.[key];
      if (e) return `${key}@${e.version ?? ""}#${e.integrity ?? e.resolved ?? ""}`;
    }
    try {
      const pkg = JSON.parse(readFileSync(path.join(abs, "package.json"), "utf8")) as { name?: string; version?: string };
      return `${pkgDir}@${pkg.name ?? ""}@${pkg.version ?? ""}`;
    } catch {
      return `${pkgDir}@missing`;
    }
  }
}

/** Hash of one file's bytes, or a marker when it is gone. */
function fileDigest(file: string): string {
  try {
    return createHash("sha256").update(readFileSync(file)).digest("hex");
  } catch {
    return "missing";
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
}

export function inputHash(i: HashInput): string {
  const h = createHash("sha256");
  h.update(JSON.stringify(i.options));
  if (i.packageJson) h.update(`\0pkg\0${fileDigest(i.packageJson)}`);
  for (const f of i.sources) h.update(`\0src\0${f}\0${fileDigest(path.resolve(i.repoRoot, f))}`);
  for (const p of i.packages) h.update(`\0dep\0${i.locks.entry(p, i.lockDirs)}`);
  return h.digest("hex");
}

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
