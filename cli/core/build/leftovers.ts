/**
 * What a killed build leaves in its build folder: artifact staging folders (`<id>.tmp-<pid>-<x>`),
 * replaced artifacts not yet removed (`<id>.old-<pid>`) and temporary files of atomic writes
 * (`.<name>.hdoc-<pid>-<x>.tmp`). Removed at the start of the next build, which holds the build
 * folder's lock, so none of them can belong to a build still running.
 */
import { rmSync } from "node:fs";
import path from "node:path";
import { walkEntries } from "../fs/dir-walk.ts";

const LEFTOVER = /(\.tmp-\d+-[a-z0-9]+|\.old-\d+)$|^\..+\.hdoc-\d+-[0-9a-f]+\.tmp$/;

/** Removes the leftovers under `outDir`; returns them, relative to it. */
export function removeBuildLeftovers(outDir: string): string[] {
  const removed: string[] = [];
  walkEntries(outDir, (e, full, depth) => {
    if (!LEFTOVER.test(e.name)) return depth < 4;
    rmSync(full, { recursive: true, force: true });
    removed.push(path.relative(outDir, full));
    return false;
  });
  return removed.sort();
}
