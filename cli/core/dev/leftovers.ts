/**
 * Work folders of `hdoc dev` runs that were killed (kill -9 leaves `.hdoc/dev/run-<pid>-<time>`):
 * removed at the next start when their process is gone. A folder of a run that is still going (a
 * second hdoc dev on another port) is kept.
 */
import { readdirSync, rmSync } from "node:fs";
import path from "node:path";
import { pidRunning } from "../fs/owner.ts";

/** Whether the run's process still runs (this one counts). */
const processAlive = (pid: number): boolean => pid === process.pid || pidRunning(pid);

/** Removes `run-<pid>-*` folders under `devDir` whose process has ended; returns the names removed. */
export function removeLeftoverRuns(devDir: string, alive: (pid: number) => boolean = processAlive): string[] {
  let names: string[];
  try {
    names = readdirSync(devDir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const m = /^run-(\d+)-/.exec(name);
    if (!m || alive(Number(m[1]))) continue;
    rmSync(path.join(devDir, name), { recursive: true, force: true });
    removed.push(name);
  }
  return removed;
}
