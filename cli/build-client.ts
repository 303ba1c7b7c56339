/**
 * The fast path of `hdoc build` (bin/hdoc.js loads this small module before the CLI, for build only):
 * when this repository has a build server of the same code (cli/build-server.ts), the build runs
 * there and this process only relays it — its output, its exit code, a Ctrl-C. Resolves undefined
 * whenever the server cannot take the build (none, another code, busy, killed, stopped mid-build):
 * the caller then runs the CLI in its own process, as it would without a server, and that build
 * starts a new server when none runs.
 */
import type { Socket } from "node:net";
import { rmSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { findProjectRoot } from "./core/settings.ts";
import { codeStamp, readRecord, recordAlive, recordPath, serverWanted, trustedSocket, type ServerRecord } from "./core/build/server/record.ts";
import { encode, lineReader, type ServerMessage } from "./core/build/server/protocol.ts";
import { connectTo } from "./core/build/server/client-socket.ts";

/** Global options that take a value (the command is the first word that is neither an option nor such a value). */
const VALUE_OPTIONS = new Set(["--profile", "--region", "--endpoint-url"]);
/** Options that mean: not through a server. */
const LOCAL_ONLY = new Set(["--no-server", "--stop-server"]);

/** Whether argv (as process.argv) asks for a build that a server may run. */
export function serverCommand(argv: string[]): boolean {
  const args = argv.slice(2);
  let command: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === "--") break;
    if (VALUE_OPTIONS.has(a)) i++;
    else if (!a.startsWith("-")) {
      command = a;
      break;
    }
  }
  return command === "build" && !args.some((a) => LOCAL_ONLY.has(a.split("=")[0]!));
}

export interface ClientDeps {
  argv: string[];
  env: NodeJS.ProcessEnv;
  cwd: string;
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  /** The built CLI file, whose identity is part of the code stamp (default: main.js beside this module). */
  mainFile?: string;
}

/** The server that may take this build, or undefined (a dead server's record and socket are removed on the way). */
function usableServer(d: ClientDeps): { record: ServerRecord; stamp: string } | undefined {
  if (!serverWanted(d.env) || !serverCommand(d.argv)) return undefined;
  let root: string;
  try {
    root = findProjectRoot(d.cwd, d.env).root;
  } catch {
    return undefined; // the CLI reports a bad HDOC_CONFIG
  }
  const record = readRecord(root);
  if (!record || !trustedSocket(record.socket)) return undefined;
  if (!recordAlive(record)) {
    // killed without tidying up: its record and socket go, and the build here starts a new one
    if (readRecord(root)?.owner.token === record.owner.token) rmSync(recordPath(root), { force: true });
    rmSync(record.socket, { force: true });
    return undefined;
  }
  const stamp = codeStamp(d.mainFile ?? fileURLToPath(new URL("./main.js", import.meta.url)));
  return record.stamp === stamp ? { record, stamp } : undefined;
}

export async function buildViaServer(d: ClientDeps): Promise<number | undefined> {
  const found = usableServer(d);
  if (!found) return undefined;
  const sock = await connectTo(found.record.socket);
  if (!sock) return undefined;
  return relay(sock, found.stamp, found.record.owner.pid, d);
}

function relay(sock: Socket, stamp: string, pid: number, d: ClientDeps): Promise<number | undefined> {
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
    const done = (code: number | undefined) => {
      process.removeListener("SIGINT", onSignal);
      process.removeListener("SIGTERM", onSignal);
      resolve(code);
    };
    sock.on("data", lineReader((raw) => {
      const m = raw as ServerMessage;
      if (m.t === "out") holding = true;
      if (m.t === "out" || (m.t === "err" && holding)) held.push([m.t === "out" ? d.stdout : d.stderr, m.data]);
      else if (m.t === "err") d.stderr.write(m.data);
      else if (m.t === "exit") result = m.code;
      if (m.t === "out" || m.t === "err") started = true;
    }, () => sock.destroy()));
    sock.on("error", () => undefined);
    sock.on("close", () => {
      if (result !== undefined) {
        for (const [stream, data] of held) stream.write(data);
        return done(result);
      }
      if (interrupted) {
        d.stderr.write("\ninterrupted\n");
        return done(130);
      }
      // busy, other code, or a server that stopped: the build runs here instead
      if (started) d.stderr.write(`note: the build server (pid ${pid}) stopped mid-build; building here\n`);
      done(undefined);
    });
    const info = (s: NodeJS.WriteStream) => ({ isTTY: Boolean(s.isTTY), ...(s.isTTY && s.columns ? { columns: s.columns } : {}) });
    const env = Object.fromEntries(Object.entries(d.env).filter((e): e is [string, string] => typeof e[1] === "string"));
    sock.write(encode({ t: "build", stamp, argv: d.argv, cwd: d.cwd, env, stdout: info(d.stdout), stderr: info(d.stderr) }));
  });
}
