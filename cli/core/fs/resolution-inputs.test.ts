import { afterEach, describe, expect, it } from "vitest";
import path from "node:path";
import { tempTree } from "../../../test/helpers/temp-tree.ts";
import { decidingFiles, folderListing, sourceFolders } from "./resolution-inputs.ts";

const trees: Array<{ cleanup(): void }> = [];
afterEach(() => trees.splice(0).forEach((t) => t.cleanup()));

describe("what decides how a bundle's imports resolve", () => {
  it("lists the module files and folders esbuild could pick, not other files", () => {
    const t = tempTree("hdoc-resolution-");
    trees.push(t);
    for (const f of ["a.ts", "b.js", "c.json", "d.mts", "notes.md", "image.png", "lib/index.ts"]) t.put(`src/${f}`, "x");
    expect(folderListing(path.join(t.root, "src")).split("\n")).toEqual(["a.ts", "b.js", "c.json", "d.mts", "lib/"]);
    expect(folderListing(path.join(t.root, "nothing"))).toBe("missing");
  });

  it("names every package.json and tsconfig.json up to the root, present or not, and follows relative extends", () => {
    const t = tempTree("hdoc-resolution-");
    trees.push(t);
    t.put("tsconfig.base.json", JSON.stringify({ extends: ["./configs/strict.json", "@tsconfig/node20/tsconfig.json"] }));
    t.put("configs/strict.json", "{}");
    t.put("functions/fn/tsconfig.json", '{ // comments are allowed\n  "extends": "../../tsconfig.base" }');
    const src = path.join(t.root, "functions/fn/src/handler.ts");
    const shared = path.join(t.root, "functions/shared/greet.ts");
    const inModules = path.join(t.root, "node_modules/x/index.js");
    expect(sourceFolders([src, shared, inModules], t.root)).toEqual([path.join(t.root, "functions/fn/src"), path.join(t.root, "functions/shared")]);
    const rel = decidingFiles([src, shared, inModules], path.join(t.root, "functions/fn"), t.root).map((f) => path.relative(t.root, f));
    expect(rel).toEqual([
      "configs/strict.json",
      "functions/fn/package.json",
      "functions/fn/src/package.json",
      "functions/fn/src/tsconfig.json",
      "functions/fn/tsconfig.json",
      "functions/package.json",
      "functions/shared/package.json",
      "functions/shared/tsconfig.json",
      "functions/tsconfig.json",
      "package.json",
      "tsconfig.base.json",
      "tsconfig.json",
    ]);
  });
});
