import { afterEach, describe, expect, it } from "vitest";
import path from "node:path";
import { tempTree } from "../../../test/helpers/temp-tree.ts";
import { decidingFiles, folderListing, ResolutionReads, sourceFolders } from "./resolution-inputs.ts";

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

  it("names every package.json and tsconfig.json up to the root, present or not, and follows extends (relative, and of a package not installed: what was looked for)", () => {
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
      "node_modules/@tsconfig/node20/package.json",
      "node_modules/@tsconfig/node20/tsconfig.json",
      "node_modules/@tsconfig/node20/tsconfig.json.json",
      "node_modules/@tsconfig/node20/tsconfig.json/tsconfig.json",
      "package.json",
      "tsconfig.base", // esbuild tries the name as written before adding .json
      "tsconfig.base.json",
      "tsconfig.json",
    ]);
  });

  // closing-21, noticed: a package-based extends was not followed, so editing it was not seen
  it("follows an extends of a package into node_modules, and that base's own extends", () => {
    const t = tempTree("hdoc-resolution-");
    trees.push(t);
    t.put("node_modules/@tsconfig/node20/package.json", JSON.stringify({ name: "@tsconfig/node20", version: "20.1.4" }));
    t.put("node_modules/@tsconfig/node20/tsconfig.json", JSON.stringify({ extends: "./strictest.json" }));
    t.put("node_modules/@tsconfig/node20/strictest.json", "{}");
    t.put("tsconfig.json", JSON.stringify({ extends: "@tsconfig/node20/tsconfig.json" }));
    const rel = decidingFiles([path.join(t.root, "src/a.ts")], undefined, t.root).map((f) => path.relative(t.root, f));
    expect(rel).toEqual([
      "node_modules/@tsconfig/node20/package.json",
      "node_modules/@tsconfig/node20/strictest.json",
      "node_modules/@tsconfig/node20/tsconfig.json",
      "node_modules/@tsconfig/node20/tsconfig.json/tsconfig.json",
      "package.json",
      "src/package.json",
      "src/tsconfig.json",
      "tsconfig.json",
    ]);
  });

  it("reads each tsconfig.json and folder once per ResolutionReads (one per build), and again with a new one", () => {
    const t = tempTree("hdoc-resolution-");
    trees.push(t);
    t.put("a.json", "{}");
    t.put("b.json", "{}");
    t.put("tsconfig.json", JSON.stringify({ extends: "./a.json" }));
    const build = new ResolutionReads();
    const list = (reads: ResolutionReads, fn: string) => decidingFiles([path.join(t.root, fn, "h.ts")], path.join(t.root, fn), t.root, reads).map((f) => path.relative(t.root, f));
    expect(list(build, "one")).toContain("a.json");
    expect(build.listing(t.root)).toContain("a.json");
    t.put("tsconfig.json", JSON.stringify({ extends: "./b.json" }));
    t.put("c.ts", "");
    // the same build: what it read for the first function stands for the second one
    expect(list(build, "two")).toContain("a.json");
    expect(list(build, "two")).not.toContain("b.json");
    expect(build.listing(t.root)).not.toContain("c.ts");
    // the next build reads them again
    const next = new ResolutionReads();
    expect(list(next, "two")).toContain("b.json");
    expect(next.listing(t.root)).toContain("c.ts");
    // without one (hdoc dev), each call reads
    expect(decidingFiles([path.join(t.root, "one/h.ts")], undefined, t.root).map((f) => path.relative(t.root, f))).toContain("b.json");
  });
});
