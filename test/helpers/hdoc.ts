/**
 * Runs the built hdoc binary (bin/hdoc.js -> dist/) as a user would: a temporary HOME, no AWS
 * variables from the developer's environment, no TTY (unless runHdocInTerminal is used).
 */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { execa } from "execa";

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const HDOC_BIN = path.join(REPO_ROOT, "bin/hdoc.js");

export interface TempHome {
  home: string;
  aws: string;
  credentialsFile: string;
  configFile: string;
  cleanup(): void;
}

export function tempHome(): TempHome {
  const home = mkdtempSync(path.join(tmpdir(), "hdoc-home-"));
  const aws = path.join(home, ".aws");
  mkdirSync(aws, { mode: 0o700 });
  return {
    home,
    aws,
    credentialsFile: path.join(aws, "credentials"),
    configFile: path.join(aws, "config"),
    cleanup: () => rmSync(home, { recursive: true, force: true }),
  };
}

/** A temporary HOME holding these AWS files (mode 0600), cleaned up by `cleanupAll`. */
export function awsHomes(): { home(credentials?: Uint8Array | string, config?: string): TempHome; cleanupAll(): void } {
  const homes: TempHome[] = [];
  return {
    home(credentials, config) {
      const h = tempHome();
      homes.push(h);
      if (credentials !== undefined) writeFileSync(h.credentialsFile, credentials, { mode: 0o600 });
      if (config !== undefined) writeFileSync(h.configFile, config, { mode: 0o600 });
      return h;
    },
    cleanupAll: () => homes.forEach((h) => h.cleanup()),
  };
}

/**
 * The environment of a clean user: PATH and HOME, nothing AWS-related leaking in from outside. No build
 * server (HDOC_BUILD_SERVER=0): a test that wants one says so (test/e2e/build-server.test.ts), and no
 * other test leaves a warm process behind or gets its build run by another test's server.
 */
export function cleanEnv(home: string, extra: Record<string, string | undefined> = {}): Record<string, string> {
  const env: Record<string, string> = { PATH: process.env.PATH ?? "", HOME: home, LANG: "C.UTF-8", TZ: "UTC", NO_COLOR: "1", HDOC_BUILD_SERVER: "0" };
  for (const [k, v] of Object.entries(extra)) if (v !== undefined) env[k] = v;
  return env;
}

export interface HdocResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export async function runHdoc(args: string[], opts: { home: string; env?: Record<string, string | undefined>; cwd?: string; input?: string; timeoutMs?: number }): Promise<HdocResult> {
  const r = await execa("node", [HDOC_BIN, ...args], {
    cwd: opts.cwd ?? REPO_ROOT,
    env: cleanEnv(opts.home, opts.env),
    extendEnv: false,
    reject: false,
    input: opts.input ?? "",
    timeout: opts.timeoutMs ?? 60_000,
  });
  return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
}

/**
 * Runs hdoc inside a pseudo-terminal (util-linux `script`), typing `keys` one chunk at a time once
 * the output contains each chunk's `after` text. Output is the terminal's (stdout and stderr mixed).
 */
export function runHdocInTerminal(args: string[], opts: TerminalOptions): Promise<TerminalResult> {
  return runInTerminal(["node", HDOC_BIN, ...args], opts);
}

export interface TerminalOptions {
  home: string;
  env?: Record<string, string | undefined>;
  cwd?: string;
  keys: Array<{ after: string | RegExp; send: string }>;
  timeoutMs?: number;
  columns?: number;
  stdoutFile?: string;
}

export interface TerminalResult {
  exitCode: number;
  output: string;
  screen: string[];
}

/** Runs `command` in a pseudo-terminal as runHdocInTerminal does hdoc. */
export async function runInTerminal(command: string[], opts: TerminalOptions): Promise<TerminalResult> {
  const quote = (a: string) => `'${a.replace(/'/g, `'\\''`)}'`;
  // stdoutFile: the results go to a file, so the terminal shows only what hdoc draws on stderr
  const quoted = command.map(quote).join(" ") + (opts.stdoutFile ? ` > ${quote(opts.stdoutFile)}` : "");
  // the pseudo-terminal's size, as a terminal of that width would report it (stty), and COLUMNS too
  const sized = opts.columns ? `stty cols ${opts.columns} rows 40; ${quoted}` : quoted;
  const child = execa("script", ["-qfec", sized, "/dev/null"], {
    cwd: opts.cwd ?? REPO_ROOT,
    env: { ...cleanEnv(opts.home, opts.env), TERM: "xterm", ...(opts.columns ? { COLUMNS: String(opts.columns) } : {}) },
    extendEnv: false,
    reject: false,
    stdin: "pipe",
    timeout: opts.timeoutMs ?? 60_000,
  });
  let output = "";
  const pending = [...opts.keys];
  // decoded across reads: a character's bytes split between two reads of the terminal (an ellipsis, a
  // box-drawing line) stay one character (was: two U+FFFD, and a row that no longer matched, now and then)
  child.stdout?.setEncoding("utf8");
  child.stdout?.on("data", (d: string) => {
    output += d;
    while (pending.length) {
      const next = pending[0]!;
      const seen = typeof next.after === "string" ? output.includes(next.after) : next.after.test(output);
      if (!seen) break;
      pending.shift();
      setTimeout(() => child.stdin?.write(next.send), 50);
    }
  });
  const r = await child;
  // eslint-disable-next-line no-control-regex
  const plain = (s: string) => s.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, "");
  return { exitCode: r.exitCode ?? -1, output: plain(output).replace(/\r/g, ""), screen: screenRows(output).map(plain) };
}

/**
 * The rows a terminal keeps on screen: for each line, what follows its last carriage return (a
 * redrawn status line leaves only its last state). Escape codes are left for the caller to strip.
 */
export function screenRows(output: string): string[] {
  return output
    .replace(/\r\n/g, "\n")
    .split("\n")
    .map((row) => row.split("\r").pop()!)
    // eslint-disable-next-line no-control-regex
    .filter((row) => row.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, "") !== "");
}
