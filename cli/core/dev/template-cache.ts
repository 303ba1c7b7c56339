/**
 * What the templates hold (cfn's discoverFunctions), remembered between `hdoc dev` starts in
 * `.hdoc/dev/templates.json`, so a start whose templates did not change parses no YAML. An entry is
 * used only when it was made by the same hdoc code for the same root template and parameters, every
 * template it read has the stamp it had (stamps.ts),
 * and every function's code folder is still a folder; a discovery with problems is never kept, and
 * neither is one whose templates changed less than RACY_MS before (a second edit within the clock's
 * resolution could leave the same stamp).
 */
import { readFileSync, renameSync, statSync, writeFileSync, mkdirSync } from "node:fs";
import path from "node:path";
import type { Discovery } from "../cfn/templates.ts";
import { fingerprint, hdocCodeStamp } from "./stamps.ts";

const RACY_MS = 2000;

interface CacheDoc {
  version: 1;
  key: string;
  templates: Array<[string, string]>;
  found: Discovery;
}

const isDir = (dir: string) => {
  try {
    return statSync(dir).isDirectory();
  } catch {
    return false;
  }
};

/** The templates' functions and stacks: from `cacheFile` when nothing they were read from changed, else parsed (and remembered). */
export async function discoverCached(template: string, repoRoot: string, parameters: Record<string, string>, cacheFile: string, now: () => number = Date.now, fallbacks: Record<string, string> = {}): Promise<Discovery & { fromCache: boolean }> {
  const key = JSON.stringify([hdocCodeStamp(), template, repoRoot, parameters, fallbacks]);
  try {
    const doc = JSON.parse(readFileSync(cacheFile, "utf8")) as CacheDoc;
    if (doc.version === 1 && doc.key === key && doc.templates.every(([f, stamp]) => fingerprint(f) === stamp) && doc.found.functions.every((f) => isDir(f.codeDir))) {
      return { ...doc.found, fromCache: true };
    }
  } catch {
    // no cache yet, or unreadable: parse
  }
  const { discoverFunctions } = await import("../cfn/templates.ts");
  const found = discoverFunctions(template, repoRoot, parameters, undefined, fallbacks);
  const files = found.stacks.map((s) => s.file);
  const still = files.every((f) => {
    try {
      return now() - statSync(f).mtimeMs >= RACY_MS;
    } catch {
      return false;
    }
  });
  if (found.problems.length === 0 && still) {
    try {
      const doc: CacheDoc = { version: 1, key, templates: files.map((f) => [f, fingerprint(f)]), found };
      mkdirSync(path.dirname(cacheFile), { recursive: true });
      const tmp = `${cacheFile}.${process.pid}-${Date.now()}.tmp`;
      writeFileSync(tmp, JSON.stringify(doc));
      renameSync(tmp, cacheFile);
    } catch {
      // a cache that cannot be written only costs the next start a parse
    }
  }
  return { ...found, fromCache: false };
}
