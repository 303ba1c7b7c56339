/**
 * What a bundle depends on besides the files it read: the files and folder contents that decide how
 * its imports resolve. esbuild reports only the files it picked; a file created later can change what
 * it would pick — `greet.ts` beside the `greet.js` an `import "./lib/greet"` found (esbuild tries .tsx,
 * .ts, .jsx, .js, .css, .json in that order), a `lib.ts` beside a `lib/` folder, a package.json or
 * tsconfig.json in a folder between a source and the repository root (the declared-dependency rule and
 * esbuild read the nearest), and the tsconfig files a tsconfig.json `extends`. `hdoc build`'s cache and
 * `hdoc dev`'s bundle cache and live reload use the same list, so neither serves a stale bundle.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { extendsNames, lookUpExtends, type FileReads } from "./tsconfig-extends.ts";

/** Whether `f` is `dir` or below it (both absolute and normalised): a prefix test, as this runs for every source of every function on each build. */
const inside = (dir: string, f: string) => f === dir || (f.startsWith(dir) && (dir.endsWith(path.sep) || f[dir.length] === path.sep));
/** Whether a path goes through a node_modules folder. */
export const inNodeModules = (f: string): boolean => f.split(path.sep).includes("node_modules");

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

/**
 * The reads the lists below are made of, each done once: one per file and folder for a whole
 * `hdoc build` (the ancestors' package.json and tsconfig.json files are shared by most functions), or
 * one per call when none is passed (`hdoc dev` bundles one function at a time, after edits: what it
 * read before may have changed since).
 */
export class ResolutionReads implements FileReads {
  private readonly texts = new Map<string, string | undefined>();
  private readonly files = new Map<string, boolean>();
  private readonly listings = new Map<string, string>();
  private readonly bases = new Map<string, string[]>();

  text(file: string): string | undefined {
    if (!this.texts.has(file)) {
      let t: string | undefined;
      // most files looked for are not there (a tsconfig.json in every folder up the tree): a stat says so without an exception
      if (this.isFile(file)) {
        try {
          t = readFileSync(file, "utf8");
        } catch {
          t = undefined;
        }
      }
      this.texts.set(file, t);
    }
    return this.texts.get(file);
  }

  isFile(file: string): boolean {
    let f = this.files.get(file);
    if (f === undefined) {
      try {
        f = statSync(file, { throwIfNoEntry: false })?.isFile() ?? false;
      } catch {
        f = false; // ENOTDIR: a name below a file
      }
      this.files.set(file, f);
    }
    return f;
  }

  /** folderListing, once per folder. */
  listing(dir: string): string {
    let l = this.listings.get(dir);
    if (l === undefined) this.listings.set(dir, (l = folderListing(dir)));
    return l;
  }

  /** The files a tsconfig.json's `extends` names or looks at (tsconfig-extends.ts), inside `repoRoot`, the bases found first. */
  extendsOf(file: string, repoRoot: string): string[] {
    let out = this.bases.get(file);
    if (out === undefined) {
      const text = this.text(file);
      const found: string[] = [], tried: string[] = [];
      for (const name of text === undefined ? [] : extendsNames(text)) {
        const r = lookUpExtends(name, file, repoRoot, this);
        if (r.base) found.push(r.base);
        tried.push(...r.tried);
      }
      this.bases.set(file, (out = [...found, ...tried].filter((f) => inside(repoRoot, f))));
    }
    return out;
  }
}

/**
 * Every package.json and tsconfig.json from each source's folder up to the repository root — present
 * or not: creating one changes the rule — plus the function's own package.json and the tsconfig files
 * those tsconfig.json files extend, relative or from a package (followed, inside the repository, with
 * every file the lookup of a base looked at).
 */
export function decidingFiles(sources: Iterable<string>, codeDir: string | undefined, repoRoot: string, reads: ResolutionReads = new ResolutionReads()): string[] {
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
  const followed = new Set<string>();
  while (pending.length) {
    const f = pending.pop()!;
    out.add(f);
    if (followed.has(f)) continue;
    followed.add(f);
    for (const base of reads.extendsOf(f, repoRoot)) pending.push(base);
  }
  return [...out].sort();
}
