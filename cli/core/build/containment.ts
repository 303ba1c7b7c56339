/**
 * The repository boundary, checked on real paths: a function's code folder and every file its bundle
 * reads must lie inside the repository after symlinks are followed. The one exception is the
 * repository's own node_modules: a package linked there (a workspace, a linked store) may live
 * elsewhere, and its files, and those of the node_modules folder it really lives in, are allowed.
 */
import { realpathSync } from "node:fs";
import { walkEntries } from "../fs/dir-walk.ts";
import path from "node:path";

const inside = (dir: string, file: string) => {
  const rel = path.relative(dir, file);
  return rel === "" || (!rel.startsWith(`..${path.sep}`) && rel !== ".." && !path.isAbsolute(rel));
};

/** The real path (symlinks followed, one system call), or the path itself when it does not exist. */
const real = (file: string): string => {
  try {
    return realpathSync.native(file);
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
  walkEntries(path.join(repoRoot, "node_modules"), (e, full, depth) => {
    if (e.name.startsWith("@") && e.isDirectory() && depth === 0) return true;
    if (e.isSymbolicLink()) {
      const target = real(full);
      roots.add(target);
      // node_modules/<name> -> .../node_modules/<name>; node_modules/@s/<name> -> .../node_modules/@s/<name>
      const holder = depth === 1 ? path.dirname(path.dirname(target)) : path.dirname(target);
      if (path.basename(holder) === "node_modules") roots.add(holder);
    }
    return false;
  });
  return [...roots];
}

/** The files (absolute) that lie outside the repository once symlinks are followed, each with its real path. */
function outsideWithReal(files: string[], repoRoot: string): Array<{ file: string; real: string }> {
  const root = real(repoRoot);
  const modules = real(path.join(repoRoot, "node_modules"));
  let linked: string[] | undefined;
  const out: Array<{ file: string; real: string }> = [];
  for (const file of new Set(files)) {
    const r = real(file);
    if (inside(root, r) || inside(modules, r)) continue;
    linked ??= linkedRoots(repoRoot);
    if (!linked.some((dir) => inside(dir, r))) out.push({ file, real: r });
  }
  return out;
}

/** The files (absolute, as given, each once) that lie outside the repository once symlinks are followed. */
export const outsideFiles = (files: string[], repoRoot: string): string[] => outsideWithReal(files, repoRoot).map((o) => o.file);

/** The files (absolute) that lie outside the repository once symlinks are followed, as the user should see them. */
export function outsideRepository(files: string[], repoRoot: string): string[] {
  return outsideWithReal(files, repoRoot).map(({ file, real: r }) => (r === path.resolve(file) ? r : `${path.relative(repoRoot, file)} (-> ${r})`));
}

/** Why a function's code folder is outside the repository after following symlinks, or undefined when it is inside. */
export function codeDirOutside(codeDir: string, repoRoot: string): string | undefined {
  const r = real(codeDir);
  if (inside(real(repoRoot), r)) return undefined;
  return `CodeUri ${path.relative(repoRoot, codeDir) || "."} resolves to ${r}, outside the repository (symlinks are followed)`;
}
