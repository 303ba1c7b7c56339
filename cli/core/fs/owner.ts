/**
 * Who holds something on disk (a lock, a temporary file): this process's owner record, and whether a
 * recorded owner still runs. A pid alone is not enough after a reboot or a crash (pids are reused), so
 * the record carries the process's start time and the host, and a running process whose start time
 * differs from the record is not the owner.
 */
import { readFileSync } from "node:fs";
import os from "node:os";
import { randomBytes } from "node:crypto";

export interface OwnerRecord {
  pid: number;
  host: string;
  /** When the owning process started (ISO time). */
  started: string;
  /** What it is doing, e.g. "mfa login" or "build". */
  purpose: string;
  /** Unique per acquisition, so an owner can tell its own record from a successor's. */
  token: string;
}

/** Start time of a running process in ms since the epoch, from /proc (Linux); undefined elsewhere. */
export function processStartMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "latin1");
    // the command name (field 2) may hold spaces and parentheses: count fields after its last ')'
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const ticks = Number(fields[19]);
    const btime = Number(/^btime (\d+)$/m.exec(readFileSync("/proc/stat", "latin1"))?.[1]);
    if (!Number.isFinite(ticks) || !Number.isFinite(btime)) return undefined;
    // USER_HZ is 100 on every Linux that Node supports
    return btime * 1000 + ticks * 10;
  } catch {
    return undefined;
  }
}

let selfStarted: string | undefined;

export function ownerRecord(purpose: string): OwnerRecord {
  selfStarted ??= new Date(processStartMs(process.pid) ?? Date.now() - process.uptime() * 1000).toISOString();
  return { pid: process.pid, host: os.hostname(), started: selfStarted, purpose, token: randomBytes(8).toString("hex") };
}

export type OwnerState = "running" | "gone" | "elsewhere";

/**
 * Whether a process with this pid runs on this host (a process of another user counts: EPERM). A
 * zombie (killed, not yet reaped by whoever adopted it) does not: it holds nothing any more.
 */
export function pidRunning(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
  return processState(pid) !== "Z";
}

/** The state letter of /proc/<pid>/stat (R, S, Z...), or undefined where there is no /proc. */
function processState(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "latin1");
    return stat.charAt(stat.lastIndexOf(")") + 2);
  } catch {
    return undefined;
  }
}

/** "elsewhere" when the owner ran on another host (a shared home folder): it cannot be checked from here. */
export function ownerState(o: Pick<OwnerRecord, "pid" | "host" | "started">): OwnerState {
  if (o.host !== os.hostname()) return "elsewhere";
  if (!pidRunning(o.pid)) return "gone";
  const recorded = Date.parse(o.started);
  const actual = processStartMs(o.pid);
  // a reused pid: the process running now started at another time than the one that wrote the record
  if (actual !== undefined && Number.isFinite(recorded) && Math.abs(actual - recorded) > 2000) return "gone";
  return "running";
}

export function parseOwner(text: string): OwnerRecord | undefined {
  try {
    const o = JSON.parse(text) as Partial<OwnerRecord>;
    if (typeof o.pid === "number" && typeof o.host === "string" && typeof o.started === "string" && typeof o.token === "string") {
      return { pid: o.pid, host: o.host, started: o.started, token: o.token, purpose: typeof o.purpose === "string" ? o.purpose : "unknown" };
    }
  } catch {
    // not a record
  }
  return undefined;
}

/** "hdoc pid 4242 (mfa login)", plus the host when it is another one. */
export function describeOwner(o: OwnerRecord): string {
  return `hdoc pid ${o.pid} (${o.purpose})${o.host !== os.hostname() ? ` on host ${o.host}` : ""}`;
}
