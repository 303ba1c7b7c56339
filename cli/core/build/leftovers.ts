/**
 * What a killed build leaves in its build folder: artifact staging folders (`<id>.tmp-<pid>-<x>`),
 * replaced artifacts not yet removed (`<id>.old-<pid>`) and temporary files of atomic writes
 * (`.<name>.hdoc-<pid>-<x>.tmp`), and beside it a build folder a `--clean` build had set aside
 * (`<build folder>.old-<pid>`). Removed at the start of the next build, which holds the build
 * folder's lock, so none of them can belong to a build still running.
 */
import { readdirSync, renameSync, rmSync } from "node:fs";
import path from "node:path";
import { walkEntries } from "../fs/dir-walk.ts";

const LEFTOVER = /(\.tmp-\d+-[a-z0-9]+|\.old-\d+)$|^\..+\.hdoc-\d+-[0-9a-f]+\.tmp$/;

/** The build folders set aside by `--clean` builds that did not finish removing them (absolute). */
function setAside(outDir: string): string[] {
  const base = path.basename(outDir).replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const pattern = new RegExp(`^${base}\\.old-\\d+$`);
  let names: string[];
  try {
    names = readdirSync(path.dirname(outDir));
  } catch {
    return [];
  }
  return names.filter((n) => pattern.test(n)).map((n) => path.join(path.dirname(outDir), n));
}

/**
 * Empties the build folder for `--clean` at once: it is renamed aside (`<outDir>.old-<pid>`, returned)
 * for the caller to remove when that costs least (hdoc build: while esbuild bundles); undefined when
 * there was nothing to set aside or it could only be removed on the spot. One a killed build set
 * aside is removed now.
 */
export function setBuildFolderAside(outDir: string): string | undefined {
  for (const d of setAside(outDir)) rmSync(d, { recursive: true, force: true });
  const aside = `${outDir}.old-${process.pid}`;
  try {
    renameSync(outDir, aside);
    return aside;
  } catch {
    rmSync(outDir, { recursive: true, force: true });
    return undefined;
  }
}

/** Removes the leftovers under `outDir` (and the folders set aside beside it); returns them, relative to it. */
export function removeBuildLeftovers(outDir: string): string[] {
  const removed: string[] = [];
  for (const d of setAside(outDir)) {
    rmSync(d, { recursive: true, force: true });
    removed.push(path.relative(outDir, d));
  }
  walkEntries(outDir, (e, full, depth) => {
    if (!LEFTOVER.test(e.name)) return depth < 4;
    rmSync(full, { recursive: true, force: true });
    removed.push(path.relative(outDir, full));
    return false;
  });
  return removed.sort();
}
