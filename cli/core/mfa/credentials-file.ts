/**
 * The AWS shared files on disk (~/.aws/credentials, ~/.aws/config): where they are, read as bytes,
 * and replaced under a lock with an atomic write (temporary file 0600 in the same folder, fsync,
 * rename) that keeps the file's mode and owner and follows a symlinked file to its target. Under the
 * lock, temporary copies a killed hdoc left behind are removed first. The bytes themselves are
 * parsed and edited by profile-sections.ts.
 */
import { promises as fs } from "node:fs";
import path from "node:path";
import { HdocError } from "../../errors.ts";
import { removeLeftoverTemps, writeFileAtomic } from "../fs/atomic-write.ts";
import { withLock, lockPathFor } from "../fs/lock.ts";
import type { Cleanup } from "../fs/cleanup.ts";

const fromHome = (p: string, home: string) => path.resolve(p.startsWith("~/") ? path.join(home, p.slice(2)) : p);

/** ~/.aws/credentials, or AWS_SHARED_CREDENTIALS_FILE (a leading `~/` means the home folder, as in the SDKs). */
export function credentialsFilePath(env: NodeJS.ProcessEnv, home: string): string {
  const p = env.AWS_SHARED_CREDENTIALS_FILE;
  return p ? fromHome(p, home) : path.join(home, ".aws", "credentials");
}

/** ~/.aws/config, or AWS_CONFIG_FILE. */
export function configFilePath(env: NodeJS.ProcessEnv, home: string): string {
  const p = env.AWS_CONFIG_FILE;
  return p ? fromHome(p, home) : path.join(home, ".aws", "config");
}

/** Follows symlinks (also dangling ones) to the file that really holds the data. */
export async function resolveLinks(file: string): Promise<string> {
  let p = path.resolve(file);
  for (let hops = 0; hops < 40; hops++) {
    let st;
    try {
      st = await fs.lstat(p);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return p;
      throw e;
    }
    if (!st.isSymbolicLink()) return p;
    p = path.resolve(path.dirname(p), await fs.readlink(p));
  }
  throw new HdocError("FAILED", `${file}: too many levels of symbolic links`);
}

/** The file's bytes, or undefined when it does not exist. */
export async function readProfileFile(file: string): Promise<Buffer | undefined> {
  try {
    return await fs.readFile(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw fileError(e, file, "read");
  }
}

export function fileError(e: unknown, file: string, what: string): HdocError {
  if (e instanceof HdocError) return e;
  const code = (e as NodeJS.ErrnoException).code ?? "error";
  return new HdocError("FAILED", `cannot ${what} ${file} (${code})`, code === "EACCES" || code === "EPERM" ? "check the file's and its folder's owner and permissions" : undefined, { cause: e });
}

export interface UpdateResult {
  /** The file that was written (the symlink's target when the path is a link). */
  realPath: string;
  created: boolean;
  /** False when the edit returned the bytes unchanged (nothing was written). */
  changed: boolean;
  /** Permission bits of the file after the write. */
  mode: number;
  /** Temporary copies left by killed hdoc processes, removed before the write. */
  removedLeftovers: string[];
}

export interface UpdateOptions {
  /** What the lock says hdoc is doing ("mfa login"). */
  purpose: string;
  /** How long to wait for another hdoc holding the lock, in ms (default 10 s). */
  lockWaitMs?: number;
  /** Lines for the user while it runs (waiting for the lock, taking over a stale one). */
  note?(line: string): void;
  /** Removes the temporary file and the lock if a signal ends the process mid-write. */
  cleanup?: Cleanup;
}

/**
 * Applies `edit` to the file's bytes under its lock and replaces the file atomically. When `edit`
 * throws, or anything fails, the file is left as it was. A missing file is created with mode 0600 (its
 * missing folders with 0700); an existing file keeps its mode (hdoc never widens one).
 */
export async function updateProfileFile(file: string, edit: (current: Buffer) => Buffer, o: UpdateOptions): Promise<UpdateResult> {
  const realPath = await resolveLinks(file);
  const dir = path.dirname(realPath);
  try {
    await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  } catch (e) {
    throw fileError(e, dir, "create the folder");
  }
  const lockOptions = { purpose: o.purpose, ...(o.lockWaitMs !== undefined ? { waitMs: o.lockWaitMs } : {}), ...(o.note ? { note: o.note } : {}), ...(o.cleanup ? { cleanup: o.cleanup } : {}) };
  return withLock(lockPathFor(realPath), lockOptions, async () => {
    try {
      // holding the lock, no other hdoc writes this file: every temporary copy of it is a leftover
      const removedLeftovers = await removeLeftoverTemps(realPath);
      const current = await readProfileFile(realPath);
      const st = current === undefined ? undefined : await fs.stat(realPath);
      const next = edit(current ?? Buffer.alloc(0));
      const mode = st ? st.mode & 0o7777 : 0o600;
      const changed = current === undefined || !next.equals(current);
      if (changed) await writeFileAtomic(realPath, next, { mode, ...(st ? { owner: { uid: st.uid, gid: st.gid } } : {}), ...(o.cleanup ? { cleanup: o.cleanup } : {}) });
      return { realPath, created: !st, changed, mode, removedLeftovers };
    } catch (e) {
      throw fileError(e, realPath, "write");
    }
  });
}
