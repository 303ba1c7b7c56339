/**
 * What killed `hdoc dev` runs leave in `.hdoc/dev` — their work folders (`run-<pid>-<time>`) and the
 * temporary files of a cache write cut short (`<name>.<pid>-<ms>.tmp`, e.g. templates.json's) —
 * removed at the next start when their process is gone. What a run that is still going owns (a second
 * hdoc dev on another port) is kept.
 */
import { readdirSync, rmSync } from "node:fs";
import path from "node:path";
import { pidRunning } from "../fs/owner.ts";

/** Whether the run's process still runs (this one counts). */
const processAlive = (pid: number): boolean => pid === process.pid || pidRunning(pid);

/** The pid in a work folder's or a temporary file's name. */
const ownerPid = (name: string): number | undefined => {
  const m = /^run-(\d+)-/.exec(name) ?? /\.(\d+)-\d+\.tmp$/.exec(name);
  return m ? Number(m[1]) : undefined;
};

/** Removes the work folders and temporary files under `dir` whose process has ended; returns the names removed. */
export function removeLeftoverRuns(dir: string, alive: (pid: number) => boolean = processAlive): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const pid = ownerPid(name);
    if (pid === undefined || alive(pid)) continue;
    rmSync(path.join(dir, name), { recursive: true, force: true });
    removed.push(name);
  }
  return removed;
}
