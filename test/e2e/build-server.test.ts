/**
 * The build server, end to end with the built binary: a build starts it, later builds run in it and
 * print what a build in its own process prints (table, --json, errors, exit codes, stack traces), with
 * the caller's environment for that build only; no secret of the caller's environment reaches the
 * server's own environment, its command line or a file; it stops when idle or asked, and none starts
 * in CI. The faults are in build-server-faults.test.ts.
 */
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import { execa } from "execa";
import { cleanEnv, HDOC_BIN } from "../helpers/hdoc.ts";
import { alive, serverWorld, servedBy, startedPid, waitFor } from "../helpers/build-server.ts";

const world = serverWorld();
afterEach(() => world.tidy());
afterAll(() => world.end());

/** What a build prints, without its times and the one line that names the server. */
const same = (s: string) => s.replace(/\d+ ms/g, "N ms").replace(/"ms": \d+/g, '"ms": N').replace(/ +/g, " ").split("\n").filter((l) => !l.startsWith("running in the build server")).join("\n");

describe("hdoc build with a build server", () => {
  it("starts one after a build, runs the next builds in it, and prints what a build in its own process prints", async () => {
    const fx = world.fixture();
    const rec = await fx.startServer();
    expect(alive(rec.owner.pid)).toBe(true);
    expect(rec.root).toBe(fx.dir);
    // the socket: in a folder only this user can enter, readable and writable by this user only
    expect(path.dirname(rec.socket)).toBe(path.join(world.tmp, `hdoc-${process.getuid!()}`));
    expect(statSync(path.dirname(rec.socket)).mode & 0o777).toBe(0o700);
    expect(statSync(rec.socket).mode & 0o777).toBe(0o600);

    fx.write("functions/hello/handler.mjs", 'export const handler = async () => ({ statusCode: 200, body: "hello" });\n');
    const served = await fx.build(["--verbose"]);
    expect(served.exitCode, served.stderr).toBe(0);
    expect(servedBy(served.stderr)).toBe(rec.owner.pid);
    expect(served.stderr).toContain("1 built, 1 cached");
    expect(readFileSync(fx.file(".hdoc/build/functions/HelloFunction/handler.mjs"), "utf8")).toContain('"hello"');

    // the same build in its own process prints the same table, summary and --json document
    for (const args of [["--verbose"], ["--verbose", "--json"]]) {
      const inServer = await fx.build(args);
      const local = await fx.build([...args, "--no-server"]);
      expect(servedBy(inServer.stderr)).toBe(rec.owner.pid);
      expect(servedBy(local.stderr)).toBeNaN();
      expect(same(inServer.stdout)).toBe(same(local.stdout));
      expect(same(inServer.stderr)).toBe(same(local.stderr));
    }
  });

  it("bundles a handler edited since its last build as the request comes in, and writes what a build in its own process writes", async () => {
    const fx = world.fixture();
    const rec = await fx.startServer();
    // the server's first build: it remembers what it built
    const first = await fx.build(["--verbose", "--json"]);
    expect(servedBy(first.stderr)).toBe(rec.owner.pid);
    fx.write("functions/hello/handler.mjs", 'export const handler = async () => ({ statusCode: 200, body: "edited" });\n');
    await new Promise((r) => setTimeout(r, 200)); // (a file changed within 50 ms of the request is bundled the usual way)
    const served = await fx.build(["--verbose", "--json"]);
    expect(served.exitCode, served.stderr).toBe(0);
    expect(servedBy(served.stderr)).toBe(rec.owner.pid);
    const doc = JSON.parse(served.stdout) as { cache: { bundledEarly: number }; functions: Array<{ id: string; status: string }> };
    expect(doc.cache.bundledEarly).toBe(1);
    expect(doc.functions.filter((f) => f.status === "built").map((f) => f.id)).toEqual(["HelloFunction"]);
    // byte for byte the artifact of a build in its own process (into a folder as deep)
    const local = await fx.build(["--no-server", "--json", "--out-dir", ".hdoc/local"]);
    expect(JSON.parse(local.stdout).cache.bundledEarly).toBe(0);
    const files = (dir: string) => Object.fromEntries(readdirSync(fx.file(dir)).sort().map((f) => [f, readFileSync(fx.file(path.join(dir, f)), "utf8")]));
    expect(files(".hdoc/build/functions/HelloFunction")).toEqual(files(".hdoc/local/functions/HelloFunction"));
    expect(files(".hdoc/build/functions/HelloFunction")["handler.mjs"]).toContain('"edited"');
  });

  it("passes a failing build's exit code, errors and source-mapped stack traces through", async () => {
    const fx = world.fixture();
    const rec = await fx.startServer();
    fx.write("functions/hello/handler.mjs", "export const handler = async () => ({ statusCode: 200, body: \n");
    const bad = await fx.build(["--verbose"]);
    const badLocal = await fx.build(["--no-server"]);
    expect(servedBy(bad.stderr)).toBe(rec.owner.pid);
    expect(bad.exitCode).toBe(7);
    expect(badLocal.exitCode).toBe(7);
    const errors = (s: string) => s.split("\n").filter((l) => l.startsWith("error:"));
    expect(errors(bad.stderr)).toEqual(errors(badLocal.stderr));
    expect(errors(bad.stderr)[0]).toMatch(/^error: infra\/template\.yml HelloFunction: compile error: functions\/hello\/handler\.mjs:\d+:\d+: /);

    // output to a reader that has gone away (hdoc build | head -1 under pipefail): the build's own exit code,
    // in the server and in its own process (was: 0 from the server, whose result comes after the output)
    const closedOutput = async (args: string[]) => {
      const p = fx.spawnBuild(args);
      p.stdout!.destroy();
      const r = await p;
      return [r.exitCode, String(r.stderr).includes("EPIPE")];
    };
    expect(await closedOutput(["--verbose"])).toEqual([7, false]);
    expect(await closedOutput(["--no-server"])).toEqual([7, false]);
    fx.write("functions/hello/handler.mjs", 'export const handler = async () => ({ statusCode: 200, body: "fixed" });\n');
    expect(await closedOutput(["--verbose"])).toEqual([0, false]);
    fx.write("functions/hello/handler.mjs", "export const handler = async () => ({ statusCode: 200, body: \n");

    const unknown = await fx.build(["--function", "Nope", "--verbose"]);
    expect(unknown.exitCode).toBe(6);
    expect(servedBy(unknown.stderr)).toBe(rec.owner.pid);
    expect(unknown.stderr).toContain("error: --function Nope: no such function in the templates");
    expect(unknown.stderr).toMatch(/at findFunction \(.*cli\/core\/build\/select\.ts:\d+:\d+\)/);
  });

  it("gives each build the caller's environment, and the next build none of it", async () => {
    const fx = world.fixture();
    const rec = await fx.startServer();
    fx.write("functions/slow/delay", "0\n");
    const marked = await fx.build(["--verbose"], { HDOC_TEST_MARK: "mark-from-this-caller" });
    expect(servedBy(marked.stderr)).toBe(rec.owner.pid);
    expect(readFileSync(fx.file(".hdoc/build/functions/SlowFunction/mark.txt"), "utf8").trim()).toBe("mark-from-this-caller");
    fx.write("functions/slow/delay", "0 \n"); // stale again
    const unmarked = await fx.build(["--verbose"]);
    expect(servedBy(unmarked.stderr)).toBe(rec.owner.pid);
    expect(readFileSync(fx.file(".hdoc/build/functions/SlowFunction/mark.txt"), "utf8").trim()).toBe("");
  });

  it("serves only a caller of the same umask (esbuild's service writes with the server's): another builds here and replaces it", async () => {
    const fx = world.fixture();
    const rec = await fx.startServer();
    fx.write("functions/hello/handler.mjs", 'export const handler = async () => ({ statusCode: 200, body: "umask" });\n');
    const r = await execa("sh", ["-c", `umask 077 && exec node "${HDOC_BIN}" build --verbose`], { cwd: fx.dir, env: cleanEnv(world.homeDir(), world.env()), extendEnv: false, reject: false });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(servedBy(r.stderr)).toBeNaN();
    expect(statSync(fx.file(".hdoc/build/functions/HelloFunction/handler.mjs")).mode & 0o777).toBe(0o600);
    fx.track(startedPid(r.stderr));
    await waitFor("the old server to stop", () => !alive(rec.owner.pid));
  });

  it("keeps secrets of the caller's environment out of the server's environment, command line, record and socket folder", async () => {
    const fx = world.fixture();
    const secret = { AWS_ACCESS_KEY_ID: "AKIAIOSFODNN7EXAMPLE", AWS_SECRET_ACCESS_KEY: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", AWS_SESSION_TOKEN: "FwoGZXIvYXdzEXAMPLESESSIONTOKEN", GITHUB_TOKEN: "ghp_EXAMPLEexampleEXAMPLEexample0000" };
    // the build that starts the server has the secrets in its environment: the server is started without them
    // a socket folder of its own, to see everything in it
    const env = { ...secret, TMPDIR: mkdtempSync(path.join(world.tmp, "own-")) };
    const first = await fx.build([], env);
    expect(first.exitCode, first.stderr).toBe(0);
    const rec = await waitFor("the server's record", () => fx.record());
    const served = await fx.build(["--verbose"], env);
    expect(servedBy(served.stderr)).toBe(rec.owner.pid);
    const places = [
      readFileSync(`/proc/${rec.owner.pid}/environ`, "latin1"),
      readFileSync(`/proc/${rec.owner.pid}/cmdline`, "latin1"),
      readFileSync(fx.recordFile, "utf8"),
      readdirSync(path.dirname(rec.socket)).join("\n"),
      first.stdout + first.stderr + served.stdout + served.stderr,
    ];
    for (const value of Object.values(secret)) for (const text of places) expect(text).not.toContain(value);
    expect(readdirSync(path.dirname(rec.socket))).toEqual([path.basename(rec.socket)]);
  });

  it("stops after HDOC_BUILD_SERVER_IDLE seconds without a build, removing its record and socket", async () => {
    const fx = world.fixture();
    const r = await fx.build([], { HDOC_BUILD_SERVER_IDLE: "1" });
    expect(r.stderr).toContain("it stops after 1 s without a build");
    const rec = await waitFor("the server's record", () => fx.record());
    await waitFor("the server to stop", () => !alive(rec.owner.pid), 5000);
    expect(fx.record()).toBeUndefined();
    expect(existsSync(rec.socket)).toBe(false);
  });

  it("--stop-server stops it; none is started in CI, with HDOC_BUILD_SERVER=0 or --no-server", async () => {
    const fx = world.fixture();
    const rec = await fx.startServer();
    const stop = await fx.build(["--stop-server"]);
    expect(stop.exitCode).toBe(0);
    expect(stop.stdout.trim()).toBe(`stopped the build server (pid ${rec.owner.pid})`);
    await waitFor("the server to stop", () => !alive(rec.owner.pid));
    expect(fx.record()).toBeUndefined();
    expect((await fx.build(["--stop-server"])).stdout.trim()).toBe(`no build server runs for ${fx.dir}`);
    for (const [args, env] of [[[], { CI: "true" }], [[], { CODEBUILD_BUILD_ID: "hdoc:1" }], [[], { GITHUB_ACTIONS: "true" }], [[], { HDOC_BUILD_SERVER: "0" }], [["--no-server"], {}]] as Array<[string[], Record<string, string>]>) {
      const r = await fx.build(["--verbose", ...args], env);
      expect(r.exitCode, r.stderr).toBe(0);
      expect(r.stderr, JSON.stringify(env)).not.toContain("build server starting");
      expect(fx.record()).toBeUndefined();
    }
  });

  it("says why none starts when its socket folder is not private or too deep for a socket path", async () => {
    const fx = world.fixture();
    const deep = path.join(world.tmp, "d".repeat(60), "e".repeat(40));
    mkdirSync(deep, { recursive: true });
    const r = await fx.build(["--verbose"], { TMPDIR: deep });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).not.toContain("build server starting");
    expect(r.stderr).toMatch(/no build server: a socket in .* would have a path longer than 103 bytes \(set TMPDIR to a shorter folder\)/);
    const shared = path.join(world.tmp, "shared");
    mkdirSync(path.join(shared, `hdoc-${process.getuid!()}`), { recursive: true, mode: 0o755 });
    chmodSync(path.join(shared, `hdoc-${process.getuid!()}`), 0o755);
    const open = await fx.build(["--verbose"], { TMPDIR: shared });
    expect(open.exitCode, open.stderr).toBe(0);
    expect(open.stderr).not.toContain("build server starting");
    expect(open.stderr).toContain(`no build server: ${path.join(shared, `hdoc-${process.getuid!()}`)} is not a folder of this user's that only it can enter`);
  });
});
