/**
 * The declared-dependency rule of every bundle (hdoc build and hdoc dev alike): a bare import must be
 * declared in the package.json that owns the importing file (the function's own package.json for
 * its files; a workspace package's for that package's files); anything else fails the bundle naming
 * function, file and package. Each (owner package.json, package) pair is decided once per bundle.
 */
import { existsSync, readFileSync } from "node:fs";
import { builtinModules } from "node:module";
import path from "node:path";
import type { Metafile, Plugin } from "esbuild";
import type { FunctionInfo } from "../cfn/templates.ts";

const BUILTINS = new Set(builtinModules);
/** "@scope/name/sub" -> "@scope/name"; "name/sub" -> "name"; undefined for relative, absolute, built-in. */
export function packageNameOf(specifier: string): string | undefined {
  if (specifier.startsWith(".") || specifier.startsWith("/") || specifier.startsWith("#") || specifier.startsWith("node:")) return undefined;
  const parts = specifier.split("/");
  const name = specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0]!;
  if (BUILTINS.has(name)) return undefined;
  return name;
}

interface Manifest {
  file: string | undefined;
  declared: Set<string>;
  dev: Set<string>;
}

function readManifest(file: string | undefined): Manifest {
  if (!file) return { file, declared: new Set(), dev: new Set() };
  const pkg = JSON.parse(readFileSync(file, "utf8")) as Record<string, Record<string, string> | undefined>;
  const keys = (k: string) => Object.keys(pkg[k] ?? {});
  return {
    file,
    declared: new Set([...keys("dependencies"), ...keys("optionalDependencies"), ...keys("peerDependencies"), String(pkg.name ?? "")]),
    dev: new Set(keys("devDependencies")),
  };
}

/**
 * The package.json that owns a file: the function's own one for files under its CodeUri (none means
 * nothing is declared), else the nearest one above the file inside the repository.
 */
function ownerManifest(file: string, codeDir: string, repoRoot: string): string | undefined {
  const inside = (dir: string, f: string) => !path.relative(dir, f).startsWith("..");
  if (inside(codeDir, file)) {
    const own = path.join(codeDir, "package.json");
    return existsSync(own) ? own : undefined;
  }
  for (let dir = path.dirname(file); inside(repoRoot, dir); dir = path.dirname(dir)) {
    const candidate = path.join(dir, "package.json");
    if (existsSync(candidate)) return candidate;
    if (dir === repoRoot || path.dirname(dir) === dir) break;
  }
  return undefined;
}

type Owned = Pick<FunctionInfo, "id" | "codeDir">;

/**
 * The one decision of the rule, for the plugin and the metafile check alike: `check(importer,
 * specifier)` is undefined when the import is allowed, else the error text naming function, file and
 * package. Each (owner package.json, package) pair is decided once, each importer's owner found once.
 */
export class DependencyRule {
  private readonly all: Owned[];
  /** Each code folder and the first function (in the order given) that has it. */
  private readonly byDir = new Map<string, { fn: Owned; order: number }>();
  private readonly cache = new Map<string | undefined, Manifest>();
  /** (owner package.json, package) pairs already found declared: most imports are decided without reading anything. */
  private readonly declared = new Set<string>();
  private readonly owners = new Map<string, string | undefined>();

  constructor(fns: Owned | Owned[], private readonly repoRoot: string, private readonly externals: string[]) {
    this.all = Array.isArray(fns) ? fns : [fns];
    this.all.forEach((fn, order) => {
      const dir = path.resolve(fn.codeDir);
      if (!this.byDir.has(dir)) this.byDir.set(dir, { fn, order });
    });
  }

  private manifest(file: string | undefined): Manifest {
    let m = this.cache.get(file);
    if (!m) this.cache.set(file, (m = readManifest(file)));
    return m;
  }

  /** The function a file belongs to (its code folder holds it); a shared file is judged by its own package.json. */
  private functionOf(file: string): Owned {
    // The first function (in the order given) whose folder holds the file: a look at each folder above it, not at every function.
    let best: { fn: Owned; order: number } | undefined;
    for (let dir = file; ; dir = path.dirname(dir)) {
      const hit = this.byDir.get(dir);
      if (hit && (!best || hit.order < best.order)) best = hit;
      if (path.dirname(dir) === dir) break;
    }
    return best?.fn ?? this.all[0]!;
  }

  /** Whether imports from this file are judged at all (installed packages' own imports are not). */
  static judges(importer: string): boolean {
    return !importer.includes(`${path.sep}node_modules${path.sep}`);
  }

  /** The error for an import of `specifier` from `importer` (absolute), or undefined when it is allowed. */
  check(importer: string, specifier: string): { text: string; external: boolean } | undefined {
    if (!DependencyRule.judges(importer)) return undefined;
    const name = packageNameOf(specifier);
    if (!name) return undefined;
    let ownerFile = this.owners.get(importer);
    if (ownerFile === undefined && !this.owners.has(importer)) this.owners.set(importer, (ownerFile = ownerManifest(importer, this.functionOf(importer).codeDir, this.repoRoot)));
    const pair = `${ownerFile}\0${name}`;
    if (this.declared.has(pair)) return undefined;
    const owner = this.manifest(ownerFile);
    if (owner.declared.has(name)) {
      this.declared.add(pair);
      return undefined;
    }
    const fn = this.functionOf(importer);
    const file = path.relative(this.repoRoot, importer);
    const where = owner.file ? path.relative(this.repoRoot, owner.file) : `${path.relative(this.repoRoot, path.join(fn.codeDir, "package.json"))} (missing)`;
    const external = this.externals.some((e) => (e.endsWith("/*") ? name.startsWith(e.slice(0, -1)) : name === e));
    const why = owner.dev.has(name) ? "is only a devDependency in" : "is not declared in";
    return { text: `${fn.id}: ${file} imports "${name}", which ${why} ${where}`, external };
  }
}

/** Fails the build on a bare import that the importing file's package.json does not declare. */
export function declaredDependenciesPlugin(fns: Owned | Owned[], repoRoot: string, externals: string[]): Plugin {
  const rule = new DependencyRule(fns, repoRoot, externals);
  return {
    name: "hdoc-declared-dependencies",
    setup(build) {
      build.onResolve({ filter: /^[^./]/ }, (args) => {
        if (args.kind === "entry-point" || !args.importer) return undefined;
        const bad = rule.check(args.importer, args.path);
        return bad ? { errors: [{ text: bad.text, detail: bad.external ? "external" : undefined }] } : undefined;
      });
    },
  };
}

/**
 * The same rule checked after a build, on its metafile (so that esbuild resolves without calling
 * back into JavaScript for every bare import): the files (absolute) that import something their
 * package.json does not declare. A bundle that holds one of them is rebuilt with the plugin, which
 * reports the import where it is written.
 */
export function undeclaredImporters(metafile: Metafile, rule: DependencyRule, repoRoot: string, absOf: (key: string) => string = (k) => path.resolve(repoRoot, k)): Set<string> {
  const bad = new Set<string>();
  for (const [key, input] of Object.entries(metafile.inputs)) {
    if (/^[^/]*:/.test(key) && !path.isAbsolute(key)) continue; // another namespace ("(disabled):...", "data:..."): not a file
    const importer = absOf(key);
    if (!DependencyRule.judges(importer)) continue;
    for (const imp of input.imports) {
      if (rule.check(importer, imp.original ?? imp.path)) {
        bad.add(key);
        break;
      }
    }
  }
  return bad;
}
