/**
 * The build client's tidying of a killed server's record and socket. A server killed with kill -9 can
 * still take a connection: its first thread is a zombie while the threads that hold its socket are still
 * ending, and the connection then closes unanswered (the build-server-faults e2e test met it 1 run in 9,
 * its socket left behind). Here that server is a listener that closes every connection at once.
 */
import { afterEach, describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import { existsSync, linkSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { hostname, tmpdir } from "node:os";
import path from "node:path";
import { PassThrough } from "node:stream";
import { buildViaServer } from "./build-client.ts";
import { codeStamp, newSocketPath, readRecord, socketFolder, writeRecord, type ServerRecord } from "./core/build/server/record.ts";
import { processStartMs } from "./core/fs/owner.ts";

const cleanups: Array<() => void> = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));

/**
 * A repository with a server record for `pid`, whose socket is a listener that closes each connection
 * unanswered, or (`listening: false`) a socket file nobody listens on.
 */
async function world(pid: number, listening = true) {
  const root = mkdtempSync(path.join(tmpdir(), "hdoc-client-unit-"));
  writeFileSync(path.join(root, "hdoc.config.json"), "{}\n");
  const mainFile = path.join(root, "main.js");
  writeFileSync(mainFile, "");
  const dir = socketFolder(true)!;
  const listened = newSocketPath(dir);
  const listener: Server = createServer((c) => c.destroy());
  await new Promise<void>((r) => listener.listen(listened, r));
  let socket = listened;
  if (!listening) {
    // a second name for the socket outlives the listener's close (which removes the first)
    socket = newSocketPath(dir);
    linkSync(listened, socket);
    await new Promise((r) => listener.close(r));
  }
  cleanups.push(() => {
    listener.close();
    rmSync(listened, { force: true });
    rmSync(socket, { force: true });
    rmSync(root, { recursive: true, force: true });
  });
  const started = new Date(processStartMs(pid) ?? Date.now()).toISOString();
  const record: ServerRecord = { owner: { pid, host: hostname(), started, token: "0123456789abcdef", purpose: "build server" }, socket, stamp: codeStamp(mainFile, {}), root };
  writeRecord(record);
  const stderr = new PassThrough();
  let said = "";
  stderr.setEncoding("utf8");
  stderr.on("data", (b: string) => (said += b));
  const deps = { argv: ["node", "hdoc", "build"], env: {}, cwd: root, stdout: new PassThrough() as unknown as NodeJS.WriteStream, stderr: stderr as unknown as NodeJS.WriteStream, mainFile };
  return { root, socket, deps, said: () => said };
}

/** A process that ends by itself after `seconds`. */
function shortLived(seconds: number) {
  const child = spawn("sleep", [String(seconds)], { stdio: "ignore" });
  const ended = new Promise<void>((r) => child.once("exit", () => r()));
  cleanups.push(() => child.kill("SIGKILL"));
  return { pid: child.pid!, ended };
}

describe("a connection the server closes unanswered", () => {
  it("removes the record and socket of a server that has ended", async () => {
    const gone = shortLived(0);
    await gone.ended;
    const w = await world(gone.pid);
    expect(await buildViaServer(w.deps)).toEqual({ fallback: "none" });
    expect(readRecord(w.root)).toBeUndefined();
    expect(existsSync(w.socket)).toBe(false);
  });

  it("waits for a server that is still ending (its socket answered, its process not yet gone), then removes them", async () => {
    const ending = shortLived(0.2);
    const w = await world(ending.pid);
    const result = await buildViaServer(w.deps);
    expect(result).toEqual({ fallback: "none" });
    await ending.ended; // it had ended by the time the client gave up on it
    expect(readRecord(w.root)).toBeUndefined();
    expect(existsSync(w.socket)).toBe(false);
    expect(w.said()).toBe("");
  });

  it("leaves a running server's record and socket alone", async () => {
    const running = shortLived(30);
    const w = await world(running.pid);
    expect(await buildViaServer(w.deps)).toEqual({ fallback: "none" });
    expect(readRecord(w.root)?.owner.pid).toBe(running.pid);
    expect(existsSync(w.socket)).toBe(true);
  });
});

describe("a socket nobody listens on", () => {
  it("waits for its server to end, then removes the record and socket", async () => {
    const ending = shortLived(0.2);
    const w = await world(ending.pid, false);
    expect(await buildViaServer(w.deps)).toEqual({ fallback: "none" });
    await ending.ended;
    expect(readRecord(w.root)).toBeUndefined();
    expect(existsSync(w.socket)).toBe(false);
  });
});
