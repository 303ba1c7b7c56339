/**
 * The build server's record: `.hdoc/build-server.json` in the project root names the warm process that
 * runs `hdoc build` for this repository (its owner record, the socket it listens on, and the code it
 * runs). A client trusts it only when the code is the same as its own, the process still runs, and the
 * socket lies in a folder only this user can enter (a socket elsewhere could be another user's, and the
 * request carries the caller's environment).
 */
import { randomBytes } from "node:crypto";
import { lstatSync, mkdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { writeFileAtomicSync } from "../../fs/atomic-write.ts";
import { ownerState, parseOwner, type OwnerRecord } from "../../fs/owner.ts";

export const RECORD_FILE = path.join(".hdoc", "build-server.json");
/** How long a build server waits for the next build before it exits (HDOC_BUILD_SERVER_IDLE, seconds, overrides it). */
export const DEFAULT_IDLE_SECONDS = 15 * 60;

export interface ServerRecord {
  owner: OwnerRecord;
  /** The Unix socket the server listens on. */
  socket: string;
  /** What code it runs (codeStamp): a client of other code never uses it. */
  stamp: string;
  root: string;
}

export const recordPath = (root: string): string => path.join(root, RECORD_FILE);

const VERSION = typeof HDOC_VERSION === "string" ? HDOC_VERSION : "0.0.0-dev";

/** The environment variables that change what the server's own Node or esbuild do (read when they load). */
const RUNTIME_VARIABLES = ["NODE_OPTIONS", "ESBUILD_BINARY_PATH"];

/**
 * What a build depends on besides its arguments and environment: hdoc's version, the built CLI file's
 * identity (a rebuild or an upgrade makes a new one), Node's version, this process's umask (esbuild's
 * service, started once by the server, writes the artifacts with the server's umask), and a digest of
 * the variables that shape the runtime itself (NODE_OPTIONS, ESBUILD_BINARY_PATH: not their values,
 * which may be anything). A server serves only clients of the same stamp.
 */
export function codeStamp(mainFile: string, env: NodeJS.ProcessEnv): string {
  const s = statSync(mainFile);
  const umask = process.umask(0o022);
  process.umask(umask); // reading the umask means setting it: set back at once
  const runtime = fnv1a(JSON.stringify(RUNTIME_VARIABLES.map((k) => env[k] ?? null)));
  return `${VERSION}:${process.version}:${s.ino}:${s.size}:${Math.round(s.mtimeMs)}:${umask.toString(8)}:${runtime}`;
}

/** FNV-1a, 32 bits, as hex: equality of a few short strings, without loading node:crypto into the client. */
function fnv1a(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h.toString(16).padStart(8, "0");
}

export function readRecord(root: string): ServerRecord | undefined {
  let text: string;
  try {
    text = readFileSync(recordPath(root), "utf8");
  } catch {
    return undefined;
  }
  try {
    const r = JSON.parse(text) as Partial<ServerRecord> & { owner?: unknown };
    const owner = parseOwner(JSON.stringify(r.owner ?? null));
    if (!owner || typeof r.socket !== "string" || typeof r.stamp !== "string" || typeof r.root !== "string") return undefined;
    return { owner, socket: r.socket, stamp: r.stamp, root: r.root };
  } catch {
    return undefined;
  }
}

export function writeRecord(record: ServerRecord): void {
  writeFileAtomicSync(recordPath(record.root), JSON.stringify(record, null, 2) + "\n", { durable: false });
}

/** Removes the record if it still names this owner (a newer server may have written its own since). */
export function removeRecordOf(root: string, owner: Pick<OwnerRecord, "token">): void {
  if (readRecord(root)?.owner.token === owner.token) rmSync(recordPath(root), { force: true });
}

/** Whether the record names a live process on this host (a reused pid does not count). */
export const recordAlive = (r: ServerRecord): boolean => ownerState(r.owner) === "running";

/** Removes a server's record (if it still names that server) and its socket. */
export function removeServerFiles(root: string, owner: Pick<OwnerRecord, "token">, socket: string): void {
  removeRecordOf(root, owner);
  rmSync(socket, { force: true });
}

/** Waits for up to `ms` until the record's process no longer runs; whether it has gone. */
export async function untilGone(record: ServerRecord, ms: number, stepMs = 20): Promise<boolean> {
  for (let waited = 0; recordAlive(record); waited += stepMs) {
    if (waited >= ms) return false;
    await new Promise((r) => setTimeout(r, stepMs));
  }
  return true;
}

/** `<tmp>/hdoc-<uid>`, whether or not it exists (undefined where there are no uids). */
export function socketFolderPath(): string | undefined {
  const uid = process.getuid?.();
  return uid === undefined ? undefined : path.join(tmpdir(), `hdoc-${uid}`);
}

/**
 * The folder for this user's build-server sockets: `<tmp>/hdoc-<uid>`, created 0700. Undefined when it
 * exists but is not a private folder of this user (someone else made it, or it is a link): no server then.
 */
export function socketFolder(create: boolean): string | undefined {
  const uid = process.getuid?.();
  const dir = socketFolderPath();
  if (uid === undefined || !dir) return undefined;
  if (create) {
    try {
      mkdirSync(dir, { mode: 0o700 });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") return undefined;
    }
  }
  return privateFolder(dir, uid) ? dir : undefined;
}

function privateFolder(dir: string, uid: number): boolean {
  try {
    const s = lstatSync(dir);
    return s.isDirectory() && s.uid === uid && (s.mode & 0o077) === 0;
  } catch {
    return false;
  }
}

const SOCKET_NAME = /^build-[0-9a-f]+\.sock$/;
/** The longest socket path every Unix takes (macOS: 104 bytes with the final NUL). */
export const MAX_SOCKET_PATH = 103;

/** A new server's socket in `dir`: a name no other server has (`build-<12 hex>.sock`). */
export const newSocketPath = (dir: string): string => path.join(dir, `build-${randomBytes(6).toString("hex")}.sock`);

/**
 * The socket a client may connect to for a record: the record's socket must be a server's name for one
 * in this user's own private socket folder (worked out here, never taken from the record: a record is a
 * file in a repository others may write), and the socket itself this user's. A client sends its
 * environment to the server.
 */
export function ownSocket(recordSocket: string): string | undefined {
  const uid = process.getuid?.();
  const dir = socketFolder(false);
  const name = path.basename(recordSocket);
  if (uid === undefined || !dir || !SOCKET_NAME.test(name) || path.dirname(recordSocket) !== dir) return undefined;
  const file = path.join(dir, name);
  try {
    const s = lstatSync(file);
    return s.isSocket() && s.uid === uid ? file : undefined;
  } catch {
    return undefined;
  }
}

const OFF = new Set(["0", "false", "off", "no"]);

/** Whether the client side should look for a server at all (HDOC_BUILD_SERVER off: never). */
export const serverWanted = (env: NodeJS.ProcessEnv): boolean => !OFF.has((env.HDOC_BUILD_SERVER ?? "").toLowerCase());

/**
 * Whether a build may start a build server: not in CI (a fresh machine each run: nothing to reuse, and a
 * process left behind), not when HDOC_BUILD_SERVER turns it off, and only where Unix sockets exist.
 */
export function serverAllowed(env: NodeJS.ProcessEnv): { allowed: boolean; why?: string } {
  if (!serverWanted(env)) return { allowed: false, why: "HDOC_BUILD_SERVER is off" };
  const ci = ["CI", "CODEBUILD_BUILD_ID", "GITHUB_ACTIONS"].find((k) => env[k] && !OFF.has(env[k]!.toLowerCase()));
  if (ci) return { allowed: false, why: `${ci} is set (a CI run)` };
  if (process.platform === "win32") return { allowed: false, why: "not on Windows" };
  return { allowed: true };
}


/** The idle time in ms: HDOC_BUILD_SERVER_IDLE (seconds) when it is a positive number, else the default. */
export function idleMs(env: NodeJS.ProcessEnv): number {
  const s = Number(env.HDOC_BUILD_SERVER_IDLE);
  return (Number.isFinite(s) && s > 0 ? s : DEFAULT_IDLE_SECONDS) * 1000;
}
