/**
 * `hdoc dev`'s bundles kept between runs (`.hdoc/dev/bundles/`), so a start whose sources did not
 * change runs no esbuild. An entry is one function's bundle (named by its content hash) and an index
 * recording what it was built from: a key over the function's build settings and hdoc's own code, and
 * the stamp of every file the build read or was decided by (its inputs, the package.json and
 * tsconfig.json files above them, the function's own package.json even when missing). An entry is
 * used only when the key and every stamp still match and the bundle has the size recorded; anything
 * else (missing, edited, unreadable, half-written) is a miss and the function is bundled again.
 *
 * Stamps are stamps.ts's. Entries are written to a temporary name and renamed into place; a run links the bundle into its
 * own work folder, so removing an old entry never pulls a file from under a running `hdoc dev`.
 */
import { copyFileSync, existsSync, linkSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createHash } from "node:crypto";
import path from "node:path";
import { removeLeftoverRuns } from "../leftovers.ts";
import { changed, hdocCodeStamp } from "../stamps.ts";
import { installedEsbuildVersion } from "../../build/bundler.ts";
import { inNodeModules } from "../../fs/resolution-inputs.ts";


/** "<...>/node_modules/@scope/name/dist/x.js" -> "<...>/node_modules/@scope/name/package.json" (the innermost package). */
function packageManifestOf(file: string): string | undefined {
  const parts = file.split(path.sep);
  const i = parts.lastIndexOf("node_modules");
  if (i < 0 || i + 1 >= parts.length) return undefined;
  const end = parts[i + 1]!.startsWith("@") ? i + 3 : i + 2;
  return end <= parts.length ? [...parts.slice(0, end), "package.json"].join(path.sep) : undefined;
}

/**
 * The files whose stamps stand for a bundle's inputs: each input outside node_modules itself, and for
 * the files of an installed package that package's package.json (installing or updating a package
 * writes it anew; checking every file of the AWS SDK before each invocation would cost more than the
 * invocation). An edit made by hand inside node_modules is therefore seen only once the package is
 * installed again.
 */
export function watchedFiles(inputs: string[]): string[] {
  const out = new Set<string>();
  for (const f of inputs) out.add(inNodeModules(f) ? (packageManifestOf(f) ?? f) : f);
  return [...out];
}

export interface CachedBundle {
  code: string;
  exportName: string;
  entry: string;
  inputs: Map<string, string>;
}

interface IndexDoc {
  version: 1;
  key: string;
  file: string;
  size: number;
  exportName: string;
  entry: string;
  inputs: Array<[string, string]>;
}

const safeName = (id: string) => id.replace(/[^A-Za-z0-9_-]/g, "_");

/** The tools that made a bundle, part of its entry's key: a bundle made by another hdoc or esbuild is never served. */
export interface BundleTools {
  /** hdoc's own code (stamps.ts#hdocCodeStamp). */
  hdocCode: string;
  esbuildVersion: string;
}

export class BundleCache {
  /** `tools`: what bundles are made with in this run (by default the running hdoc's code and the installed esbuild; tests pass others). */
  constructor(private readonly dir: string, private readonly tools?: BundleTools) {}

  /** The tools of this run, looked up once, when first needed (a start that takes nothing from the cache never looks). */
  get madeWith(): BundleTools {
    return (this.resolvedTools ??= this.tools ?? { hdocCode: hdocCodeStamp(), esbuildVersion: installedEsbuildVersion() });
  }
  private resolvedTools?: BundleTools;

  /**
   * At a run's start: temporary files of writers that were killed mid-write, and the entries of
   * functions no template known to the cache still has (renamed or deleted: each bundle holds a copy
   * of the SDK). `run` names this run's root template and its functions; they are recorded
   * (`templates/<hash>.json`) before anything is removed, so two `hdoc dev` runs of different templates
   * in one checkout keep each other's entries. A recorded template whose file is gone no longer counts.
   */
  removeLeftovers(run?: { template: string; functionIds: Iterable<string> }): void {
    removeLeftoverRuns(this.dir);
    if (!run) return;
    const keep = new Set([...run.functionIds].map(safeName));
    const known = path.join(this.dir, "templates");
    removeLeftoverRuns(known);
    try {
      mkdirSync(known, { recursive: true });
      const mine = path.join(known, `${createHash("sha256").update(run.template).digest("hex").slice(0, 16)}.json`);
      const t = `${mine}.${process.pid}-${Date.now()}.tmp`;
      writeFileSync(t, JSON.stringify({ version: 1, template: run.template, functions: [...keep] }));
      renameSync(t, mine);
    } catch {
      return; // without a record of this run's functions, removing another's entries could cost it a bundle: keep them
    }
    let names: string[];
    try {
      for (const n of readdirSync(known)) {
        if (!n.endsWith(".json")) continue;
        let doc: { template?: unknown; functions?: unknown };
        try {
          doc = JSON.parse(readFileSync(path.join(known, n), "utf8")) as typeof doc;
        } catch {
          continue; // unreadable: it keeps nothing, and is replaced at its template's next start
        }
        if (typeof doc.template !== "string" || !Array.isArray(doc.functions)) continue;
        if (!existsSync(doc.template)) {
          rmSync(path.join(known, n), { force: true });
          continue;
        }
        for (const id of doc.functions) if (typeof id === "string") keep.add(id);
      }
      names = readdirSync(this.dir);
    } catch {
      return;
    }
    for (const n of names) {
      const id = /^(.+)\.json$/.exec(n)?.[1] ?? /^(.+)-[0-9a-f]{12}\.mjs$/.exec(n)?.[1];
      if (id !== undefined && !keep.has(id)) rmSync(path.join(this.dir, n), { force: true });
    }
  }

  private indexFile(id: string): string {
    return path.join(this.dir, `${safeName(id)}.json`);
  }

  /** The bundle file of a hit, linked (or copied) to `target`; undefined on any miss. */
  take(id: string, key: string, target: (hash: string) => string): (Omit<CachedBundle, "code"> & { file: string }) | undefined {
    let doc: IndexDoc;
    try {
      doc = JSON.parse(readFileSync(this.indexFile(id), "utf8")) as IndexDoc;
    } catch {
      return undefined;
    }
    if (doc?.version !== 1 || doc.key !== key || !Array.isArray(doc.inputs) || typeof doc.file !== "string") return undefined;
    const inputs = new Map(doc.inputs);
    if (changed(inputs)) return undefined;
    const cached = path.join(this.dir, path.basename(doc.file));
    try {
      if (statSync(cached).size !== doc.size) return undefined;
    } catch {
      return undefined;
    }
    const hash = /-([0-9a-f]{12})\.mjs$/.exec(doc.file)?.[1];
    if (!hash) return undefined;
    const file = target(hash);
    if (!existsSync(file)) {
      try {
        mkdirSync(path.dirname(file), { recursive: true });
        try {
          linkSync(cached, file);
        } catch {
          copyFileSync(cached, file);
        }
      } catch {
        return undefined; // another run replaced the entry meanwhile: a miss, bundled again
      }
    }
    return { file, exportName: doc.exportName, entry: doc.entry, inputs };
  }

  /** Records a bundle (best effort: a cache that cannot be written only costs the next start a bundle). */
  put(id: string, key: string, code: string, b: Omit<CachedBundle, "code">): void {
    try {
      mkdirSync(this.dir, { recursive: true });
      const hash = createHash("sha256").update(code).digest("hex").slice(0, 12);
      const name = `${safeName(id)}-${hash}.mjs`;
      const file = path.join(this.dir, name);
      const tmp = (f: string) => `${f}.${process.pid}-${Date.now()}.tmp`;
      if (!existsSync(file) || statSync(file).size !== Buffer.byteLength(code)) {
        const t = tmp(file);
        writeFileSync(t, code);
        renameSync(t, file);
      }
      const doc: IndexDoc = { version: 1, key, file: name, size: Buffer.byteLength(code), exportName: b.exportName, entry: b.entry, inputs: [...b.inputs] };
      const index = this.indexFile(id);
      const t = tmp(index);
      writeFileSync(t, JSON.stringify(doc));
      renameSync(t, index);
      // Older bundles of this function (a running hdoc dev has its own link to the one it uses).
      for (const other of readdirSync(this.dir)) {
        if (other !== name && other.startsWith(`${safeName(id)}-`) && /-[0-9a-f]{12}\.mjs$/.test(other) && other.slice(safeName(id).length + 1).length === 16) rmSync(path.join(this.dir, other), { force: true });
      }
    } catch {
      // read-only checkout, full disk: the run goes on without the cache
    }
  }
}
