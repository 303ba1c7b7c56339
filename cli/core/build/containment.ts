/**
 * The repository boundary, checked on real paths: a function's code folder and every file its bundle
 * reads must lie inside the repository after symlinks are followed. The one exception is the
 * repository's own node_modules: a package linked there (a workspace, a linked store) may live
 * elsewhere, and its files, and those of the node_modules folder it really lives in, are allowed.
 */
import { readdirSync, realpathSync } from "node:fs";
import path from "node:path";

const inside = (dir: string, file: string) => {
  const rel = path.relative(dir, file);
  return rel === "" || (!rel.startsWith(`..${path.sep}`) && rel !== ".." && !path.isAbsolute(rel));
};

const real = (file: string): string => {
  try {
    return realpathSync(file);
  } catch {
    return path.resolve(file);
  }
};

/**
 * Where the packages linked into the repository's node_modules really live: each link's target, and
 * the node_modules folder that holds it (its dependencies resolve from there). Read only when a file
 * outside the repository turns up.
 */
function linkedRoots(repoRoot: string): string[] {
  const roots = new Set<string>();
  const nm = path.join(repoRoot, "node_modules");
  const visit = (dir: string, depth: number) => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const full = path.join(dir, e.name);
      if (e.name.startsWith("@") && e.isDirectory() && depth === 0) visit(full, 1);
      else if (e.isSymbolicLink()) {
        const target = real(full);
        roots.add(target);
        // node_modules/<name> -> .../node_modules/<name>; node_modules/@s/<name> -> .../node_modules/@s/<name>
        const holder = depth === 1 ? path.dirname(path.dirname(target)) : path.dirname(target);
        if (path.basename(holder) === "node_modules") roots.add(holder);
      }
    }
  };
  visit(nm, 0);
  return [...roots];
}

/** The files (absolute) that lie outside the repository once symlinks are followed, as the user should see them. */
export function outsideRepository(files: string[], repoRoot: string): string[] {
  const root = real(repoRoot);
  const modules = real(path.join(repoRoot, "node_modules"));
  let linked: string[] | undefined;
  const allowed = (file: string) => {
    const r = real(file);
    if (inside(root, r) || inside(modules, r)) return true;
    linked ??= linkedRoots(repoRoot);
    return linked.some((dir) => inside(dir, r));
  };
  return files.filter((f) => !allowed(f)).map((f) => {
    const r = real(f);
    return r === path.resolve(f) ? r : `${path.relative(repoRoot, f)} (-> ${r})`;
  });
}

/** Why a function's code folder is outside the repository after following symlinks, or undefined when it is inside. */
export function codeDirOutside(codeDir: string, repoRoot: string): string | undefined {
  const r = real(codeDir);
  if (inside(real(repoRoot), r)) return undefined;
  return `CodeUri ${path.relative(repoRoot, codeDir) || "."} resolves to ${r}, outside the repository (symlinks are followed)`;
}
