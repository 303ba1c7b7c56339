/**
 * The build server's view of processes (Linux /proc; elsewhere the checks say "cannot tell"): whether a
 * pid is a build server of a repository, what it has started, and ending those as a Ctrl-C in a
 * terminal would.
 */
import { readFileSync, readdirSync } from "node:fs";

const read = (file: string): string | undefined => {
  try {
    return readFileSync(file, "latin1");
  } catch {
    return undefined;
  }
};

/** The arguments a process was started with, or undefined when they cannot be read. */
function commandLine(pid: number): string[] | undefined {
  const text = read(`/proc/${pid}/cmdline`);
  return text === undefined ? undefined : text.split("\0").filter(Boolean);
}

/**
 * Whether `pid` is a build server of `root` (`node …/build-server.js <root>`): a record alone does not
 * say so (anyone who can write the repository can write one naming any process).
 */
export function isBuildServerOf(pid: number, root: string): boolean {
  const args = commandLine(pid);
  return args !== undefined && args.length >= 3 && args[args.length - 2]!.endsWith("build-server.js") && args[args.length - 1] === root;
}

/** The pids this process started that still run (its threads' children). */
export function childrenOf(pid: number): number[] {
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return [];
  }
  return tasks.flatMap((t) => (read(`/proc/${pid}/task/${t}/children`) ?? "").split(" ").filter(Boolean).map(Number));
}

/**
 * Whether esbuild's service process (a child started with `--service`) still runs. Undefined when it
 * cannot be told (no /proc): then the server goes on trusting it.
 */
export function esbuildServiceAlive(): boolean | undefined {
  if (read(`/proc/${process.pid}/cmdline`) === undefined) return undefined;
  // esbuild's service runs as `esbuild --service=<version> --ping`
  return childrenOf(process.pid).some((c) => commandLine(c)?.some((a) => a === "--service" || a.startsWith("--service=")) === true);
}

/**
 * Signals what the server's build started (make, pip and their children), as a Ctrl-C in a terminal
 * reaches a build's whole process group: the server leads its own group (it is started detached), so
 * the signal goes to the group, this process ignoring it. Synchronous: the caller exits right after,
 * before the build's own code can go on (it would, with the lock already released).
 */
export function signalProcessGroup(signal: NodeJS.Signals): void {
  // cli()'s handlers (none in the server) or the server's own would act on it: from here on it means nothing here
  process.removeAllListeners(signal);
  process.on(signal, () => undefined);
  try {
    process.kill(-process.pid, signal);
  } catch {
    // not a group leader (not started detached): nothing of ours to reach that way
  }
}
