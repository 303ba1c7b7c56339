/**
 * What identifies each installed package a bundle used: its package-lock.json entry (version and
 * integrity), remembered per lock file while that file's digest is unchanged.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { sortedByKey, type FileDigests } from "./digests.ts";

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

  /** Parses each folder's package-lock.json now when the lookups will need it (its entries are not remembered from the last build). */
  prepare(dirs: string[]): void {
    for (const dir of dirs) {
      const digest = this.digests.digest(path.join(dir, "package-lock.json"));
      if (digest !== "missing" && this.known[dir]?.digest !== digest) this.lock(dir);
    }
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
