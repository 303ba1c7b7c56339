/**
 * File stamps for `hdoc dev`'s change checks and caches: size, mtime, ctime and inode. Writing,
 * replacing or reinstalling a file changes at least one of them (npm may give installed files fixed
 * mtimes, but a new file always gets a new ctime), so an unchanged stamp means an unchanged file.
 */
import { readdirSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { folderListing } from "../fs/resolution-inputs.ts";

/**
 * A file's stamp, or "missing". A path ending in the separator stands for a folder's contents: the
 * names an import could resolve to (resolution-inputs.ts), so a file created beside an input is seen.
 */
export const fingerprint = (file: string): string => {
  if (file.endsWith(path.sep)) return `dir:${folderListing(file)}`;
  try {
    const s = statSync(file);
    return `${s.size}:${s.mtimeMs}:${s.ctimeMs}:${s.ino}`;
  } catch {
    return "missing";
  }
};

export const stamps = (files: Iterable<string>): Map<string, string> => new Map([...files].map((f) => [f, fingerprint(f)]));

/** How long before a bundle's start a file's last change must be for the bundle to be kept on disk (the kernel's coarse clock for file times lags by up to a tick). */
export const RACY_MS = 20;

/**
 * The stamps of what a bundle started at `startedMs` read. A file changed after that moment (by its
 * ctime, which no tool can set back) may have been read before or after the change: its stamp is
 * marked so that it never matches, so the next check bundles again. `settled` is false when any input
 * changed less than RACY_MS before the start: such a bundle is not kept for the next run.
 */
export function stampsSince(files: Iterable<string>, startedMs: number): { inputs: Map<string, string>; settled: boolean } {
  const inputs = stamps(files);
  let settled = true;
  for (const [f, fp] of inputs) {
    const ctime = Number(fp.split(":")[2]);
    if (!Number.isFinite(ctime)) continue; // missing, or a folder's listing
    if (ctime >= startedMs - RACY_MS) settled = false;
    if (ctime >= startedMs) inputs.set(f, `racy:${fp}`);
  }
  return { inputs, settled };
}

export function changed(inputs: Map<string, string>): boolean {
  for (const [file, fp] of inputs) if (fingerprint(file) !== fp) return true;
  return false;
}

let codeStamp: string | undefined;

/** The content-hashed names of the built CLI's chunk files (source maps aside), as one text. */
export function bundledCodeStamp(chunksDir: string): string {
  try {
    return readdirSync(chunksDir).filter((n) => n.endsWith(".js")).sort().join(",");
  } catch {
    return `unreadable:${Date.now()}`; // never matches: no cache without knowing the code
  }
}
/**
 * hdoc's own code, as part of a cache key (what reads templates and bundles may change between
 * builds of hdoc): in the built CLI, the names of its chunk files, which esbuild names by a hash of
 * their content (so a copied or re-extracted install keeps its caches, and any change of code makes
 * new ones); from the sources (the tests), the stamp of every .ts file under cli/.
 */
export function hdocCodeStamp(): string {
  if (codeStamp !== undefined) return codeStamp;
  const here = fileURLToPath(import.meta.url);
  if (typeof HDOC_BUNDLED !== "undefined" && HDOC_BUNDLED) return (codeStamp = bundledCodeStamp(path.dirname(here)));
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.isDirectory()) walk(path.join(dir, e.name));
      else if (e.name.endsWith(".ts") && !e.name.endsWith(".test.ts")) files.push(path.join(dir, e.name));
    }
  };
  walk(path.resolve(path.dirname(here), "..", ".."));
  return (codeStamp = files.sort().map((f) => `${f}=${fingerprint(f)}`).join("|"));
}
