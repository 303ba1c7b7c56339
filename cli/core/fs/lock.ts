/**
 * A lock file next to what it protects (`<file>.lock`), for one writer at a time across processes:
 * `hdoc mfa login` editing ~/.aws/credentials, `hdoc build` writing a build folder.
 *
 * - The lock file holds its owner's record (pid, host, start time, purpose), written completely before
 *   the lock exists (a temporary file hard-linked into place, so no reader sees half a record).
 * - A lock whose owner is gone (crash, kill -9) is taken over at once and `note` says so; the
 *   takeover itself is guarded so two waiters cannot both take over, or remove a fresh lock.
 * - A live owner is waited for up to `waitMs`, with one note naming it; then a clear error naming it
 *   and the lock file. An owner on another host (shared home folder) is never taken over.
 * - A permission error is reported at once as such, never retried as if it were contention.
 * - While held, the lock is registered with `cleanup`, so a Ctrl-C or SIGTERM removes it.
 */
import { linkSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import fs from "node:fs/promises";
import { randomBytes } from "node:crypto";
import path from "node:path";
import { HdocError } from "../../errors.ts";
import { NO_CLEANUP, type Cleanup } from "./cleanup.ts";
import { describeOwner, ownerRecord, ownerState, parseOwner, pidRunning, type OwnerRecord } from "./owner.ts";

export interface LockOptions {
  /** What the holder is doing, recorded for whoever waits ("mfa login", "build"). */
  purpose: string;
  /** How long to wait for a live owner, in ms (default 10 s). */
  waitMs?: number;
  /** How often to look again while waiting, in ms (default 100). */
  pollMs?: number;
  /** A line for the user (stderr): a takeover, or that we are waiting and for whom. */
  note?(line: string): void;
  cleanup?: Cleanup;
}

export interface Lock {
  readonly path: string;
  readonly owner: OwnerRecord;
  release(): Promise<void>;
}

/** The lock file that protects `file`. */
export const lockPathFor = (file: string): string => `${file}.lock`;

/** A lock left by earlier hdoc versions (proper-lockfile: a folder, its mtime refreshed every 2 s). */
const LEGACY_STALE_MS = 10_000;
/** A lock file without a readable record (not written by hdoc, or by the no-hard-link fallback mid-write). */
const UNREADABLE_STALE_MS = 5_000;

const permissionCodes = new Set(["EACCES", "EPERM", "EROFS"]);

function permissionError(e: unknown, lockPath: string): HdocError {
  const code = (e as NodeJS.ErrnoException).code ?? "error";
  return new HdocError(
    "FAILED",
    `cannot create the lock file ${lockPath}: ${code === "EROFS" ? "read-only file system" : "permission denied"} (${code})`,
    `check the owner and permissions of ${path.dirname(lockPath)} (ls -ld ${path.dirname(lockPath)})`,
    { cause: e },
  );
}

type Holder =
  | { kind: "missing" }
  | { kind: "record"; owner: OwnerRecord; text: string }
  | { kind: "legacy" | "unreadable"; mtimeMs: number; ino: number };

async function readHolder(lockPath: string): Promise<Holder> {
  let st;
  try {
    st = await fs.lstat(lockPath);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return { kind: "missing" };
    throw e;
  }
  if (st.isDirectory()) return { kind: "legacy", mtimeMs: st.mtimeMs, ino: st.ino };
  let text = "";
  try {
    text = await fs.readFile(lockPath, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return { kind: "missing" };
    if (!permissionCodes.has((e as NodeJS.ErrnoException).code ?? "")) throw e;
  }
  const owner = parseOwner(text);
  return owner ? { kind: "record", owner, text } : { kind: "unreadable", mtimeMs: st.mtimeMs, ino: st.ino };
}

function isStale(h: Holder): boolean {
  if (h.kind === "record") return ownerState(h.owner) === "gone";
  if (h.kind === "legacy") return Date.now() - h.mtimeMs > LEGACY_STALE_MS;
  if (h.kind === "unreadable") return Date.now() - h.mtimeMs > UNREADABLE_STALE_MS;
  return false;
}

const sameHolder = (a: Holder, b: Holder): boolean =>
  a.kind === "record" ? b.kind === "record" && a.owner.token === b.owner.token : a.kind !== "missing" && b.kind === a.kind && b.ino === a.ino && b.mtimeMs === a.mtimeMs;

/**
 * Removes the owner-record temporaries that processes killed between creating the lock and removing
 * their temporary file (kill -9) left next to it (`<lock>.<pid>-<hex>.tmp` of a pid no longer running).
 */
function removeDeadTemps(lockPath: string): void {
  const dir = path.dirname(lockPath);
  const prefix = `${path.basename(lockPath)}.`;
  let names: string[] = [];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const n of names) {
    const m = /^(\d+)-[0-9a-f]{8}\.tmp$/.exec(n.startsWith(prefix) ? n.slice(prefix.length) : "");
    if (m && Number(m[1]) !== process.pid && !pidRunning(Number(m[1]))) rmSync(path.join(dir, n), { force: true });
  }
}

/**
 * Creates `lockPath` holding `me`'s record; false when it already exists. Synchronous: a handful of
 * small file operations, each a round trip through libuv's thread pool when awaited (milliseconds
 * at the start of every build); the waiting between attempts stays asynchronous.
 */
function tryCreate(lockPath: string, me: OwnerRecord, cleanup: Cleanup): boolean {
  removeDeadTemps(lockPath);
  const text = JSON.stringify(me) + "\n";
  const tmp = `${lockPath}.${process.pid}-${randomBytes(4).toString("hex")}.tmp`;
  const forget = cleanup.add(() => rmSync(tmp, { force: true }));
  try {
    try {
      writeFileSync(tmp, text, { flag: "wx", mode: 0o600 });
    } catch (e) {
      if (permissionCodes.has((e as NodeJS.ErrnoException).code ?? "")) throw permissionError(e, lockPath);
      throw e;
    }
    try {
      linkSync(tmp, lockPath);
      return true;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === "EEXIST") return false;
      // the folder is writable (the temporary file was made), so this file system has no hard links
      if (code !== "EPERM" && code !== "ENOTSUP" && code !== "ENOSYS") throw e;
    }
    try {
      writeFileSync(lockPath, text, { flag: "wx", mode: 0o600 });
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "EEXIST") return false;
      if (permissionCodes.has((e as NodeJS.ErrnoException).code ?? "")) throw permissionError(e, lockPath);
      throw e;
    }
  } finally {
    rmSync(tmp, { force: true });
    forget();
  }
}

/** Removes a stale lock, once, under a short-lived guard; true when this call removed it. */
async function takeOver(lockPath: string, seen: Holder, me: OwnerRecord, cleanup: Cleanup): Promise<boolean> {
  const guard = `${lockPath}.takeover`;
  if (!tryCreate(guard, me, cleanup)) {
    const g = await readHolder(guard);
    // a guard is held for a moment only: one left behind is from a process killed right then
    if (g.kind !== "missing" && isStale(g)) {
      const again = await readHolder(guard);
      if (sameHolder(g, again)) await fs.rm(guard, { force: true, recursive: true });
    }
    return false;
  }
  const forgetGuard = cleanup.add(() => removeIfMine(guard, me.token));
  try {
    const now = await readHolder(lockPath);
    if (!sameHolder(seen, now)) return false;
    await fs.rm(lockPath, { force: true, recursive: seen.kind === "legacy" });
    return true;
  } finally {
    forgetGuard();
    removeIfMine(guard, me.token);
  }
}

function removeIfMine(file: string, token: string): void {
  try {
    if (parseOwner(readFileSync(file, "utf8"))?.token === token) unlinkSync(file);
  } catch {
    // already gone
  }
}

function whoHolds(h: Holder, lockPath: string): string {
  if (h.kind === "record") return describeOwner(h.owner);
  if (h.kind === "legacy") return "an older hdoc";
  let since = "";
  try {
    since = ` (last changed ${new Date(statSync(lockPath).mtimeMs).toISOString()})`;
  } catch {
    // gone meanwhile
  }
  return `another process${since}`;
}

const seconds = (ms: number) => (ms >= 1000 ? `${Math.round(ms / 1000)}s` : `${ms}ms`);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Takes the lock at `lockPath` (see the module comment for the rules). */
export async function acquireLock(lockPath: string, o: LockOptions): Promise<Lock> {
  const cleanup = o.cleanup ?? NO_CLEANUP;
  const waitMs = o.waitMs ?? 10_000;
  const deadline = Date.now() + waitMs;
  const me = ownerRecord(o.purpose);
  try {
    mkdirSync(path.dirname(lockPath), { recursive: true });
  } catch (e) {
    throw permissionCodes.has((e as NodeJS.ErrnoException).code ?? "") ? permissionError(e, lockPath) : e;
  }
  // registered before the lock exists, so no moment is left where a signal would leave it behind
  // (it removes the lock file only while that holds our own record)
  const forget = cleanup.add(() => removeIfMine(lockPath, me.token));
  let announced = false;
  for (;;) {
    let created: boolean;
    try {
      created = tryCreate(lockPath, me, cleanup);
    } catch (e) {
      forget();
      throw e;
    }
    if (created) break;
    const holder = await readHolder(lockPath);
    if (holder.kind === "missing") continue;
    if (isStale(holder)) {
      if (await takeOver(lockPath, holder, me, cleanup)) {
        o.note?.(`took over the lock ${lockPath} from ${whoHolds(holder, lockPath)}, which is no longer running`);
      }
      continue;
    }
    if (Date.now() >= deadline) {
      forget();
      const elsewhere = holder.kind === "record" && ownerState(holder.owner) === "elsewhere";
      throw new HdocError(
        "FAILED",
        `${lockPath} is held by ${whoHolds(holder, lockPath)}${holder.kind === "record" ? ` since ${holder.owner.started}` : ""}; gave up after ${seconds(waitMs)}`,
        elsewhere || holder.kind !== "record" ? `if that process is no longer running, remove ${lockPath}` : "wait for it to finish, then try again",
      );
    }
    if (!announced) {
      announced = true;
      o.note?.(`waiting for ${whoHolds(holder, lockPath)} to release ${lockPath} (up to ${seconds(waitMs)}) ...`);
    }
    await sleep(Math.min(o.pollMs ?? 100, Math.max(1, deadline - Date.now())));
  }
  return {
    path: lockPath,
    owner: me,
    async release() {
      forget();
      removeIfMine(lockPath, me.token);
    },
  };
}

/** Runs `fn` holding the lock at `lockPath`; the lock is released however `fn` ends. */
export async function withLock<T>(lockPath: string, o: LockOptions, fn: (lock: Lock) => Promise<T>): Promise<T> {
  const lock = await acquireLock(lockPath, o);
  try {
    return await fn(lock);
  } finally {
    await lock.release();
  }
}
