/**
 * What the templates hold (cfn's discoverFunctions), remembered between `hdoc dev` starts in
 * `.hdoc/dev/templates.json` (the last few root templates and parameters, each its own entry), so a
 * start whose templates did not change parses no YAML. An entry is
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
/** Discoveries kept (the most recent first): two `hdoc dev` runs of different templates, or parameters, in one checkout each find theirs. */
const KEPT = 4;

interface Entry {
  key: string;
  templates: Array<[string, string]>;
  found: Discovery;
}
interface CacheDoc {
  version: 2;
  entries: Entry[];
}

const readDoc = (cacheFile: string): Entry[] => {
  try {
    const doc = JSON.parse(readFileSync(cacheFile, "utf8")) as CacheDoc;
    return doc.version === 2 && Array.isArray(doc.entries) ? doc.entries : [];
  } catch {
    return []; // no cache yet, or unreadable
  }
};

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
  const hit = readDoc(cacheFile).find((e) => e?.key === key);
  try {
    if (hit && hit.templates.every(([f, stamp]) => fingerprint(f) === stamp) && hit.found.functions.every((f) => isDir(f.codeDir))) {
      return { ...hit.found, fromCache: true };
    }
  } catch {
    // a malformed entry: parse
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
      const mine: Entry = { key, templates: files.map((f) => [f, fingerprint(f)]), found };
      // read again just before writing: another run may have written its entry meanwhile (one lost in a race costs it a parse)
      const doc: CacheDoc = { version: 2, entries: [mine, ...readDoc(cacheFile).filter((e) => e?.key !== key)].slice(0, KEPT) };
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
