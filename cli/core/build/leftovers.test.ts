import { afterAll, describe, expect, it } from "vitest";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { tempTree } from "../../../test/helpers/temp-tree.ts";
import { removeBuildLeftovers, setBuildFolderAside } from "./leftovers.ts";

const tree = tempTree("hdoc-leftovers-");
const { root, put } = tree;
afterAll(() => tree.cleanup());

describe("the build folder's leftovers", () => {
  it("--clean sets the old build folder aside at once and removes any a killed build set aside", () => {
    const outDir = path.join(root, "a/.hdoc/build");
    put("a/.hdoc/build/functions/Fn/handler.mjs", "old");
    put("a/.hdoc/build/manifest.json", "{}");
    put("a/.hdoc/build.old-999999/functions/Fn/handler.mjs", "set aside by a killed build");
    put("a/.hdoc/build.lock", "kept");
    put("a/.hdoc/build.older/x", "not ours");
    const aside = setBuildFolderAside(outDir);
    expect(existsSync(outDir)).toBe(false);
    expect(aside).toBe(`${outDir}.old-${process.pid}`);
    expect(readFileSync(path.join(aside!, "functions/Fn/handler.mjs"), "utf8")).toBe("old");
    expect(readdirSync(path.join(root, "a/.hdoc")).sort()).toEqual(["build.lock", `build.old-${process.pid}`, "build.older"]);
  });

  it("--clean on a build folder that does not exist sets nothing aside", () => {
    expect(setBuildFolderAside(path.join(root, "none/.hdoc/build"))).toBeUndefined();
    expect(existsSync(path.join(root, "none"))).toBe(false);
  });

  it("a build removes staging folders, atomic-write temporaries and folders set aside, and nothing else", () => {
    const outDir = path.join(root, "b/.hdoc/build");
    put("b/.hdoc/build/functions/Api/Fn.tmp-123-abc/handler.mjs", "x");
    put("b/.hdoc/build/functions/Api/Fn.old-123/handler.mjs", "x");
    put("b/.hdoc/build/.manifest.json.hdoc-123-0a1b.tmp", "x");
    put("b/.hdoc/build/functions/Api/Fn/handler.mjs", "kept");
    put("b/.hdoc/build.old-77/x", "x");
    put("b/.hdoc/other.old-77/x", "kept");
    expect(removeBuildLeftovers(outDir)).toEqual(["../build.old-77", ".manifest.json.hdoc-123-0a1b.tmp", "functions/Api/Fn.old-123", "functions/Api/Fn.tmp-123-abc"]);
    expect(existsSync(path.join(outDir, "functions/Api/Fn/handler.mjs"))).toBe(true);
    expect(existsSync(path.join(root, "b/.hdoc/other.old-77/x"))).toBe(true);
    expect(existsSync(path.join(root, "b/.hdoc/build.old-77"))).toBe(false);
  });
});
