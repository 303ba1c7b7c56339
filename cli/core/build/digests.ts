/**
 * Content digests of files with a stat-first fast path: a file whose stamp (size, mtime, ctime,
 * inode) matches the one recorded with its digest is not read again; any other file is read and
 * hashed. ctime cannot be set back by a user (restoring mtime with `touch -d` moves it), and a stamp
 * taken less than RACY_MS after the file last changed is not recorded, so an edit within the same
 * clock tick after the look (git's "racy clean" case) is still caught by hashing next time.
 */
import { readFileSync, statSync } from "node:fs";
import path from "node:path";

/** The same record with its keys in order, so that an unchanged cache serialises to the same text. */
export const sortedByKey = <T>(r: Record<string, T>): Record<string, T> => Object.fromEntries(Object.entries(r).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

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
    let st;
    try {
      st = statSync(abs, { throwIfNoEntry: false });
    } catch {
      return "missing"; // ENOTDIR: a name below a file (a tsconfig `extends` candidate)
    }
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

  /** The digest of a file just written (what was remembered of its old content is dropped). */
  fresh(file: string): string {
    const key = this.keyOf(file);
    this.memo.delete(file);
    this.memo.delete(key);
    delete this.next[key];
    delete this.known[key];
    return this.digest(file);
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
