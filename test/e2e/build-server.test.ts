/**
 * The build server, end to end with the built binary: a build starts it, later builds run in it with
 * the same output and exit codes, and every fault leaves the user with a correct build — a killed or
 * stopped server, a Ctrl-C, two builds at once, a server of other code, a socket in a folder someone
 * else controls. No secret of the caller's environment reaches the server's own environment, its
 * command line or any file.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { execa } from "execa";
import { cleanEnv, HDOC_BIN, runHdoc, tempHome, type TempHome } from "../helpers/hdoc.ts";

const TEMPLATE = `AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Resources:
  HelloFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: ../functions/hello
      Handler: handler.handler
      Runtime: nodejs22.x
  SlowFunction:
    Type: AWS::Serverless::Function
    Metadata:
      BuildMethod: makefile
    Properties:
      CodeUri: ../functions/slow
      Handler: bootstrap
      Runtime: provided.al2023
`;
// The makefile function sleeps for as many seconds as its folder's `delay` file says (a file of its
// sources: writing it makes the function stale), after touching $HDOC_TEST_STARTED, so a test can
// catch a build in the middle.
const MAKEFILE = 'build-SlowFunction:\n\ttouch "$${HDOC_TEST_STARTED:-/dev/null}"\n\tsleep $$(cat delay 2>/dev/null || echo 0)\n\techo "#!/bin/sh" > "$(ARTIFACTS_DIR)/bootstrap"\n\techo "$$HDOC_TEST_MARK" > "$(ARTIFACTS_DIR)/mark.txt"\n';

let home: TempHome;
let dir: string;
/** A private TMPDIR: the server's socket folder is made there, and nothing of another test run shares it. */
let tmp: string;
const started = new Set<number>();

function write(rel: string, text: string) {
  mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
  writeFileSync(path.join(dir, rel), text);
}

beforeAll(() => {
  home = tempHome();
  tmp = mkdtempSync(path.join(tmpdir(), "hdoc-bs-tmp-"));
});
afterAll(() => {
  for (const pid of started) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // gone already
    }
  }
  home.cleanup();
  rmSync(tmp, { recursive: true, force: true });
});

let fixtures: string[] = [];
function freshFixture() {
  dir = mkdtempSync(path.join(tmpdir(), "hdoc-bs-"));
  fixtures.push(dir);
  write("hdoc.config.json", "{}\n");
  write("infra/template.yml", TEMPLATE);
  write("functions/hello/handler.mjs", 'export const handler = async () => ({ statusCode: 200, body: "hi" });\n');
  write("functions/hello/package.json", '{ "name": "hello", "version": "1.0.0", "type": "module" }\n');
  write("functions/slow/Makefile", MAKEFILE);
}
afterEach(async () => {
  // every server a test started is stopped (and must be gone) before the next test
  const r = record();
  if (r) await runHdoc(["build", "--stop-server"], { home: home.home, cwd: dir, env: serverEnv() });
  for (const d of fixtures) rmSync(d, { recursive: true, force: true });
  fixtures = [];
});

const serverEnv = (extra: Record<string, string> = {}) => ({ HDOC_BUILD_SERVER: "1", TMPDIR: tmp, ...extra });
const hdoc = (args: string[], extra: Record<string, string> = {}) => runHdoc(["build", ...args], { home: home.home, cwd: dir, env: serverEnv(extra) });
interface Rec { owner: { pid: number; token: string }; socket: string; stamp: string; root: string }
const recordFile = () => path.join(dir, ".hdoc/build-server.json");
const record = (): Rec | undefined => (existsSync(recordFile()) ? (JSON.parse(readFileSync(recordFile(), "utf8")) as Rec) : undefined);
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
async function waitFor<T>(what: string, check: () => T | undefined | false, ms = 10_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = check();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
/** Runs a build that starts a server, and waits for the server to be up (its record written). */
async function startServer(): Promise<Rec> {
  const r = await hdoc([]);
  expect(r.exitCode, r.stderr).toBe(0);
  const pid = Number(/build server started \(pid (\d+)\)/.exec(r.stderr)?.[1]);
  expect(pid).toBeGreaterThan(0);
  started.add(pid);
  return waitFor("the server's record", () => record()?.owner.pid === pid && record());
}
/** A server, and a build it runs that is now in make's `sleep <seconds>` (the caller kills, interrupts or races it). */
async function buildCaughtInServer(seconds: number) {
  const rec = await startServer();
  write("functions/slow/delay", `${seconds}\n`);
  const startedFile = path.join(dir, "make-started");
  const child = execa("node", [HDOC_BIN, "build", "--verbose"], { cwd: dir, env: cleanEnv(home.home, serverEnv({ HDOC_TEST_STARTED: startedFile })), extendEnv: false, reject: false });
  await waitFor("make to run in the server", () => existsSync(startedFile));
  return { rec, child };
}
const servedBy = (stderr: string) => Number(/built by the build server \(pid (\d+)\)/.exec(stderr)?.[1] ?? NaN);
/** The result table without the times (they differ from run to run). */
const table = (stdout: string) => stdout.replace(/\d+ ms/g, "N ms").replace(/ +/g, " ");

describe("hdoc build with a build server", () => {
  it("starts one after a build, runs the next builds in it, and prints what a build in its own process prints", async () => {
    freshFixture();
    const rec = await startServer();
    expect(alive(rec.owner.pid)).toBe(true);
    expect(rec.root).toBe(dir);
    // the socket: in a folder only this user can enter, readable and writable by this user only
    expect(statSync(path.dirname(rec.socket)).mode & 0o777).toBe(0o700);
    expect(statSync(rec.socket).mode & 0o777).toBe(0o600);
    expect(path.dirname(rec.socket)).toBe(path.join(tmp, `hdoc-${process.getuid!()}`));

    write("functions/hello/handler.mjs", 'export const handler = async () => ({ statusCode: 200, body: "hello" });\n');
    const served = await hdoc(["--verbose"]);
    expect(served.exitCode, served.stderr).toBe(0);
    expect(servedBy(served.stderr)).toBe(rec.owner.pid);
    expect(served.stderr).toContain("1 built, 1 cached");
    expect(readFileSync(path.join(dir, ".hdoc/build/functions/HelloFunction/handler.mjs"), "utf8")).toContain('"hello"');

    // the same build in its own process prints the same table and summary
    const again = await hdoc(["--json"]);
    const local = await hdoc(["--json", "--no-server"]);
    expect(servedBy(again.stderr)).toBeNaN(); // --verbose only
    const strip = (s: string) => ({ ...JSON.parse(s), ms: 0, functions: JSON.parse(s).functions.map((f: object) => ({ ...f, ms: 0 })) });
    expect(strip(again.stdout)).toEqual(strip(local.stdout));
    const tableServed = await hdoc([]);
    const tableLocal = await hdoc(["--no-server"]);
    expect(table(tableServed.stdout)).toBe(table(tableLocal.stdout));
    expect(tableServed.stderr.replace(/\d+ ms/g, "N ms")).toBe(tableLocal.stderr.replace(/\d+ ms/g, "N ms"));
  });

  it("passes a failing build's exit code and errors through, and the caller's environment and umask to the build", async () => {
    freshFixture();
    const rec = await startServer();
    write("functions/hello/handler.mjs", "export const handler = async () => ({ statusCode: 200, body: \n");
    const bad = await hdoc(["--verbose"]);
    const badLocal = await hdoc(["--no-server"]);
    expect(servedBy(bad.stderr)).toBe(rec.owner.pid);
    expect(bad.exitCode).toBe(7);
    expect(badLocal.exitCode).toBe(7);
    const errors = (s: string) => s.split("\n").filter((l) => l.startsWith("error:"));
    expect(errors(bad.stderr)).toEqual(errors(badLocal.stderr));
    expect(errors(bad.stderr)[0]).toMatch(/^error: infra\/template\.yml HelloFunction: compile error: functions\/hello\/handler\.mjs:\d+:\d+: /);

    // make sees this build's environment
    write("functions/hello/handler.mjs", 'export const handler = async () => ({ statusCode: 200, body: "ok" });\n');
    write("functions/slow/delay", "0\n");
    const marked = await hdoc(["--verbose"], { HDOC_TEST_MARK: "mark-from-this-caller" });
    expect(marked.exitCode, marked.stderr).toBe(0);
    expect(servedBy(marked.stderr)).toBe(rec.owner.pid);
    expect(readFileSync(path.join(dir, ".hdoc/build/functions/SlowFunction/mark.txt"), "utf8").trim()).toBe("mark-from-this-caller");
    // and the server's own environment did not keep the caller's variables
    expect(readFileSync(`/proc/${rec.owner.pid}/environ`, "latin1")).not.toContain("mark-from-this-caller");
    // a caller with another umask is not served (esbuild's service writes with the server's): its build runs here
    write("functions/hello/handler.mjs", 'export const handler = async () => ({ statusCode: 200, body: "umask" });\n');
    const r = await execa("sh", ["-c", `umask 077 && exec node "${HDOC_BIN}" build --verbose`], { cwd: dir, env: cleanEnv(home.home, serverEnv()), extendEnv: false, reject: false });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(servedBy(r.stderr)).toBeNaN();
    expect(statSync(path.join(dir, ".hdoc/build/functions/HelloFunction/handler.mjs")).mode & 0o777).toBe(0o600);
    const replacement = Number(/build server started \(pid (\d+)\)/.exec(r.stderr)?.[1]);
    started.add(replacement);
    await waitFor("the old server to stop", () => !alive(rec.owner.pid));
  });

  it("keeps secrets of the caller's environment out of the server's environment, command line, record and socket folder", async () => {
    freshFixture();
    const secret = { AWS_ACCESS_KEY_ID: "AKIAIOSFODNN7EXAMPLE", AWS_SECRET_ACCESS_KEY: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", AWS_SESSION_TOKEN: "FwoGZXIvYXdzEXAMPLESESSIONTOKEN", GITHUB_TOKEN: "ghp_EXAMPLEexampleEXAMPLEexample0000" };
    const r = await hdoc([], secret);
    expect(r.exitCode, r.stderr).toBe(0);
    const rec = await waitFor("the server's record", () => record());
    started.add(rec.owner.pid);
    const served = await hdoc(["--verbose"], secret);
    expect(servedBy(served.stderr)).toBe(rec.owner.pid);
    const places = [
      readFileSync(`/proc/${rec.owner.pid}/environ`, "latin1"),
      readFileSync(`/proc/${rec.owner.pid}/cmdline`, "latin1"),
      readFileSync(recordFile(), "utf8"),
      readdirSync(path.dirname(rec.socket)).join("\n"),
      r.stdout + r.stderr + served.stdout + served.stderr,
    ];
    for (const value of Object.values(secret)) for (const text of places) expect(text).not.toContain(value);
    expect(readdirSync(path.dirname(rec.socket))).toEqual([path.basename(rec.socket)]);
  });

  it("builds in its own process when the server was killed (kill -9), tidies its record and socket, and starts a new one", async () => {
    freshFixture();
    const rec = await startServer();
    process.kill(rec.owner.pid, "SIGKILL");
    await waitFor("the server to die", () => !alive(rec.owner.pid));
    write("functions/hello/handler.mjs", 'export const handler = async () => ({ statusCode: 200, body: "after kill" });\n');
    const r = await hdoc(["--verbose"]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(servedBy(r.stderr)).toBeNaN();
    expect(r.stderr).toContain("1 built, 1 cached");
    expect(existsSync(rec.socket)).toBe(false);
    const pid = Number(/build server started \(pid (\d+)\)/.exec(r.stderr)?.[1]);
    started.add(pid);
    expect(pid).not.toBe(rec.owner.pid);
    await waitFor("the new server's record", () => record()?.owner.pid === pid);
  });

  it("finishes the build in its own process when the server dies mid-build, saying so", async () => {
    freshFixture();
    const { rec, child } = await buildCaughtInServer(3);
    process.kill(rec.owner.pid, "SIGKILL");
    const r = await child;
    expect(r.stderr).toContain(`note: the build server (pid ${rec.owner.pid}) stopped mid-build; building here`);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/1 built, 1 cached|2 built, 0 cached/);
    expect(r.stdout.match(/^Function /gm)).toHaveLength(1); // one result table, from the build here
    expect(existsSync(path.join(dir, ".hdoc/build/functions/SlowFunction/bootstrap"))).toBe(true);
    const pid = Number(/build server started \(pid (\d+)\)/.exec(r.stderr)?.[1]);
    started.add(pid);
  });

  it("stops the build at a Ctrl-C in the client (exit 130), leaves nothing half-written, and the next build is whole", async () => {
    freshFixture();
    const { rec, child } = await buildCaughtInServer(3);
    child.kill("SIGINT");
    const r = await child;
    expect(r.exitCode).toBe(130);
    expect(r.stderr).toMatch(/\ninterrupted$/); // execa drops the final newline
    await waitFor("the server to end", () => !alive(rec.owner.pid));
    expect(record()).toBeUndefined();
    rmSync(path.join(dir, "functions/slow/delay"));
    const next = await hdoc([]);
    expect(next.exitCode, next.stderr).toBe(0);
    expect(next.stderr).not.toContain("waiting for");
    expect(readdirSync(path.join(dir, ".hdoc/build/functions")).sort()).toEqual(["HelloFunction", "SlowFunction"]);
    started.add(Number(/build server started \(pid (\d+)\)/.exec(next.stderr)?.[1]));
  });

  it("runs a second build at once in its own process, which waits for the server's build (the build lock names it)", async () => {
    freshFixture();
    const { rec, child: first } = await buildCaughtInServer(2);
    const second = await hdoc(["--verbose"]);
    const one = await first;
    expect(one.exitCode, one.stderr).toBe(0);
    expect(servedBy(one.stderr)).toBe(rec.owner.pid);
    expect(second.exitCode, second.stderr).toBe(0);
    expect(servedBy(second.stderr)).toBeNaN();
    expect(second.stderr).toContain(`hdoc pid ${rec.owner.pid} (build`);
    expect(second.stderr).toContain("0 built, 2 cached");
  });

  it("does not use a server of other code (an upgraded or rebuilt hdoc): the build runs here and a new server replaces the old", async () => {
    freshFixture();
    const rec = await startServer();
    writeFileSync(recordFile(), JSON.stringify({ ...rec, stamp: "0.0.1:v18.0.0:1:2:3" }));
    const r = await hdoc(["--verbose"]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(servedBy(r.stderr)).toBeNaN();
    const pid = Number(/build server started \(pid (\d+)\)/.exec(r.stderr)?.[1]);
    started.add(pid);
    await waitFor("the new server's record", () => record()?.owner.pid === pid);
    await waitFor("the old server to stop", () => !alive(rec.owner.pid));
    expect(servedBy((await hdoc(["--verbose"])).stderr)).toBe(pid);
  });

  it("never connects to a socket in a folder other users can enter", async () => {
    freshFixture();
    const rec = await startServer();
    const open = mkdtempSync(path.join(tmp, "open-"));
    chmodSync(open, 0o777);
    const bait = path.join(open, "build-0123abcd.sock");
    let connections = 0;
    const listener = createServer((s) => {
      connections++;
      s.destroy();
    });
    await new Promise<void>((resolve) => listener.listen(bait, resolve));
    try {
      writeFileSync(recordFile(), JSON.stringify({ ...rec, socket: bait }));
      const r = await hdoc(["--verbose"]);
      expect(r.exitCode, r.stderr).toBe(0);
      expect(servedBy(r.stderr)).toBeNaN();
      expect(connections).toBe(0);
    } finally {
      listener.close();
      writeFileSync(recordFile(), JSON.stringify(rec));
    }
  });

  it("stops after HDOC_BUILD_SERVER_IDLE seconds without a build, removing its record and socket", async () => {
    freshFixture();
    const r = await hdoc([], { HDOC_BUILD_SERVER_IDLE: "1" });
    expect(r.stderr).toContain("it stops after 1 s without a build");
    const rec = await waitFor("the server's record", () => record());
    started.add(rec.owner.pid);
    await waitFor("the server to stop", () => !alive(rec.owner.pid), 5000);
    expect(record()).toBeUndefined();
    expect(existsSync(rec.socket)).toBe(false);
  });

  it("--stop-server stops it; none is started in CI, with HDOC_BUILD_SERVER=0 or --no-server", async () => {
    freshFixture();
    const rec = await startServer();
    const stop = await hdoc(["--stop-server"]);
    expect(stop.exitCode).toBe(0);
    expect(stop.stdout.trim()).toBe(`stopped the build server (pid ${rec.owner.pid})`);
    await waitFor("the server to stop", () => !alive(rec.owner.pid));
    expect(record()).toBeUndefined();
    expect((await hdoc(["--stop-server"])).stdout.trim()).toBe(`no build server runs for ${dir}`);
    for (const [args, env] of [[[], { CI: "true" }], [[], { CODEBUILD_BUILD_ID: "hdoc:1" }], [[], { GITHUB_ACTIONS: "true" }], [[], { HDOC_BUILD_SERVER: "0" }], [["--no-server"], {}]] as Array<[string[], Record<string, string>]>) {
      const r = await hdoc(args, env);
      expect(r.exitCode, r.stderr).toBe(0);
      expect(r.stderr, JSON.stringify(env)).not.toContain("build server started");
      expect(record()).toBeUndefined();
    }
  });
});
