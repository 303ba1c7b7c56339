/**
 * The declared-dependency rule of every bundle (hdoc build and hdoc dev alike): a bare import must be
 * declared in the package.json that owns the importing file (the function's own package.json for
 * its files; a workspace package's for that package's files); anything else fails the bundle naming
 * function, file and package. Each (owner package.json, package) pair is decided once per bundle.
 */
import { existsSync, readFileSync } from "node:fs";
import { builtinModules } from "node:module";
import path from "node:path";
import type { Plugin } from "esbuild";
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

/** Fails the build on a bare import that the importing file's package.json does not declare. */
export function declaredDependenciesPlugin(fns: Pick<FunctionInfo, "id" | "codeDir"> | Array<Pick<FunctionInfo, "id" | "codeDir">>, repoRoot: string, externals: string[]): Plugin {
  const all = Array.isArray(fns) ? fns : [fns];
  const cache = new Map<string | undefined, Manifest>();
  const manifest = (file: string | undefined) => {
    let m = cache.get(file);
    if (!m) cache.set(file, (m = readManifest(file)));
    return m;
  };
  // The function a file belongs to (its code folder holds it); a shared file is judged by its own package.json.
  const functionOf = (file: string) => all.find((f) => !path.relative(f.codeDir, file).startsWith("..")) ?? all[0]!;
  /** (owner package.json, package) pairs already found declared: most imports are decided without reading anything. */
  const declared = new Set<string>();
  const owners = new Map<string, string | undefined>();
  return {
    name: "hdoc-declared-dependencies",
    setup(build) {
      build.onResolve({ filter: /^[^./]/ }, (args) => {
        if (args.kind === "entry-point" || !args.importer || args.importer.includes(`${path.sep}node_modules${path.sep}`)) return undefined;
        const name = packageNameOf(args.path);
        if (!name) return undefined;
        let ownerFile = owners.get(args.importer);
        if (ownerFile === undefined && !owners.has(args.importer)) owners.set(args.importer, (ownerFile = ownerManifest(args.importer, functionOf(args.importer).codeDir, repoRoot)));
        const pair = `${ownerFile}\0${name}`;
        if (declared.has(pair)) return undefined;
        const owner = manifest(ownerFile);
        if (owner.declared.has(name)) {
          declared.add(pair);
          return undefined;
        }
        const fn = functionOf(args.importer);
        const file = path.relative(repoRoot, args.importer);
        const where = owner.file ? path.relative(repoRoot, owner.file) : `${path.relative(repoRoot, path.join(fn.codeDir, "package.json"))} (missing)`;
        const isExternal = externals.some((e) => (e.endsWith("/*") ? name.startsWith(e.slice(0, -1)) : name === e));
        const why = owner.dev.has(name) ? "is only a devDependency in" : "is not declared in";
        const text = `${fn.id}: ${file} imports "${name}", which ${why} ${where}`;
        return { errors: [{ text, detail: isExternal ? "external" : undefined }] };
      });
    },
  };
}
