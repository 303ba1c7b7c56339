/**
 * What a bundle depends on besides the files it read: the files and folder contents that decide how
 * its imports resolve. esbuild reports only the files it picked; a file created later can change what
 * it would pick — `greet.ts` beside the `greet.js` an `import "./lib/greet"` found (esbuild tries .tsx,
 * .ts, .jsx, .js, .css, .json in that order), a `lib.ts` beside a `lib/` folder, a package.json or
 * tsconfig.json in a folder between a source and the repository root (the declared-dependency rule and
 * esbuild read the nearest), and the tsconfig files a tsconfig.json `extends`. `hdoc build`'s cache and
 * `hdoc dev`'s bundle cache and live reload use the same list, so neither serves a stale bundle.
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";

/** Whether `f` is `dir` or below it (both absolute and normalised): a prefix test, as this runs for every source of every function on each build. */
const inside = (dir: string, f: string) => f === dir || (f.startsWith(dir) && (dir.endsWith(path.sep) || f[dir.length] === path.sep));
const inNodeModules = (f: string) => f.split(path.sep).includes("node_modules");

/** Names esbuild's resolver can pick for an import without an extension or of a folder. */
const CANDIDATE = /\.(tsx|ts|jsx|js|mjs|cjs|mts|cts|css|json)$/;

/** The folders holding the sources (outside node_modules, inside the repository). */
export function sourceFolders(sources: Iterable<string>, repoRoot: string): string[] {
  const out = new Set<string>();
  for (const f of sources) if (!inNodeModules(f) && inside(repoRoot, f)) out.add(path.dirname(f));
  return [...out].sort();
}

/** A folder's entries that an import could resolve to (module files and sub-folders), sorted, as one text; "missing" when unreadable. */
export function folderListing(dir: string): string {
  try {
    return readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isDirectory() || CANDIDATE.test(e.name))
      .map((e) => (e.isDirectory() ? `${e.name}/` : e.name))
      .sort()
      .join("\n");
  } catch {
    return "missing";
  }
}

/** The relative `extends` of a tsconfig.json (a string or a list), resolved; unreadable or package-based ones are left out. */
function tsconfigExtends(file: string): string[] {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return [];
  }
  const m = /"extends"\s*:\s*("(?:[^"\\]|\\.)*"|\[[^\]]*\])/.exec(text);
  if (!m) return [];
  const names = [...m[1]!.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((x) => x[1]!);
  return names.filter((n) => n.startsWith(".")).map((n) => {
    const f = path.resolve(path.dirname(file), n);
    return f.endsWith(".json") ? f : `${f}.json`;
  });
}

/**
 * Every package.json and tsconfig.json from each source's folder up to the repository root — present
 * or not: creating one changes the rule — plus the function's own package.json and the tsconfig files
 * those tsconfig.json files extend (followed, inside the repository).
 */
export function decidingFiles(sources: Iterable<string>, codeDir: string | undefined, repoRoot: string): string[] {
  const out = new Set<string>(codeDir ? [path.join(codeDir, "package.json")] : []);
  const dirs = new Set<string>();
  for (const dir of [...(codeDir ? [codeDir] : []), ...sourceFolders(sources, repoRoot)]) {
    for (let d = dir; inside(repoRoot, d) && !dirs.has(d); d = path.dirname(d)) {
      dirs.add(d);
      if (d === repoRoot || path.dirname(d) === d) break;
    }
  }
  const pending: string[] = [];
  for (const d of dirs) {
    out.add(path.join(d, "package.json"));
    pending.push(path.join(d, "tsconfig.json"));
  }
  while (pending.length) {
    const f = pending.pop()!;
    if (out.has(f)) continue;
    out.add(f);
    for (const base of tsconfigExtends(f)) if (inside(repoRoot, base)) pending.push(base);
  }
  return [...out].sort();
}
