/**
 * Starts the built `hdoc dev` as a user would (clean env, temporary HOME) and waits until it is
 * ready; `--json` gives its URL and the DynamoDB endpoint. A fixture project is copied into a
 * temporary folder with the repository's node_modules linked, so tests may edit its files.
 */
import { cpSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { execa, type ResultPromise } from "execa";
import { cleanEnv, HDOC_BIN, REPO_ROOT } from "./hdoc.ts";

export interface RunningDev {
  url: string;
  dynamoEndpoint: string;
  stderr(): string;
  /** SIGTERM (or `signal`), then the exit code and everything printed. */
  stop(signal?: NodeJS.Signals): Promise<{ exitCode: number; stderr: string }>;
  /** Sends a signal without waiting for the end. */
  signal(signal: NodeJS.Signals): void;
  /** The exit code and everything printed, once it has ended by itself (or after a signal()). */
  exited(): Promise<{ exitCode: number; stderr: string }>;
}

export async function startHdocDev(args: string[], opts: { cwd: string; home: string; timeoutMs?: number; env?: Record<string, string> }): Promise<RunningDev> {
  const child: ResultPromise = execa("node", [HDOC_BIN, "dev", "--json", ...args], {
    cwd: opts.cwd,
    env: cleanEnv(opts.home, opts.env),
    extendEnv: false,
    reject: false,
    stdin: "ignore",
    // (execa's default, SIGKILL 5 s after a SIGTERM, would cut off a stop that waits for requests in flight)
    forceKillAfterDelay: 20_000,
  });
  let out = "", err = "";
  // decoded across chunks: a character split between two reads stays one
  child.stdout?.setEncoding("utf8");
  child.stderr?.setEncoding("utf8");
  child.stdout?.on("data", (d: string) => (out += d));
  child.stderr?.on("data", (d: string) => (err += d));
  const ended = child.then((r) => r);
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`hdoc dev not ready in time:\n${err}`)), opts.timeoutMs ?? 30_000);
    const check = () => {
      if (err.includes("ready; Ctrl-C to stop") && out.trim().endsWith("}")) { clearTimeout(timer); resolve(); }
    };
    child.stderr?.on("data", check);
    child.stdout?.on("data", check);
    void ended.then((r) => { clearTimeout(timer); reject(new Error(`hdoc dev exited with ${r.exitCode}:\n${err}`)); });
  });
  const doc = JSON.parse(out) as { url: string; dynamoEndpoint: string };
  return {
    url: doc.url,
    dynamoEndpoint: doc.dynamoEndpoint,
    stderr: () => err,
    signal: (signal) => void child.kill(signal),
    exited: async () => ({ exitCode: (await ended).exitCode ?? -1, stderr: err }),
    stop: async (signal = "SIGTERM") => {
      child.kill(signal);
      const r = await ended;
      return { exitCode: r.exitCode ?? -1, stderr: err };
    },
  };
}

/** A copy of a fixture project in a temporary folder, with the repository's node_modules linked. */
export function fixtureProject(fixture: string): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(path.join(tmpdir(), "hdoc-dev-"));
  cpSync(path.join(REPO_ROOT, fixture), dir, { recursive: true, filter: (src) => !src.includes(`${path.sep}.hdoc`) });
  symlinkSync(path.join(REPO_ROOT, "node_modules"), path.join(dir, "node_modules"), "dir");
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Retries `probe` until it returns a value (not undefined) or the time is up. */
export async function eventually<T>(probe: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 100));
  }
}
