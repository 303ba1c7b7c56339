/**
 * Walking a folder tree entry by entry without following links: `visit` sees each entry with its
 * full path and depth (0 for `dir`'s own entries) and returns whether to go into it (only folders
 * are entered). A folder that cannot be read (gone, not a folder, no permission) is skipped.
 */
import { readdirSync, type Dirent } from "node:fs";
import path from "node:path";

export function walkEntries(dir: string, visit: (entry: Dirent, full: string, depth: number) => boolean, depth = 0): void {
  let entries: Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) {
    const full = path.join(dir, e.name);
    if (visit(e, full, depth) && e.isDirectory()) walkEntries(full, visit, depth + 1);
  }
}
