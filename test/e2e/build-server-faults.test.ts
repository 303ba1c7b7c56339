/**
 * The build server's faults, end to end with the built binary: whatever happens to the server or its
 * client, the user ends with a correct build and is told what happened — a server killed (before or
 * mid-build), a client killed or Ctrl-C'd mid-build (the build's own processes end too), two builds at
 * once, two servers started at once, a stuck server, a dead esbuild service, a server of other code, a
 * record copied to another repository, and records or sockets someone else placed.
 */
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { createServer } from "node:net";
import { spawn } from "node:child_process";
import path from "node:path";
import { REPO_ROOT } from "../helpers/hdoc.ts";
import { processStartMs } from "../../cli/core/fs/owner.ts";
import { alive, serverWorld, servedBy, startedPid, waitFor, type Rec } from "../helpers/build-server.ts";

const world = serverWorld();
afterEach(() => world.tidy());
afterAll(() => world.end());

describe("hdoc build with a build server, when things go wrong", () => {
  it("builds in its own process when the server was killed (kill -9), tidies its record and socket, and starts a new one", async () => {
    const fx = world.fixture();
    const rec = await fx.startServer();
    process.kill(rec.owner.pid, "SIGKILL");
    await waitFor("the server to die", () => !alive(rec.owner.pid));
    fx.write("functions/hello/handler.mjs", 'export const handler = async () => ({ statusCode: 200, body: "after kill" });\n');
    const r = await fx.build(["--verbose"]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(servedBy(r.stderr)).toBeNaN();
    expect(r.stderr).toContain("1 built, 1 cached");
    expect(existsSync(rec.socket)).toBe(false);
    const pid = startedPid(r.stderr);
    expect(pid).not.toBe(rec.owner.pid);
    await waitFor("the new server's record", () => fx.record()?.owner.pid === pid);
  });

  it("finishes the build in its own process when the server dies mid-build, saying so", async () => {
    const fx = world.fixture();
    const { rec, child } = await fx.buildCaughtInServer(3, []);
    process.kill(rec.owner.pid, "SIGKILL");
    const r = await child;
    expect(String(r.stderr)).toContain(`note: the build server (pid ${rec.owner.pid}) stopped mid-build; building here`);
    expect(r.exitCode, String(r.stderr)).toBe(0);
    expect(String(r.stdout).match(/^Function /gm)).toHaveLength(1); // one result table, from the build here
    expect(existsSync(fx.file(".hdoc/build/functions/SlowFunction/bootstrap"))).toBe(true);
    fx.track(startedPid(String(r.stderr)));
  });

  it("ends the build at a Ctrl-C in the client as in its own process: exit 130, make's sleep ended, no lock left, nothing promoted", async () => {
    const fx = world.fixture();
    const { rec, child, sleeper } = await fx.buildCaughtInServer(30);
    child.kill("SIGINT");
    const r = await child;
    expect(r.exitCode).toBe(130);
    expect(String(r.stderr)).toMatch(/\ninterrupted$/); // execa drops the final newline
    // right away (before any other build tidies up): what the build started is gone, and so is its lock
    await waitFor("make's sleep to end", () => !alive(sleeper), 5000);
    await waitFor("the server to end", () => !alive(rec.owner.pid));
    expect(existsSync(fx.file(".hdoc/build.lock"))).toBe(false);
    expect(fx.record()).toBeUndefined();
    // the old artifact stands (no half-built one was promoted); a staging folder may be left, as by a Ctrl-C of a build in its own process
    expect(readFileSync(fx.file(".hdoc/build/functions/SlowFunction/bootstrap"), "utf8")).toBe("#!/bin/sh\n");
    fx.write("functions/slow/delay", "0\n");
    const next = await fx.build([]);
    expect(next.exitCode, next.stderr).toBe(0);
    expect(next.stderr).not.toContain("waiting for");
    expect(readdirSync(fx.file(".hdoc/build/functions")).sort()).toEqual(["HelloFunction", "SlowFunction"]);
  });

  it("ends the build when its client is killed (kill -9): the next build does not wait for it", async () => {
    const fx = world.fixture();
    const { rec, child, sleeper } = await fx.buildCaughtInServer(30);
    child.kill("SIGKILL");
    await child;
    await waitFor("make's sleep to end", () => !alive(sleeper), 5000);
    await waitFor("the server to end", () => !alive(rec.owner.pid));
    fx.write("functions/slow/delay", "0\n");
    const next = await fx.build(["--no-wait"]);
    expect(next.exitCode, next.stderr).toBe(0);
    expect(next.stderr).not.toContain(`hdoc pid ${rec.owner.pid}`);
  });

  it("runs a second build at once in its own process, which waits for the server's build (the build lock names it)", async () => {
    const fx = world.fixture();
    const { rec, child: first } = await fx.buildCaughtInServer(2);
    const second = await fx.build(["--verbose"]);
    const one = await first;
    expect(one.exitCode, String(one.stderr)).toBe(0);
    expect(servedBy(String(one.stderr))).toBe(rec.owner.pid);
    expect(second.exitCode, second.stderr).toBe(0);
    expect(servedBy(second.stderr)).toBeNaN();
    expect(second.stderr).toContain(`note: the build server (pid ${rec.owner.pid}) is running another build; building here`);
    expect(second.stderr).toContain(`hdoc pid ${rec.owner.pid} (build`);
    expect(second.stderr).toContain("0 built, 2 cached");
  });

  it("finishes the build in progress before --stop-server stops it (its caller gets the result)", async () => {
    const fx = world.fixture();
    const { rec, child } = await fx.buildCaughtInServer(2);
    const stop = await fx.build(["--stop-server"]);
    const r = await child;
    expect(r.exitCode, String(r.stderr)).toBe(0);
    expect(servedBy(String(r.stderr))).toBe(rec.owner.pid);
    expect(String(r.stderr)).not.toContain("stopped mid-build");
    expect(stop.stdout.trim()).toBe(`stopped the build server (pid ${rec.owner.pid})`);
    await waitFor("the server to stop", () => !alive(rec.owner.pid));
  });

  it("starts one server when two start at once (the other leaves at once)", async () => {
    const fx = world.fixture();
    await fx.build(["--no-server"]);
    const script = path.join(REPO_ROOT, "dist/cli/build-server.js");
    for (let round = 0; round < 4; round++) {
      const pids = [0, 1].map(() => spawn(process.execPath, [script, fx.dir], { cwd: fx.dir, detached: true, stdio: "ignore", env: { PATH: process.env.PATH, TMPDIR: world.tmp } }).pid!);
      pids.forEach((p) => fx.track(p));
      // one leaves at once (the start lock), or takes over from the first: either way one is left, and the record names it
      const rec = await waitFor("one of the two to be left, named by the record", () => {
        const left = pids.filter(alive);
        const r = fx.record();
        return left.length === 1 && r?.owner.pid === left[0] && r;
      }, 8000);
      expect(servedBy((await fx.build(["--verbose"])).stderr)).toBe(rec.owner.pid);
      await fx.build(["--stop-server"]);
      await waitFor("the server to stop", () => !alive(rec.owner.pid));
    }
  });

  it("builds here when the server does not answer (a stuck process), and that build starts a replacement", async () => {
    const fx = world.fixture();
    const rec = await fx.startServer();
    process.kill(rec.owner.pid, "SIGSTOP"); // its event loop stands still; the socket still takes connections
    const r = await fx.build(["--verbose"]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).toContain(`note: the build server (pid ${rec.owner.pid}) did not answer within 3 s; building here (hdoc build --stop-server stops it)`);
    expect(servedBy(r.stderr)).toBeNaN();
    expect(r.stderr).toContain("0 built, 2 cached");
    const pid = startedPid(r.stderr);
    expect(pid).toBeGreaterThan(0);
    // the replacement asks the stuck one to stop, gets no answer, and ends it
    await waitFor("the stuck server to be ended", () => !alive(rec.owner.pid), 10_000);
    await waitFor("the replacement's record", () => fx.record()?.owner.pid === pid);
    expect(servedBy((await fx.build(["--verbose"])).stderr)).toBe(pid);
  });

  it("--stop-server ends a server that does not answer, and leaves alone a process a record names that is not one", async () => {
    const fx = world.fixture();
    const rec = await fx.startServer();
    process.kill(rec.owner.pid, "SIGSTOP");
    const stop = await fx.build(["--stop-server"]);
    expect(stop.stdout.trim()).toBe(`stopped the build server (pid ${rec.owner.pid}; it did not answer, so it was ended with a signal)`);
    await waitFor("the server to be gone", () => !alive(rec.owner.pid));
    expect(fx.record()).toBeUndefined();

    // a record (a file in the repository) naming another process of this user, with its real start time and a socket of the right name
    const other = await fx.startServer();
    const bystander = spawn("sleep", ["30"], { stdio: "ignore" });
    fx.track(bystander.pid!);
    const owner = { ...other.owner, pid: bystander.pid!, started: new Date(processStartMs(bystander.pid!)!).toISOString() };
    writeFileSync(fx.recordFile, JSON.stringify({ ...other, owner }));
    const left = await fx.build(["--stop-server"]);
    expect(left.stdout.trim()).toBe(`left pid ${bystander.pid} alone: .hdoc/build-server.json names it, but it is not a build server of ${fx.dir}`);
    expect(alive(bystander.pid!)).toBe(true);
    bystander.kill("SIGKILL");
  });

  it("leaves a server whose esbuild service died: the build runs here (was: every build failed until the server stopped)", async () => {
    const fx = world.fixture();
    const rec = await fx.startServer();
    const children = readFileSync(`/proc/${rec.owner.pid}/task/${rec.owner.pid}/children`, "latin1").trim().split(" ").map(Number);
    const esbuild = children.find((c) => readFileSync(`/proc/${c}/cmdline`, "latin1").includes("--service"));
    expect(esbuild).toBeGreaterThan(0);
    // while it runs, the server serves
    expect(servedBy((await fx.build(["--verbose"])).stderr)).toBe(rec.owner.pid);
    process.kill(esbuild!, "SIGKILL");
    fx.write("functions/hello/handler.mjs", 'export const handler = async () => ({ statusCode: 200, body: "esbuild again" });\n');
    const r = await fx.build(["--verbose"]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(servedBy(r.stderr)).toBeNaN();
    expect(r.stderr).toContain("1 built, 1 cached");
    await waitFor("the old server to leave", () => !alive(rec.owner.pid));
  });

  it("does not use a server of other code (an upgraded or rebuilt hdoc): the build runs here and a new server replaces the old", async () => {
    const fx = world.fixture();
    const rec = await fx.startServer();
    writeFileSync(fx.recordFile, JSON.stringify({ ...rec, stamp: "0.0.1:v18.0.0:1:2:3:22:00000000" }));
    const r = await fx.build(["--verbose"]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(servedBy(r.stderr)).toBeNaN();
    const pid = startedPid(r.stderr);
    await waitFor("the new server's record", () => fx.record()?.owner.pid === pid);
    await waitFor("the old server to stop", () => !alive(rec.owner.pid));
    expect(servedBy((await fx.build(["--verbose"])).stderr)).toBe(pid);
  });

  it("writes the new server's record only once the old one it asked to stop has ended (was: an old server that read its record before the new one was written removed the new one)", async () => {
    const fx = world.fixture();
    // The old server, played here: it answers the stop, reads its record as it ends, and is slow to remove it
    // (preempted between the two, as a busy machine may do to the real one); its process is `sleep`.
    const old = spawn("sleep", ["30"], { stdio: "ignore" });
    fx.track(old.pid!);
    const folder = path.join(world.tmp, `hdoc-${process.getuid!()}`);
    mkdirSync(folder, { recursive: true, mode: 0o700 });
    chmodSync(folder, 0o700);
    const socket = path.join(folder, "build-0ddba11.sock");
    const token = "0123456789abcdef";
    let oldEnded: () => void = () => undefined;
    const oldDone = new Promise<void>((r) => (oldEnded = r));
    const listener = createServer((sock) => {
      sock.once("data", () => {
        sock.end(`${JSON.stringify({ t: "stopped", pid: old.pid })}\n`);
        const mine = (JSON.parse(readFileSync(fx.recordFile, "utf8")) as Rec).owner.token === token;
        setTimeout(() => {
          if (mine) rmSync(fx.recordFile, { force: true });
          old.kill("SIGKILL");
          oldEnded();
        }, 300);
      });
    });
    await new Promise<void>((r) => listener.listen(socket, r));
    try {
      mkdirSync(fx.file(".hdoc"), { recursive: true });
      const started = new Date(processStartMs(old.pid!) ?? Date.now()).toISOString();
      writeFileSync(fx.recordFile, JSON.stringify({ owner: { pid: old.pid, host: hostname(), started, token, purpose: "build server" }, socket, stamp: "0.0.1:v18.0.0:1:2:3:22:00000000", root: fx.dir }));
      const r = await fx.build(["--verbose"]);
      expect(r.exitCode, r.stderr).toBe(0);
      const pid = startedPid(r.stderr);
      await oldDone;
      await waitFor("the old server to end", () => !alive(old.pid!));
      await waitFor("the new server's record", () => fx.record()?.owner.pid === pid);
    } finally {
      listener.close();
    }
  });

  it("does not build another repository a copied record sends it (the build runs there, in its own process)", async () => {
    const a = world.fixture();
    const rec = await a.startServer();
    const b = world.fixture();
    mkdirSync(b.file(".hdoc"));
    cpSync(a.recordFile, b.recordFile);
    const r = await b.build(["--verbose", "--no-wait"]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(servedBy(r.stderr)).toBeNaN();
    expect(r.stderr).toContain(`note: the build server (pid ${rec.owner.pid}) serves another repository; building here`);
    expect(r.stderr).toContain("2 built, 0 cached");
    expect(servedBy((await a.build(["--verbose"])).stderr)).toBe(rec.owner.pid);
  });

  it("never connects to a socket outside this user's own socket folder, whatever the record says", async () => {
    const fx = world.fixture();
    const rec: Rec = await fx.startServer();
    const open = mkdtempSync(path.join(world.tmp, "open-"));
    chmodSync(open, 0o777);
    let connections = 0;
    const baits = [path.join(open, "build-0123abcd.sock"), path.join(open, `hdoc-${process.getuid!()}`, "build-0123abcd.sock")];
    mkdirSync(path.dirname(baits[1]!), { mode: 0o700 });
    const listeners = baits.map((b) => createServer((s) => (connections++, s.destroy())).listen(b));
    try {
      for (const bait of baits) {
        writeFileSync(fx.recordFile, JSON.stringify({ ...rec, socket: bait }));
        const r = await fx.build(["--verbose"]);
        expect(r.exitCode, r.stderr).toBe(0);
        expect(servedBy(r.stderr)).toBeNaN();
      }
      expect(connections).toBe(0);
    } finally {
      listeners.forEach((l) => l.close());
      writeFileSync(fx.recordFile, JSON.stringify(rec));
    }
  });
});
