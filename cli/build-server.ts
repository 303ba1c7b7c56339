/**
 * The build server: a warm hdoc process that runs `hdoc build` for later invocations in one
 * repository (`node dist/cli/build-server.js <root>`, started detached by a build; see
 * docs/architecture.md). A build it runs is the same program as in the client's own process: the
 * client's argv, working folder and environment for the time of the build, its output streamed
 * back as it comes (stdout kept by the client until the exit code), its exit code. What a warm process
 * saves is Node's start-up, loading the CLI and the build modules, and esbuild's service start.
 *
 * One build at a time (a second client is told `busy` and builds in its own process, where the build
 * lock makes it wait for this one). A Ctrl-C in the client undoes what the build registered, as
 * cli/main.ts does on a signal, and ends this process. It exits after HDOC_BUILD_SERVER_IDLE seconds
 * (15 min) without a build, when its record names another server, when a client of other code asks
 * (a rebuilt or upgraded hdoc), and on `hdoc build --stop-server`.
 */
import { createServer, type Socket } from "node:net";
import { Writable } from "node:stream";
import { chmodSync, realpathSync, rmSync } from "node:fs";
import { randomBytes } from "node:crypto";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { CleanupRegistry } from "./core/fs/cleanup.ts";
import { ownerRecord } from "./core/fs/owner.ts";
import { codeStamp, idleMs, readRecord, recordAlive, removeRecordOf, socketFolder, trustedSocket, writeRecord } from "./core/build/server/record.ts";
import { encode, lineReader, type ClientMessage, type ServerMessage, type StreamInfo } from "./core/build/server/protocol.ts";
import { askToStop } from "./core/build/server/client-socket.ts";
import type { PromptApi } from "./ui/io.ts";

const NO_PROMPTS: PromptApi = {
  confirm: () => Promise.reject(new Error("the build server cannot ask questions")),
  input: () => Promise.reject(new Error("the build server cannot ask questions")),
  password: () => Promise.reject(new Error("the build server cannot ask questions")),
};

type Cli = (argv: string[], overrides: object) => Promise<number>;

export async function serve(root: string): Promise<void> {
  const mainUrl = new URL("./main.js", import.meta.url);
  const stamp = codeStamp(fileURLToPath(mainUrl));
  const dir = socketFolder(true);
  if (!dir) throw new Error("no private folder for the build server's socket");
  const { cli, warmBuild } = (await import(mainUrl.href)) as { cli: Cli; warmBuild(): Promise<void> };
  await warmBuild();

  const owner = ownerRecord("build server");
  const socket = path.join(dir, `build-${randomBytes(6).toString("hex")}.sock`);
  const ownEnv = process.env;
  const ownCwd = process.cwd();
  let busy = false;
  let idle: NodeJS.Timeout | undefined;
  const armIdle = () => {
    clearTimeout(idle);
    idle = setTimeout(() => shutdown(0), idleMs(ownEnv));
  };
  const server = createServer((sock) => handle(sock));
  function shutdown(code: number): void {
    clearTimeout(idle);
    server.close();
    rmSync(socket, { force: true });
    removeRecordOf(root, owner);
    process.exit(code);
  }
  const send = (sock: Socket, m: ServerMessage) => {
    if (!sock.destroyed && sock.writable) sock.write(encode(m));
  };
  const streamTo = (sock: Socket, t: "out" | "err", info: StreamInfo) =>
    Object.assign(
      new Writable({
        write(chunk: Buffer | string, _enc, done) {
          send(sock, { t, data: chunk.toString() });
          done();
        },
      }),
      { isTTY: info.isTTY, ...(info.columns ? { columns: info.columns } : {}) },
    );

  function handle(sock: Socket): void {
    let cleanup: CleanupRegistry | undefined;
    let finished = false;
    const onMessage = async (raw: unknown) => {
      const m = raw as ClientMessage;
      if (m.t === "interrupt") {
        if (!cleanup || finished) return;
        // as cli/main.ts does on a signal: undo what the build registered, say so, and end the process
        cleanup.runAll();
        send(sock, { t: "err", data: "\ninterrupted\n" });
        send(sock, { t: "exit", code: m.signal === "SIGINT" ? 130 : 143 });
        sock.end(() => shutdown(130));
        setTimeout(() => shutdown(130), 1000).unref();
        return;
      }
      if (m.t === "stop") {
        send(sock, { t: "stopped", pid: process.pid });
        sock.end(() => shutdown(0));
        return;
      }
      if (m.t !== "build") return void sock.destroy();
      if (busy) {
        send(sock, { t: "busy", pid: process.pid });
        return void sock.end();
      }
      if (m.stamp !== stamp) {
        send(sock, { t: "stale", pid: process.pid });
        return void sock.end(() => shutdown(0));
      }
      busy = true;
      clearTimeout(idle);
      cleanup = new CleanupRegistry();
      const env = { ...m.env, HDOC_BUILD_SERVER_PID: String(process.pid) };
      let code: number;
      try {
        process.chdir(m.cwd);
        process.env = env;
        code = await cli(m.argv, { env, cwd: m.cwd, stdout: streamTo(sock, "out", m.stdout), stderr: streamTo(sock, "err", m.stderr), stdinIsTTY: false, prompts: NO_PROMPTS, cleanup });
      } catch (e) {
        send(sock, { t: "err", data: `error: the build server failed: ${(e as Error).message}\n` });
        code = 1;
      } finally {
        process.env = ownEnv;
        process.chdir(ownCwd);
      }
      finished = true;
      send(sock, { t: "exit", code });
      sock.end();
      busy = false;
      // a newer server took this repository over: this was the last build here
      if (readRecord(root)?.owner.token !== owner.token) return shutdown(0);
      armIdle();
    };
    sock.on("data", lineReader((m) => void onMessage(m), () => sock.destroy()));
    sock.on("error", () => undefined);
  }

  // the server this one replaces (started by other code) is asked to stop first
  const old = readRecord(root);
  if (old && recordAlive(old) && trustedSocket(old.socket)) await askToStop(old.socket).catch(() => undefined);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(socket, () => resolve());
  });
  chmodSync(socket, 0o600);
  writeRecord({ owner, socket, stamp, root });
  armIdle();
  for (const signal of ["SIGTERM", "SIGINT", "SIGHUP"] as const) process.on(signal, () => shutdown(0));
}

// run as a script (not imported by a test): serve the repository named on the command line
if (process.argv[1] && process.argv[2] && fileURLToPath(import.meta.url) === realpathSync(process.argv[1])) {
  serve(path.resolve(process.argv[2])).catch(() => process.exit(1));
}
