/**
 * The build server: a warm hdoc process that runs `hdoc build` for later invocations in one
 * repository (`node dist/cli/build-server.js <root>`, started detached by a build; see
 * docs/architecture.md). A build it runs is the same program as in the client's own process: the
 * client's argv, working folder and environment for the time of the build, its output streamed back
 * as it comes (the client holds the result until the exit code), its exit code. What a warm process
 * saves is Node's start-up, loading the CLI and the build modules, and esbuild's service start.
 *
 * One build at a time (a second client is told `busy` and builds in its own process, where the build
 * lock makes it wait for this one). A Ctrl-C in the client, or the client going away (kill -9), ends
 * the build as a Ctrl-C in a terminal would — what it registered undone, what it started signalled —
 * and then this process. It exits after HDOC_BUILD_SERVER_IDLE seconds (15 min) without a build, when
 * its record names another server or its repository is gone, when a client of other code starts a
 * replacement, on `hdoc build --stop-server` (after the build in progress), and when esbuild's service
 * has died (the client then builds in its own process).
 */
import { createServer, type Socket } from "node:net";
import { Writable } from "node:stream";
import { chmodSync, existsSync, mkdirSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { CleanupRegistry } from "./core/fs/cleanup.ts";
import { acquireLock } from "./core/fs/lock.ts";
import { ownerRecord } from "./core/fs/owner.ts";
import { codeStamp, idleMs, ownSocket, readRecord, recordAlive, removeServerFiles, socketFolder, socketFolderPath, newSocketPath, untilGone, writeRecord } from "./core/build/server/record.ts";
import { encode, lineReader, type ClientMessage, type ServerMessage, type StreamInfo } from "./core/build/server/protocol.ts";
import { askToStop } from "./core/build/server/client-socket.ts";
import { esbuildServiceAlive, isBuildServerOf, signalProcessGroup } from "./core/build/server/processes.ts";
import { findProjectRoot } from "./core/settings.ts";
import type { PromptApi } from "./ui/io.ts";

const NO_PROMPTS: PromptApi = {
  confirm: () => Promise.reject(new Error("the build server cannot ask questions")),
  input: () => Promise.reject(new Error("the build server cannot ask questions")),
  password: () => Promise.reject(new Error("the build server cannot ask questions")),
};

type Cli = (argv: string[], overrides: object) => Promise<number>;

/** How long a new server waits for the one it asked to stop to end before it writes its own record. */
const OLD_ENDING_MS = 3000;
/** How often an idle server checks that its record still names it and its repository is still there. */
const CHECK_MS = 30_000;

export async function serve(root: string): Promise<void> {
  // --verbose stack traces point at cli/...ts lines, as bin/hdoc.js arranges for a build in its own process
  process.setSourceMapsEnabled(true);
  const mainUrl = new URL("./main.js", import.meta.url);
  const stamp = codeStamp(fileURLToPath(mainUrl), process.env);
  const dir = socketFolder(true);
  if (!dir) throw new Error(`${socketFolderPath()} is not a folder of this user's that only it can enter`);
  const socket = newSocketPath(dir);
  // one server starts at a time per repository: a second one started meanwhile leaves at once
  const startLock = await acquireLock(path.join(root, ".hdoc", "build-server.lock"), { purpose: "build server start", waitMs: 0 }).catch(() => undefined);
  if (!startLock) return process.exit(0);
  const { cli, warmBuild } = (await import(mainUrl.href)) as { cli: Cli; warmBuild(): Promise<void> };
  await warmBuild();

  const owner = ownerRecord("build server");
  const ownEnv = process.env;
  const ownCwd = process.cwd();
  let current: Build | undefined;
  let idle: NodeJS.Timeout | undefined;
  const armIdle = () => {
    clearTimeout(idle);
    idle = setTimeout(() => shutdown(0), idleMs(ownEnv));
  };
  const server = createServer((sock) => handle(sock));
  let ending = false;
  function shutdown(code: number): void {
    if (ending) return;
    ending = true;
    clearTimeout(idle);
    server.close();
    removeServerFiles(root, owner, socket);
    process.exit(code);
  }
  /**
   * Ends the build in progress as a Ctrl-C in its own process would, then this process, at once: what
   * the build registered is undone (its lock, temporary files), `last` says so to its client, what it
   * started is signalled, and the build's own code never runs again (it would go on without its lock).
   */
  function abortAndExit(signal: NodeJS.Signals, code: number, last?: () => void): void {
    if (ending) return;
    if (current) {
      current.ending = true;
      current.cleanup.runAll();
    }
    last?.();
    signalProcessGroup(signal);
    shutdown(code);
  }
  const send = (sock: Socket, m: ServerMessage) => {
    if (!sock.destroyed && sock.writable) sock.write(encode(m));
  };
  const streamTo = (sock: Socket, build: Build, t: "out" | "err", info: StreamInfo) =>
    Object.assign(
      new Writable({
        write(chunk: Buffer | string, _enc, done) {
          if (!build.ending) send(sock, { t, data: chunk.toString() });
          done();
        },
      }),
      { isTTY: info.isTTY, ...(info.columns ? { columns: info.columns } : {}) },
    );
  const endThen = (sock: Socket) => new Promise<void>((resolve) => {
    sock.end(resolve);
    setTimeout(resolve, 1000).unref();
  });

  /** A build in progress: what it registered, who asked to stop meanwhile, and whether it is being ended (its own output then stops). */
  interface Build {
    cleanup: CleanupRegistry;
    stopAfter: Socket[];
    ending: boolean;
  }
  async function runBuild(sock: Socket, m: Extract<ClientMessage, { t: "build" }>, mine: Build): Promise<void> {
    send(sock, { t: "accepted", pid: process.pid });
    const env = { ...m.env };
    let code: number;
    try {
      process.chdir(m.cwd);
      process.env = env;
      code = await cli(m.argv, { env, cwd: m.cwd, stdout: streamTo(sock, mine, "out", m.stdout), stderr: streamTo(sock, mine, "err", m.stderr), stdinIsTTY: false, prompts: NO_PROMPTS, cleanup: mine.cleanup, buildServer: { servedBy: process.pid } });
    } catch (e) {
      send(sock, { t: "err", data: `error: the build server failed: ${(e as Error).message}\n` });
      code = 1;
    } finally {
      process.env = ownEnv;
      process.chdir(ownCwd);
    }
    // a build being ended (Ctrl-C, its client gone) says nothing more: abortAndExit answers for it
    if (mine.ending) return;
    send(sock, { t: "exit", code });
    sock.end();
  }

  function handle(sock: Socket): void {
    let mine: Build | undefined;
    let finished = false;
    const onMessage = (raw: unknown) => {
      const m = raw as ClientMessage;
      if (m.t === "interrupt") {
        if (!mine || finished) return;
        // as a Ctrl-C in its own process: what the build registered is undone, what it started is signalled
        const signal = m.signal === "SIGTERM" ? "SIGTERM" : "SIGINT";
        // (a small write to a Unix socket goes out at once; if it did not, the client says "interrupted" itself)
        abortAndExit(signal, 130, () => {
          send(sock, { t: "err", data: "\ninterrupted\n" });
          send(sock, { t: "exit", code: signal === "SIGINT" ? 130 : 143 });
        });
        return;
      }
      if (m.t === "stop") {
        // a build in progress is finished first (its caller gets its result); this one hears when
        if (current) {
          send(sock, { t: "stopping", pid: process.pid });
          current.stopAfter.push(sock);
          return;
        }
        send(sock, { t: "stopped", pid: process.pid });
        void endThen(sock).then(() => shutdown(0));
        return;
      }
      if (m.t !== "build") return void sock.destroy();
      if (current) {
        send(sock, { t: "busy", pid: process.pid });
        return void sock.end();
      }
      if (m.stamp !== stamp || esbuildServiceAlive() === false) {
        // other code (this one is replaced), or esbuild's service died: the client builds in its own process
        send(sock, { t: "stale", pid: process.pid });
        return void endThen(sock).then(() => shutdown(0));
      }
      if (!sameRepository(m.cwd, m.env, root)) {
        send(sock, { t: "declined", pid: process.pid });
        return void sock.end();
      }
      clearTimeout(idle);
      mine = current = { cleanup: new CleanupRegistry(), stopAfter: [], ending: false };
      void runBuild(sock, m, mine).finally(() => {
        finished = true;
        const stoppers = mine!.stopAfter;
        current = undefined;
        if (stoppers.length) {
          for (const s of stoppers) send(s, { t: "stopped", pid: process.pid });
          return void Promise.all(stoppers.map(endThen)).then(() => shutdown(0));
        }
        // a newer server took this repository over, or it is gone: this was the last build here
        if (readRecord(root)?.owner.token !== owner.token) return shutdown(0);
        armIdle();
      });
    };
    sock.on("data", lineReader(onMessage, () => sock.destroy()));
    sock.on("error", () => undefined);
    // the client went away mid-build (kill -9): the build ends as it would have in the client's own process
    sock.on("close", () => {
      if (mine && !finished) abortAndExit("SIGTERM", 143);
    });
  }

  try {
    await replaceOld(root);
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(socket, () => resolve());
    });
    chmodSync(socket, 0o600);
    if (!existsSync(root)) return shutdown(0);
    writeRecord({ owner, socket, stamp, root });
  } finally {
    await startLock.release();
  }
  armIdle();
  setInterval(() => {
    if (!current && (!existsSync(root) || readRecord(root)?.owner.token !== owner.token)) shutdown(0);
  }, CHECK_MS).unref();
  for (const signal of ["SIGTERM", "SIGINT", "SIGHUP"] as const) process.on(signal, () => abortAndExit(signal === "SIGHUP" ? "SIGTERM" : signal, 0));
}

/** The server this one replaces (other code, or stuck) is asked to stop; one that does not answer, and is a build server of this repository, is killed. */
async function replaceOld(root: string): Promise<void> {
  const old = readRecord(root);
  const socket = old && ownSocket(old.socket);
  if (!old || !recordAlive(old)) return;
  if (socket && (await askToStop(socket).catch(() => undefined)) === old.owner.pid) {
    // It removes its record as it ends, after its answer: this server's record is written once it has
    // ended, or a removal that read the old record before ours was written would remove ours.
    await untilGone(old, OLD_ENDING_MS);
    return;
  }
  if (!recordAlive(old) || !isBuildServerOf(old.owner.pid, root)) return;
  try {
    process.kill(old.owner.pid, "SIGKILL");
  } catch {
    // gone meanwhile
  }
  if (socket) rmSync(socket, { force: true });
}

/** Whether a client's folder belongs to this server's repository (a record copied elsewhere names the wrong one). */
function sameRepository(cwd: string, env: NodeJS.ProcessEnv, root: string): boolean {
  try {
    return findProjectRoot(cwd, env).root === root;
  } catch {
    return false;
  }
}

/** A server that cannot start says why in `.hdoc/build-server.log` (it has no terminal). */
function logFailure(root: string, e: unknown): void {
  try {
    mkdirSync(path.join(root, ".hdoc"), { recursive: true });
    writeFileSync(path.join(root, ".hdoc", "build-server.log"), `${new Date().toISOString()} pid ${process.pid}: the build server did not start: ${(e as Error)?.message ?? String(e)}\n`);
  } catch {
    // nowhere to say it
  }
}

// run as a script (not imported by a test): serve the repository named on the command line
if (process.argv[1] && process.argv[2] && fileURLToPath(import.meta.url) === realpathSync(process.argv[1])) {
  const root = path.resolve(process.argv[2]);
  serve(root).catch((e) => {
    logFailure(root, e);
    process.exit(1);
  });
}
