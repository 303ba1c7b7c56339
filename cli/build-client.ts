/**
 * The fast path of `hdoc build` (bin/hdoc.js loads this small module before the CLI, for build only):
 * when this repository has a build server of the same code (cli/build-server.ts), the build runs
 * there and this process only relays it — its output, its exit code, a Ctrl-C. Resolves undefined
 * whenever the server cannot take the build (none, another code, busy, killed, stopped mid-build):
 * the caller then runs the CLI in its own process, as it would without a server, and that build
 * starts a new server when none runs.
 */
import type { Socket } from "node:net";
import { findProjectRoot } from "./core/settings.ts";
import { codeStamp, ownSocket, readRecord, removeServerFiles, serverWanted, untilGone, type ServerRecord } from "./core/build/server/record.ts";
import { ANSWER_MS, encode, lineReader, type ServerMessage } from "./core/build/server/protocol.ts";
import { connectTo } from "./core/build/server/client-socket.ts";

/** Global options that take a value (the command is the first word that is neither an option nor such a value). */
const VALUE_OPTIONS = new Set(["--profile", "--region", "--endpoint-url"]);
/** How long a server whose socket is closed may take to count as ended before its record is left alone. */
const ENDING_MS = 500;
/** Options that mean: not through a server. */
const LOCAL_ONLY = new Set(["--no-server", "--stop-server"]);

/**
 * The command argv (as process.argv) names: its first word that is neither an option nor an option's
 * value; undefined when there is none or help is asked for before it (`hdoc --help build` is the
 * whole program's help).
 */
export function commandOf(argv: string[]): string | undefined {
  const args = argv.slice(2);
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === "--" || a === "-h" || a === "--help") return undefined;
    if (VALUE_OPTIONS.has(a)) i++;
    else if (!a.startsWith("-")) return a;
  }
  return undefined;
}

/** Whether argv (as process.argv) asks for a build that a server may run. */
export function serverCommand(argv: string[]): boolean {
  return commandOf(argv) === "build" && !argv.slice(2).some((a) => LOCAL_ONLY.has(a.split("=")[0]!));
}

export interface ClientDeps {
  argv: string[];
  env: NodeJS.ProcessEnv;
  cwd: string;
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  /** The built CLI file (dist/cli/main.js), whose identity is part of the code stamp. */
  mainFile: string;
}

/** A server found for this build: its record, the socket worked out for it, the project root, this client's code stamp. */
interface Found {
  record: ServerRecord;
  socket: string;
  root: string;
  stamp: string;
}

/** The server that may take this build: a record of the same code naming a socket in a private folder. */
function usableServer(d: ClientDeps): Found | undefined {
  if (!serverWanted(d.env) || !serverCommand(d.argv)) return undefined;
  let root: string;
  try {
    root = findProjectRoot(d.cwd, d.env).root;
  } catch {
    return undefined; // the CLI reports a bad HDOC_CONFIG
  }
  const record = readRecord(root);
  const socket = record && ownSocket(record.socket);
  if (!record || !socket) return undefined;
  const stamp = codeStamp(d.mainFile, d.env);
  return record.stamp === stamp ? { record, socket, root, stamp } : undefined;
}

/**
 * The build's exit code when the server ran it; else how the caller goes on: `unresponsive` when a
 * server took the connection but did not answer (stuck: the build here starts a replacement).
 */
export type ClientResult = { code: number } | { fallback: "none" } | { fallback: "unresponsive"; pid: number };

export async function buildViaServer(d: ClientDeps): Promise<ClientResult> {
  const found = usableServer(d);
  if (!found) return { fallback: "none" };
  const sock = await connectTo(found.socket);
  if (!sock) {
    // nothing listens: a server killed without tidying up
    await tidyIfGone(found);
    return { fallback: "none" };
  }
  return relay(sock, found, d);
}

/**
 * A server killed without tidying up leaves its record and socket; they go once its process has ended
 * (waited for a moment: a killed process's socket closes while its threads are still ending, before the
 * process counts as gone), and the build here starts a new one. A live server's are left alone.
 */
async function tidyIfGone(found: Found): Promise<void> {
  try {
    if (await untilGone(found.record, ENDING_MS)) removeServerFiles(found.root, found.record.owner, found.socket);
  } catch {
    // tidying is best effort: the build goes on here either way
  }
}

/** Why a server did not take a build (said under --verbose). */
const WHY = { busy: "is running another build", stale: "runs other code or lost its esbuild service (a new one replaces it)", declined: "serves another repository" } as const;

function relay(sock: Socket, found: Found, d: ClientDeps): Promise<ClientResult> {
  const { stamp } = found;
  const pid = found.record.owner.pid;
  const verbose = d.argv.includes("--verbose") || d.argv.includes("-v");
  return new Promise((resolve) => {
    // From the first stdout line on (the result: a table or the JSON document, then the summary lines on
    // stderr) everything is held, in order, until the exit code: a server that dies then leaves no half
    // result behind, and the build here prints it whole.
    const held: Array<[NodeJS.WriteStream, string]> = [];
    let holding = false;
    let result: number | undefined;
    let interrupted = false;
    let started = false;
    const onSignal = (signal: NodeJS.Signals) => {
      if (interrupted) process.exit(signal === "SIGINT" ? 130 : 143);
      interrupted = true;
      sock.write(encode({ t: "interrupt", signal }));
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
    let settled = false;
    const done = (r: ClientResult) => {
      if (settled) return;
      settled = true;
      process.removeListener("SIGINT", onSignal);
      process.removeListener("SIGTERM", onSignal);
      resolve(r);
    };
    /** The build's result: what was held, then its exit code (at its exit message: the socket's close is not waited for). */
    const finish = (code: number) => {
      if (settled) return;
      for (const [stream, data] of held) stream.write(data);
      done({ code });
    };
    // a server that does not answer at once is stuck: the build runs here
    let answered = false;
    let unresponsive = false;
    const silent = setTimeout(() => {
      unresponsive = true;
      d.stderr.write(`note: the build server (pid ${pid}) did not answer within ${ANSWER_MS / 1000} s; building here (hdoc build --stop-server stops it)\n`);
      sock.destroy();
    }, ANSWER_MS);
    sock.on("data", lineReader((raw) => {
      const m = raw as ServerMessage;
      if (!answered) {
        answered = true;
        clearTimeout(silent);
      }
      if ((m.t === "busy" || m.t === "stale" || m.t === "declined") && verbose) d.stderr.write(`note: the build server (pid ${m.pid}) ${WHY[m.t]}; building here\n`);
      if (m.t === "out") holding = true;
      if (m.t === "out" || (m.t === "err" && holding)) held.push([m.t === "out" ? d.stdout : d.stderr, m.data]);
      else if (m.t === "err") d.stderr.write(m.data);
      else if (m.t === "exit") {
        result = m.code;
        clearTimeout(silent);
        finish(m.code);
        sock.destroy();
      }
      if (m.t === "out" || m.t === "err") started = true;
    }, () => sock.destroy()));
    sock.on("error", () => undefined);
    sock.on("close", async () => {
      clearTimeout(silent);
      if (result !== undefined) return finish(result);
      // a connection taken and closed unanswered: a server killed as it came (its socket stays open while its threads end)
      if (!answered && !unresponsive && !interrupted) await tidyIfGone(found);
      if (interrupted) {
        d.stderr.write("\ninterrupted\n");
        return done({ code: 130 });
      }
      if (unresponsive) return done({ fallback: "unresponsive", pid });
      // busy, other code, another repository, or a server that stopped: the build runs here instead
      if (started) d.stderr.write(`note: the build server (pid ${pid}) stopped mid-build; building here\n`);
      done({ fallback: "none" });
    });
    const info = (s: NodeJS.WriteStream) => ({ isTTY: Boolean(s.isTTY), ...(s.isTTY && s.columns ? { columns: s.columns } : {}) });
    const env = Object.fromEntries(Object.entries(d.env).filter((e): e is [string, string] => typeof e[1] === "string"));
    sock.write(encode({ t: "build", stamp, argv: d.argv, cwd: d.cwd, env, stdout: info(d.stdout), stderr: info(d.stderr) }));
  });
}
