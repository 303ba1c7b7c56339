/**
 * A small repository for the build server's end-to-end tests (test/e2e/build-server*.test.ts), and
 * what they watch: the server's record, its processes, the builds it runs. Every server a test starts
 * is tracked and killed (and waited for) before the fixture goes.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { execa, type ResultPromise } from "execa";
import { expect } from "vitest";
import { cleanEnv, HDOC_BIN, runHdoc, tempHome, type HdocResult, type TempHome } from "./hdoc.ts";

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
// The makefile function writes its shell's pid to $HDOC_TEST_STARTED, then becomes `sleep <its folder's
// delay file>` (a file of its sources: writing it makes the function stale), so a test can catch a
// build in the middle and see whether what it started is still running; it records $HDOC_TEST_MARK.
const MAKEFILE =
  "build-SlowFunction:\n" +
  '\techo "$$HDOC_TEST_MARK" > "$(ARTIFACTS_DIR)/mark.txt"\n' +
  '\techo $$$$ > "$${HDOC_TEST_STARTED:-/dev/null}"; exec sleep $$(cat delay 2>/dev/null || echo 0)\n' +
  '\techo "#!/bin/sh" > "$(ARTIFACTS_DIR)/bootstrap"\n';

export interface Rec {
  owner: { pid: number; token: string; started: string };
  socket: string;
  stamp: string;
  root: string;
}

/** Whether a process runs (a zombie, killed but not yet reaped by whoever adopted it, does not). */
export const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "latin1");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
};

export async function waitFor<T>(what: string, check: () => T | undefined | false, ms = 10_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = check();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export const startedPid = (stderr: string): number => Number(/build server starting \(pid (\d+)\)/.exec(stderr)?.[1] ?? NaN);
export const servedBy = (stderr: string): number => Number(/running in the build server \(pid (\d+)\)/.exec(stderr)?.[1] ?? NaN);

/** One test file's world: a private TMPDIR (the socket folder is made there), a HOME, the fixtures and the servers. */
export function serverWorld() {
  let home: TempHome | undefined;
  const tmp = mkdtempSync(path.join(tmpdir(), "hdoc-bs-tmp-"));
  const servers = new Set<number>();
  const fixtures: string[] = [];
  const homeDir = () => (home ??= tempHome()).home;
  const env = (extra: Record<string, string> = {}) => ({ HDOC_BUILD_SERVER: "1", TMPDIR: tmp, ...extra });

  function fixture() {
    const dir = mkdtempSync(path.join(tmpdir(), "hdoc-bs-"));
    fixtures.push(dir);
    const write = (rel: string, text: string) => {
      mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
      writeFileSync(path.join(dir, rel), text);
    };
    write("hdoc.config.json", "{}\n");
    write("infra/template.yml", TEMPLATE);
    write("functions/hello/handler.mjs", 'export const handler = async () => ({ statusCode: 200, body: "hi" });\n');
    write("functions/hello/package.json", '{ "name": "hello", "version": "1.0.0", "type": "module" }\n');
    write("functions/slow/Makefile", MAKEFILE);
    const recordFile = path.join(dir, ".hdoc/build-server.json");
    const record = (): Rec | undefined => (existsSync(recordFile) ? (JSON.parse(readFileSync(recordFile, "utf8")) as Rec) : undefined);
    /** `hdoc build ...` in this fixture, a server allowed; every server it starts is tracked. */
    const build = async (args: string[], extra: Record<string, string> = {}): Promise<HdocResult> => {
      const r = await runHdoc(["build", ...args], { home: homeDir(), cwd: dir, env: env(extra) });
      if (startedPid(r.stderr)) servers.add(startedPid(r.stderr));
      return r;
    };
    /** The same as a child process, to catch in the middle. */
    const spawnBuild = (args: string[], extra: Record<string, string> = {}): ResultPromise => execa("node", [HDOC_BIN, "build", ...args], { cwd: dir, env: cleanEnv(homeDir(), env(extra)), extendEnv: false, reject: false });
    /** A build that starts a server, and the server once it is up (its record written). */
    async function startServer(): Promise<Rec> {
      const r = await build([]);
      expect(r.exitCode, r.stderr).toBe(0);
      const pid = startedPid(r.stderr);
      expect(pid).toBeGreaterThan(0);
      return waitFor("the server's record", () => record()?.owner.pid === pid && record());
    }
    /** A server, and a build it runs that is now in make's `sleep <seconds>` (whose pid is `sleeper`). */
    async function buildCaughtInServer(seconds: number, args: string[] = ["--verbose"]) {
      const rec = await startServer();
      write("functions/slow/delay", `${seconds}\n`);
      const startedFile = path.join(dir, "make-started");
      rmSync(startedFile, { force: true });
      const child = spawnBuild(args, { HDOC_TEST_STARTED: startedFile });
      const sleeper = await waitFor("make to run in the server", () => existsSync(startedFile) && Number(readFileSync(startedFile, "utf8")));
      return { rec, child, sleeper };
    }
    return { dir, write, file: (rel: string) => path.join(dir, rel), recordFile, record, build, spawnBuild, startServer, buildCaughtInServer, track: (pid: number) => servers.add(pid) };
  }

  /** Kills every server started so far and waits for it, then removes the fixtures (a server left would write into a removed one). */
  async function tidy(): Promise<void> {
    for (const pid of servers) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // gone already
      }
    }
    await waitFor("the test's servers to be gone", () => [...servers].every((p) => !alive(p)) || undefined);
    servers.clear();
    for (const d of fixtures.splice(0)) rmSync(d, { recursive: true, force: true });
  }

  return { tmp, env, homeDir, fixture, tidy, end: async () => { await tidy(); home?.cleanup(); rmSync(tmp, { recursive: true, force: true }); } };
}
