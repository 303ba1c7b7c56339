import { afterAll, describe, expect, it } from "vitest";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { codeDirOutside, outsideRepository } from "./containment.ts";

// A repository with a node_modules that links packages from elsewhere, and a folder outside it.
const base = mkdtempSync(path.join(tmpdir(), "hdoc-containment-"));
const repo = path.join(base, "repo"), away = path.join(base, "away");
for (const d of ["repo/functions/a", "repo/node_modules/@s", "away/store/lib", "away/store/other", "away/code"]) mkdirSync(path.join(base, d), { recursive: true });
for (const f of ["repo/functions/a/h.ts", "away/store/lib/index.js", "away/store/other/index.js", "away/code/h.ts", "away/evil.ts"]) writeFileSync(path.join(base, f), "");
symlinkSync(path.join(away, "store/lib"), path.join(repo, "node_modules/lib"));
symlinkSync(path.join(away, "store/lib"), path.join(repo, "node_modules/@s/scoped"));
symlinkSync(away + "/code", path.join(repo, "functions/linked"));
mkdirSync(path.join(away, "store/node_modules/lib"), { recursive: true });
writeFileSync(path.join(away, "store/node_modules/lib/x.js"), "");
afterAll(() => rmSync(base, { recursive: true, force: true }));

describe("the repository boundary on real paths", () => {
  it.each([
    ["a file of the repository", "repo/functions/a/h.ts", true],
    ["a package linked into the repository's node_modules", "away/store/lib/index.js", true],
    ["a file reached through a linked code folder", "repo/functions/linked/h.ts", false],
    ["an absolute path elsewhere", "away/evil.ts", false],
    ["another package of the same store, not linked", "away/store/other/index.js", false],
    ["a node_modules folder elsewhere with a linked package's name", "away/store/node_modules/lib/x.js", false],
  ])("%s: %s", (_name, file, allowed) => {
    expect(outsideRepository([path.join(base, file)], repo).length === 0).toBe(allowed);
  });

  it("names a linked file with where it really is", () => {
    expect(outsideRepository([path.join(repo, "functions/linked/h.ts")], repo)).toEqual([`functions/linked/h.ts (-> ${path.join(away, "code/h.ts")})`]);
  });

  it("refuses a code folder that is a symlink out of the repository, and accepts one inside", () => {
    expect(codeDirOutside(path.join(repo, "functions/linked"), repo)).toBe(`CodeUri functions/linked resolves to ${path.join(away, "code")}, outside the repository (symlinks are followed)`);
    expect(codeDirOutside(path.join(repo, "functions/a"), repo)).toBeUndefined();
  });
});
