/** Starting and stopping a repository's build server (cli/build-server.ts) from a build in its own process. */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { askToStop } from "./client-socket.ts";
import { codeStamp, idleMs, readRecord, recordAlive, serverAllowed, trustedSocket, type ServerRecord } from "./record.ts";

/** What the server process is started with: no secret of the caller's environment (each build brings its own). */
const KEPT = ["PATH", "HOME", "TMPDIR", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "USER", "LOGNAME", "HDOC_BUILD_SERVER_IDLE"];

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
 * Starts a build server for `root` unless one of this code runs already (`stamp`), or it may not
 * (CI, HDOC_BUILD_SERVER off, running from the sources). Detached: it outlives this process, and
 * this process does not wait for it.
 */
export function startBuildServer(root: string, env: NodeJS.ProcessEnv): StartResult {
  const allowed = serverAllowed(env);
  if (!allowed.allowed) return { not: allowed.why! };
  const script = serverScript();
  if (!script) return { not: "hdoc runs from its sources" };
  const stamp = codeStamp(path.join(path.dirname(script), "main.js"));
  const record = readRecord(root);
  if (record && record.stamp === stamp && recordAlive(record)) return { running: record };
  const child = spawn(process.execPath, [script, root], { cwd: root, detached: true, stdio: "ignore", env: serverEnvironment(env) });
  child.on("error", () => undefined);
  child.unref();
  return child.pid ? { started: child.pid } : { not: "it could not be started" };
}

/** Stops the repository's build server; resolves with its pid, or undefined when none runs. */
export async function stopBuildServer(root: string): Promise<number | undefined> {
  const record = readRecord(root);
  if (!record || !recordAlive(record) || !trustedSocket(record.socket)) return undefined;
  return askToStop(record.socket);
}

/** "it stops after 15 min without a build" (HDOC_BUILD_SERVER_IDLE changes it). */
export function idleNote(env: NodeJS.ProcessEnv): string {
  const s = Math.round(idleMs(env) / 1000);
  return `it stops after ${s % 60 === 0 ? `${s / 60} min` : `${s} s`} without a build`;
}
