/**
 * Where `extends` leads, as esbuild's resolver looks it up (internal/resolver/resolver.go,
 * parseTSConfigFromSource: package paths through node_modules of each folder up, package.json
 * `tsconfig` (TypeScript 3.2) and `exports` (TypeScript 5.0), then <name>/tsconfig.json, <name>,
 * <name>.json; relative names as written, then with .json; "." and ".." as their tsconfig.json).
 */
import { afterEach, describe, expect, it } from "vitest";
import path from "node:path";
import { tempTree } from "../../../test/helpers/temp-tree.ts";
import { extendsNames, jsoncToJson, lookUpExtends } from "./tsconfig-extends.ts";
import { ResolutionReads } from "./resolution-inputs.ts";

const trees: Array<{ cleanup(): void }> = [];
afterEach(() => trees.splice(0).forEach((t) => t.cleanup()));

describe("extendsNames", () => {
  it.each([
    ['{ "extends": "./base.json" }', ["./base.json"]],
    ['{ "extends": ["./a.json", "@tsconfig/node20"] }', ["./a.json", "@tsconfig/node20"]],
    ['{\n  // "extends": "./old.json",\n  "extends": "./new.json", }', ["./new.json"]],
    ['/* "extends": "./x" */ { "compilerOptions": { "strict": true, }, "extends": "./y" }', ["./y"]],
    ['{ "compilerOptions": { "paths": { "a//b/*": ["./c/*"] } }, "extends": "./z" }', ["./z"]],
    ['\uFEFF{ "extends": "./bom.json" }', ["./bom.json"]],
    ['{ "compilerOptions": {} }', []],
    ["not json", []],
    ['{ "extends": 3 }', []],
  ])("%j -> %j", (text, expected) => {
    expect(extendsNames(text)).toEqual(expected);
  });

  it("keeps strings holding comment marks and escaped quotes", () => {
    expect(JSON.parse(jsoncToJson('{ "a": "x // y", "b": "q\\"/*", "c": 1 /* c */ }'))).toEqual({ a: "x // y", b: 'q"/*', c: 1 });
  });
});

describe("lookUpExtends", () => {
  // files of the repository (relative), the tsconfig and the name it extends, the base expected and what was looked at
  const cases: Array<[string, Record<string, string>, string, string, string | undefined, string[]]> = [
    ["a relative name with .json", { "base.json": "{}" }, "fn/tsconfig.json", "../base.json", "base.json", ["base.json"]],
    ["a relative name without .json: as written, then .json", { "tsconfig.base.json": "{}" }, "fn/tsconfig.json", "../tsconfig.base", "tsconfig.base.json", ["tsconfig.base", "tsconfig.base.json"]],
    ["a relative name that is a file as written", { "tsconfig.base": "{}", "tsconfig.base.json": "{}" }, "fn/tsconfig.json", "../tsconfig.base", "tsconfig.base", ["tsconfig.base"]],
    ['".." is the parent\'s tsconfig.json', { "tsconfig.json": "{}" }, "fn/tsconfig.json", "..", "tsconfig.json", ["tsconfig.json"]],
    ["a relative name not there", {}, "fn/tsconfig.json", "./missing", undefined, ["fn/missing", "fn/missing.json"]],
    ["a package file from the repository's node_modules, each folder up looked at", { "node_modules/@tsconfig/node20/package.json": "{}", "node_modules/@tsconfig/node20/tsconfig.json": "{}" }, "functions/fn/tsconfig.json", "@tsconfig/node20/tsconfig.json", "node_modules/@tsconfig/node20/tsconfig.json", [
      "functions/fn/node_modules/@tsconfig/node20/package.json", "functions/fn/node_modules/@tsconfig/node20/tsconfig.json/tsconfig.json", "functions/fn/node_modules/@tsconfig/node20/tsconfig.json", "functions/fn/node_modules/@tsconfig/node20/tsconfig.json.json",
      "functions/node_modules/@tsconfig/node20/package.json", "functions/node_modules/@tsconfig/node20/tsconfig.json/tsconfig.json", "functions/node_modules/@tsconfig/node20/tsconfig.json", "functions/node_modules/@tsconfig/node20/tsconfig.json.json",
      "node_modules/@tsconfig/node20/package.json", "node_modules/@tsconfig/node20/tsconfig.json/tsconfig.json", "node_modules/@tsconfig/node20/tsconfig.json",
    ]],
    ["a package name alone: its tsconfig.json", { "node_modules/@tsconfig/node20/package.json": "{}", "node_modules/@tsconfig/node20/tsconfig.json": "{}" }, "tsconfig.json", "@tsconfig/node20", "node_modules/@tsconfig/node20/tsconfig.json", ["node_modules/@tsconfig/node20/package.json", "node_modules/@tsconfig/node20/tsconfig.json"]],
    ["a nearer node_modules wins", { "fn/node_modules/cfg/base.json": "{}", "node_modules/cfg/base.json": "{}" }, "fn/tsconfig.json", "cfg/base.json", "fn/node_modules/cfg/base.json", ["fn/node_modules/cfg/package.json", "fn/node_modules/cfg/base.json/tsconfig.json", "fn/node_modules/cfg/base.json"]],
    ["a package name without .json: <name>.json", { "node_modules/cfg/strict.json": "{}" }, "tsconfig.json", "cfg/strict", "node_modules/cfg/strict.json", ["node_modules/cfg/package.json", "node_modules/cfg/strict/tsconfig.json", "node_modules/cfg/strict", "node_modules/cfg/strict.json"]],
    ["package.json's tsconfig field (TypeScript 3.2)", { "node_modules/cfg/package.json": '{ "tsconfig": "./configs/base.json" }', "node_modules/cfg/configs/base.json": "{}" }, "tsconfig.json", "cfg", "node_modules/cfg/configs/base.json", ["node_modules/cfg/package.json", "node_modules/cfg/configs/base.json/tsconfig.json", "node_modules/cfg/configs/base.json"]],
    ["package.json's exports, as a require (TypeScript 5.0)", { "node_modules/cfg/package.json": '{ "exports": { "./strict": { "types": "./x.d.ts", "require": "./dist/strict.json" } } }', "node_modules/cfg/dist/strict.json": "{}" }, "tsconfig.json", "cfg/strict", "node_modules/cfg/dist/strict.json", ["node_modules/cfg/package.json", "node_modules/cfg/dist/strict.json"]],
    ["an exports pattern", { "node_modules/cfg/package.json": '{ "exports": { "./*": "./tsconfig/*.json" } }', "node_modules/cfg/tsconfig/node.json": "{}" }, "tsconfig.json", "cfg/node", "node_modules/cfg/tsconfig/node.json", ["node_modules/cfg/package.json", "node_modules/cfg/tsconfig/node.json"]],
    ["a package not installed: every candidate up to the repository root", {}, "tsconfig.json", "@tsconfig/node20", undefined, ["node_modules/@tsconfig/node20/package.json", "node_modules/@tsconfig/node20/tsconfig.json", "node_modules/@tsconfig/node20", "node_modules/@tsconfig/node20.json"]],
  ];
  it.each(cases)("%s", (_name, files, tsconfig, name, base, tried) => {
    const t = tempTree("hdoc-extends-");
    trees.push(t);
    for (const [f, text] of Object.entries(files)) t.put(f, text);
    const r = lookUpExtends(name, path.join(t.root, tsconfig), t.root, new ResolutionReads());
    const rel = (f: string) => path.relative(t.root, f);
    expect({ base: r.base && rel(r.base), tried: r.tried.map(rel) }).toEqual({ base, tried });
  });

  it("skips folders named node_modules on the way up (a tsconfig inside a package)", () => {
    const t = tempTree("hdoc-extends-");
    trees.push(t);
    t.put("node_modules/cfg/tsconfig.json", "{}");
    t.put("node_modules/other/base.json", "{}");
    const r = lookUpExtends("other/base.json", path.join(t.root, "node_modules/cfg/tsconfig.json"), t.root, new ResolutionReads());
    expect(r.tried.map((f) => path.relative(t.root, f))).toEqual([
      "node_modules/cfg/node_modules/other/package.json", "node_modules/cfg/node_modules/other/base.json/tsconfig.json", "node_modules/cfg/node_modules/other/base.json", "node_modules/cfg/node_modules/other/base.json.json",
      "node_modules/other/package.json", "node_modules/other/base.json/tsconfig.json", "node_modules/other/base.json",
    ]);
    expect(r.base).toBe(path.join(t.root, "node_modules/other/base.json"));
  });
});
