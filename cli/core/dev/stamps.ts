/**
 * File stamps for `hdoc dev`'s change checks and caches: size, mtime, ctime and inode. Writing,
 * replacing or reinstalling a file changes at least one of them (npm may give installed files fixed
 * mtimes, but a new file always gets a new ctime), so an unchanged stamp means an unchanged file.
 */
import { readdirSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** A file's stamp, or "missing". */
export const fingerprint = (file: string): string => {
  try {
    const s = statSync(file);
    return `${s.size}:${s.mtimeMs}:${s.ctimeMs}:${s.ino}`;
  } catch {
    return "missing";
  }
};

export const stamps = (files: Iterable<string>): Map<string, string> => new Map([...files].map((f) => [f, fingerprint(f)]));

export function changed(inputs: Map<string, string>): boolean {
  for (const [file, fp] of inputs) if (fingerprint(file) !== fp) return true;
  return false;
}

let codeStamp: string | undefined;
/**
 * hdoc's own code, as part of a cache key (what reads templates and bundles may change between
 * builds of hdoc): the built CLI's chunk folder, which every build creates anew; from the sources
 * (the tests), the stamp of every .ts file under cli/.
 */
export function hdocCodeStamp(): string {
  if (codeStamp !== undefined) return codeStamp;
  const here = fileURLToPath(import.meta.url);
  if (typeof HDOC_BUNDLED !== "undefined" && HDOC_BUNDLED) return (codeStamp = fingerprint(path.dirname(here)));
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
