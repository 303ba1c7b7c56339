/**
 * The repository boundary, checked on real paths: a function's code folder and every file its bundle
 * reads must lie inside the repository after symlinks are followed. The one exception is the
 * repository's own node_modules: a package linked there (a workspace, a linked store) may live
 * elsewhere, and its files are allowed when they are that package's real folder.
 */
import { realpathSync } from "node:fs";
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

const NM = `${path.sep}node_modules${path.sep}`;

/** The files (absolute) that lie outside the repository once symlinks are followed, as the user should see them. */
export function outsideRepository(files: string[], repoRoot: string): string[] {
  const root = real(repoRoot);
  const modules = real(path.join(repoRoot, "node_modules"));
  const linked = new Map<string, string>();
  const linkedPackage = (name: string) => {
    let dir = linked.get(name);
    if (dir === undefined) linked.set(name, (dir = real(path.join(repoRoot, "node_modules", name))));
    return dir;
  };
  const allowed = (file: string) => {
    const r = real(file);
    if (inside(root, r) || inside(modules, r)) return true;
    const i = r.indexOf(NM);
    if (i < 0) return false;
    const parts = r.slice(i + NM.length).split(path.sep);
    const name = parts[0]?.startsWith("@") ? parts.slice(0, 2).join(path.sep) : parts[0]!;
    return inside(linkedPackage(name), r) && linkedPackage(name) === r.slice(0, i + NM.length + name.length);
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
