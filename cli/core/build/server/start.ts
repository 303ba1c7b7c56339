/** Starting and stopping a repository's build server (cli/build-server.ts) from a build in its own process. */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { askToStop } from "./client-socket.ts";
import { codeStamp, idleMs, MAX_SOCKET_PATH, ownSocket, readRecord, recordAlive, removeServerFiles, serverAllowed, untilGone, socketFolder, socketFolderPath, newSocketPath, type ServerRecord } from "./record.ts";
import { isBuildServerOf } from "./processes.ts";

/**
 * What the server process is started with: no secret of the caller's environment (each build brings
 * its own); NODE_OPTIONS and ESBUILD_BINARY_PATH, which shape the server's Node and esbuild (they are
 * in the stamp: a caller with others is not served).
 */
const KEPT = ["PATH", "HOME", "TMPDIR", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "USER", "LOGNAME", "HDOC_BUILD_SERVER_IDLE", "NODE_OPTIONS", "ESBUILD_BINARY_PATH"];

export function serverEnvironment(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" };
  for (const k of KEPT) if (env[k] !== undefined) out[k] = env[k]!;
  return out;
}

/** The built server script: beside main.js, i.e. here or one folder up (this module may be in chunks/). */
function serverScript(): string | undefined {
  for (const rel of ["./build-server.js", "../build-server.js"]) {
    const file = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(file)) return file;
  }
  return undefined;
}

export type StartResult = { started: number } | { running: ServerRecord } | { not: string };

/**
 * Starts a build server for `root` unless one of this code runs already, or it may not (CI,
 * HDOC_BUILD_SERVER off, running from the sources, no private socket folder). `replace`: the pid of a
 * server that did not answer, which the new one stops (or kills) first. Detached: it outlives this
 * process, and this process does not wait for it.
 */
export function startBuildServer(root: string, env: NodeJS.ProcessEnv, replace?: number): StartResult {
  const allowed = serverAllowed(env);
  if (!allowed.allowed) return { not: allowed.why! };
  const script = serverScript();
  if (!script) return { not: "hdoc runs from its sources" };
  const dir = socketFolder(true);
  if (!dir) return { not: `${socketFolderPath()} is not a folder of this user's that only it can enter` };
  if (newSocketPath(dir).length > MAX_SOCKET_PATH) return { not: `a socket in ${dir} would have a path longer than ${MAX_SOCKET_PATH} bytes (set TMPDIR to a shorter folder)` };
  const stamp = codeStamp(path.join(path.dirname(script), "main.js"), env);
  const record = readRecord(root);
  if (record && record.stamp === stamp && recordAlive(record) && record.owner.pid !== replace) return { running: record };
  const child = spawn(process.execPath, [script, root], { cwd: root, detached: true, stdio: "ignore", env: serverEnvironment(env) });
  child.on("error", () => undefined);
  child.unref();
  return child.pid ? { started: child.pid } : { not: "it could not be started" };
}

/**
 * Stops the repository's build server: asks it (a build in progress is finished first), and when it
 * does not answer (a stuck process) ends it with SIGTERM, then SIGKILL — only when that process is a
 * build server of this repository (a record is a file others may write). Resolves with its pid and how,
 * or undefined when none runs.
 */
export async function stopBuildServer(root: string): Promise<{ pid: number; how: "asked" | "killed" | "not a build server" } | undefined> {
  const record = readRecord(root);
  const socket = record && ownSocket(record.socket);
  if (!record || !socket || !recordAlive(record)) return undefined;
  const pid = record.owner.pid;
  if ((await askToStop(socket)) === pid) return { pid, how: "asked" };
  if (!isBuildServerOf(pid, root)) return { pid, how: "not a build server" };
  for (const signal of ["SIGTERM", "SIGKILL"] as const) {
    if (!recordAlive(record)) break;
    try {
      process.kill(pid, signal);
    } catch {
      break; // gone meanwhile
    }
    await untilGone(record, 2000, 50);
  }
  // a killed server cannot tidy up after itself
  removeServerFiles(root, record.owner, socket);
  return { pid, how: "killed" };
}

/** "it stops after 15 min without a build" (HDOC_BUILD_SERVER_IDLE changes it). */
export function idleNote(env: NodeJS.ProcessEnv): string {
  const s = Math.round(idleMs(env) / 1000);
  return `it stops after ${s % 60 === 0 ? `${s / 60} min` : `${s} s`} without a build`;
}
