import { afterEach, describe, expect, it } from "vitest";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { FunctionInfo } from "../../cfn/templates.ts";
import { tempTree } from "../../../../test/helpers/temp-tree.ts";
import { bundleForDev } from "./bundle.ts";
import { BundleCache, watchedFiles, type BundleTools } from "./bundle-cache.ts";
import { changed, hdocCodeStamp } from "../stamps.ts";
import { installedEsbuildVersion } from "../../build/bundler.ts";
import { version as esbuildVersion } from "esbuild";

// Real esbuild bundles of a small project: a handler, a shared file above it, an installed package.
const trees: Array<{ cleanup(): void }> = [];
afterEach(() => trees.splice(0).forEach((t) => t.cleanup()));

function fixture() {
  const t = tempTree("hdoc-bundle-cache-");
  trees.push(t);
  t.put("package.json", JSON.stringify({ name: "root", private: true }));
  t.put("shared/greet.ts", 'export const greet = (n: string) => `hello ${n}`;\n');
  t.put("fn/package.json", JSON.stringify({ name: "fn", dependencies: { leftpad: "*" } }));
  t.put("fn/handler.ts", 'import { greet } from "../shared/greet.ts";\nimport { pad } from "leftpad";\nexport const handler = async () => pad(greet("ada"));\n');
  const pkg = (version: string) => {
    t.put("node_modules/leftpad/package.json", JSON.stringify({ name: "leftpad", version, main: "index.js" }));
    t.put("node_modules/leftpad/index.js", `exports.pad = (s) => "${version}:" + s;\n`);
  };
  pkg("1.0.0");
  const info = (over: Partial<FunctionInfo> = {}): FunctionInfo => ({
    logicalId: "Fn", id: "Fn", stackPath: [], template: path.join(t.root, "template.yml"), type: "AWS::Serverless::Function", codeProperty: "CodeUri", codeUri: "fn",
    codeDir: path.join(t.root, "fn"), handler: "handler.handler", runtime: "nodejs22.x", architectures: ["x86_64"], properties: {}, ...over,
  });
  const cacheDir = path.join(t.root, ".hdoc/dev/bundles");
  let runs = 0;
  /** A new run (its own work folder) over the same cache. */
  // Each bundle "starts" a minute after the files were written: an edit made while esbuild reads is a case of its own.
  // `tools`: the hdoc code stamp and esbuild version the run bundles with (the installed ones when not given).
  const run = (over: Partial<FunctionInfo> = {}, now = () => Date.now() + 60_000, tools?: BundleTools) => bundleForDev(info(over), t.root, path.join(t.root, `.hdoc/dev/run-${++runs}`), new BundleCache(cacheDir, tools), now);
  return { t, run, pkg, cacheDir };
}

const code = (file: string) => readFileSync(file, "utf8");

describe("dev bundles kept between runs", () => {
  it("takes an unchanged function from the cache, linked into the new run's folder", async () => {
    const { run } = fixture();
    const first = await run();
    expect(first.cached).toBeUndefined();
    const second = await run();
    expect(second.cached).toBe(true);
    expect(path.dirname(second.file)).not.toBe(path.dirname(first.file));
    expect(code(second.file)).toBe(code(first.file));
    expect(second.exportName).toBe("handler");
  });

  it.each([
    ["the handler is edited", (f: ReturnType<typeof fixture>) => f.t.put("fn/handler.ts", code(path.join(f.t.root, "fn/handler.ts")).replace('greet("ada")', 'greet("grace")')), "grace"],
    ["a shared file above the function is edited", (f: ReturnType<typeof fixture>) => f.t.put("shared/greet.ts", 'export const greet = (n: string) => `hi ${n}`;\n'), "`hi ${n}`"],
    ["the installed package is reinstalled at another version (same sizes)", (f: ReturnType<typeof fixture>) => f.pkg("1.0.1"), "1.0.1:"],
  ])("bundles again when %s", async (_what, edit, expected) => {
    const f = fixture();
    await f.run();
    edit(f);
    const again = await f.run();
    expect(again.cached).toBeUndefined();
    expect(code(again.file)).toContain(expected);
    expect((await f.run()).cached).toBe(true); // and remembers the new one
  });

  // found in review: esbuild reported greet.js; a greet.ts created later is what it would pick now
  it.each([
    ["a file an extensionless import now resolves to is created beside the one it found", (f: ReturnType<typeof fixture>) => f.t.put("shared/greet.ts", 'export const greet = (n: string) => `ts ${n}`;\n'), "ts ${n}"],
    ["a package.json is created between the function and the repository root", (f: ReturnType<typeof fixture>) => f.t.put("shared/package.json", JSON.stringify({ name: "shared", sideEffects: false })), "js ${n}"],
    ["a tsconfig.json is created between a source and the repository root", (f: ReturnType<typeof fixture>) => f.t.put("shared/tsconfig.json", JSON.stringify({ compilerOptions: { strict: false } })), "js ${n}"],
    ["a tsconfig.json is created at the repository root", (f: ReturnType<typeof fixture>) => f.t.put("tsconfig.json", JSON.stringify({ compilerOptions: {} })), "js ${n}"],
    ["the tsconfig a tsconfig.json extends is edited", (f: ReturnType<typeof fixture>) => f.t.put("tsconfig.base.json", JSON.stringify({ extends: "@fx/tsconfig/tsconfig.json", compilerOptions: { strict: false } })), "js ${n}"],
    // closing-21, noticed: a package-based extends was not followed
    ["the tsconfig of a package that tsconfig extends is edited (in node_modules)", (f: ReturnType<typeof fixture>) => f.t.put("node_modules/@fx/tsconfig/tsconfig.json", JSON.stringify({ compilerOptions: { useDefineForClassFields: false } })), "js ${n}"],
  ])("bundles again when %s (was: taken from the cache)", async (_what, edit, expected) => {
    const f = fixture();
    rmSync(path.join(f.t.root, "shared/greet.ts"));
    f.t.put("shared/greet.js", 'export const greet = (n) => `js ${n}`;\n');
    f.t.put("fn/handler.ts", 'import { greet } from "../shared/greet";\nimport { pad } from "leftpad";\nexport const handler = async () => pad(greet("ada"));\n');
    f.t.put("tsconfig.base.json", JSON.stringify({ extends: "@fx/tsconfig/tsconfig.json", compilerOptions: { strict: true } }));
    f.t.put("node_modules/@fx/tsconfig/package.json", JSON.stringify({ name: "@fx/tsconfig", version: "1.0.0" }));
    f.t.put("node_modules/@fx/tsconfig/tsconfig.json", JSON.stringify({ compilerOptions: {} }));
    f.t.put("fn/tsconfig.json", JSON.stringify({ extends: "../tsconfig.base.json" }));
    expect(code((await f.run()).file)).toContain("js ${n}");
    expect((await f.run()).cached).toBe(true);
    edit(f);
    const again = await f.run();
    expect(again.cached).toBeUndefined();
    expect(code(again.file)).toContain(expected);
  });

  // found in review: nothing proved that a bundle made by another hdoc or another esbuild is not served
  const TOOLS: BundleTools = { hdocCode: "hdoc-code-A", esbuildVersion: "0.28.0" };
  it.each([
    ["hdoc's code changed (another code stamp)", { ...TOOLS, hdocCode: "hdoc-code-B" }],
    ["esbuild was updated (another version)", { ...TOOLS, esbuildVersion: "0.28.1" }],
    ["both changed", { hdocCode: "hdoc-code-B", esbuildVersion: "0.29.0" }],
  ])("bundles again when %s, and keeps the new entry", async (_what, other) => {
    const f = fixture();
    await f.run({}, undefined, TOOLS);
    expect((await f.run({}, undefined, { ...TOOLS })).cached).toBe(true);
    expect((await f.run({}, undefined, other)).cached).toBeUndefined();
    expect((await f.run({}, undefined, other)).cached).toBe(true);
    expect((await f.run({}, undefined, TOOLS)).cached).toBeUndefined(); // one entry per function: the old tools' was replaced
  });

  it("uses the running hdoc's code stamp and the installed esbuild when not told otherwise", async () => {
    const f = fixture();
    await f.run();
    expect((await f.run({}, undefined, TOOLS)).cached).toBeUndefined();
    expect(new BundleCache(f.cacheDir).madeWith).toEqual({ hdocCode: hdocCodeStamp(), esbuildVersion: installedEsbuildVersion() });
    expect(installedEsbuildVersion()).toBe(esbuildVersion);
  });

  it("does not keep a bundle whose input changed while esbuild read it, and marks it changed (found in review: served old code after a restart)", async () => {
    const f = fixture();
    // the bundle "started" before the files were last written: as if saved while esbuild ran
    const racy = await f.run({}, () => Date.now() - 60_000);
    expect(changed(racy.inputs)).toBe(true);
    expect(existsSync(f.cacheDir) ? readdirSync(f.cacheDir).filter((n) => n.endsWith(".json")) : []).toEqual([]);
    expect((await f.run()).cached).toBeUndefined();
    expect((await f.run()).cached).toBe(true);
  });

  it("bundles again when the function's package.json is rewritten or created, or its build settings change", async () => {
    const f = fixture();
    await f.run();
    f.t.put("fn/package.json", JSON.stringify({ name: "fn", dependencies: { leftpad: "*" } }));
    expect((await f.run()).cached).toBeUndefined();
    expect((await f.run({ runtime: "nodejs20.x" })).cached).toBeUndefined();
    expect((await f.run({ runtime: "nodejs20.x" })).cached).toBe(true);
  });

  it("refuses a truncated or missing cached bundle and a broken index, and bundles again", async () => {
    const f = fixture();
    await f.run();
    const bundleIn = () => readdirSync(f.cacheDir).find((n) => n.endsWith(".mjs"))!;
    truncateSync(path.join(f.cacheDir, bundleIn()), 100);
    expect((await f.run()).cached).toBeUndefined();
    rmSync(path.join(f.cacheDir, bundleIn()));
    expect((await f.run()).cached).toBeUndefined();
    writeFileSync(path.join(f.cacheDir, "Fn.json"), "{ not json");
    const again = await f.run();
    expect(again.cached).toBeUndefined();
    expect(code(again.file)).toContain("hello");
  });

  it("keeps one bundle per function and removes temporary files of writers that were killed", async () => {
    const f = fixture();
    await f.run();
    f.t.put("shared/greet.ts", 'export const greet = (n: string) => `hey ${n}`;\n');
    await f.run();
    expect(readdirSync(f.cacheDir).filter((n) => n.endsWith(".mjs"))).toHaveLength(1);
    const dead = path.join(f.cacheDir, "Fn.json.999999999-1.tmp");
    const mine = path.join(f.cacheDir, `Fn.json.${process.pid}-1.tmp`);
    writeFileSync(dead, "half");
    writeFileSync(mine, "in progress");
    new BundleCache(f.cacheDir).removeLeftovers();
    expect(existsSync(dead)).toBe(false);
    expect(existsSync(mine)).toBe(true);
  });

  it("removes the entries of functions the templates no longer have, at a run's start (found in review: kept forever)", async () => {
    const f = fixture();
    const template = f.t.put("template.yml", "Resources: {}\n");
    await f.run();
    const names = () => readdirSync(f.cacheDir).filter((n) => n !== "templates").sort();
    expect(names()).toHaveLength(2);
    new BundleCache(f.cacheDir).removeLeftovers({ template, functionIds: ["Fn", "Other"] });
    expect(names()).toHaveLength(2);
    new BundleCache(f.cacheDir).removeLeftovers({ template, functionIds: ["Renamed"] });
    expect(names()).toEqual([]);
  });

  // closing-21, noticed: two hdoc dev runs of different templates in one checkout removed each other's entries at start
  it("keeps the entries of another template's functions while that template exists, and removes them once it is gone", async () => {
    const f = fixture();
    const a = f.t.put("infra/template.yml", "Resources: {}\n");
    const b = f.t.put("infra/other.yml", "Resources: {}\n");
    const entries = () => readdirSync(f.cacheDir).filter((n) => n.endsWith(".json")).sort();
    new BundleCache(f.cacheDir).removeLeftovers({ template: b, functionIds: ["Other"] }); // run B starts
    await f.run({ id: "Other", logicalId: "Other" });
    new BundleCache(f.cacheDir).removeLeftovers({ template: a, functionIds: ["Fn"] }); // run A starts
    await f.run();
    expect(entries()).toEqual(["Fn.json", "Other.json"]);
    new BundleCache(f.cacheDir).removeLeftovers({ template: a, functionIds: ["Fn"] }); // A starts again: B's entry stays
    expect(entries()).toEqual(["Fn.json", "Other.json"]);
    expect((await f.run({ id: "Other", logicalId: "Other" })).cached).toBe(true);
    new BundleCache(f.cacheDir).removeLeftovers({ template: b, functionIds: ["Other"] }); // and B's start keeps A's
    expect((await f.run()).cached).toBe(true);
    rmSync(b);
    new BundleCache(f.cacheDir).removeLeftovers({ template: a, functionIds: ["Fn"] });
    expect(entries()).toEqual(["Fn.json"]);
    expect(readdirSync(f.cacheDir).filter((n) => n.endsWith(".mjs")).map((n) => n.replace(/-[0-9a-f]{12}\.mjs$/, ""))).toEqual(["Fn"]);
  });

  it("keeps every entry when it cannot record the run's template (nothing known to remove by)", async () => {
    const f = fixture();
    await f.run();
    writeFileSync(path.join(f.cacheDir, "templates"), "a file where the folder would be");
    new BundleCache(f.cacheDir).removeLeftovers({ template: f.t.put("template.yml", ""), functionIds: ["Renamed"] });
    expect(readdirSync(f.cacheDir).filter((n) => n.endsWith(".json"))).toEqual(["Fn.json"]);
  });

  it("treats an entry removed by another run between its check and its link as a miss", async () => {
    const f = fixture();
    await f.run();
    // the run folder cannot be made (a file stands there): the link fails as it does when the entry is gone
    const blocked = path.join(f.t.root, "blocked");
    writeFileSync(blocked, "");
    const key = readFileSync(path.join(f.cacheDir, "Fn.json"), "utf8");
    const hit = new BundleCache(f.cacheDir).take("Fn", JSON.parse(key).key, (hash) => path.join(blocked, `${hash}.mjs`));
    expect(hit).toBeUndefined();
  });

  it("works without a writable cache folder (a file stands where the folder would be)", async () => {
    const f = fixture();
    mkdirSync(path.dirname(f.cacheDir), { recursive: true });
    writeFileSync(f.cacheDir, "not a folder");
    const built = await f.run();
    expect(code(built.file)).toContain("hello");
    expect((await f.run()).cached).toBeUndefined();
  });
});

describe("watchedFiles", () => {
  it.each([
    [["/r/fn/a.ts"], ["/r/fn/a.ts"]],
    [["/r/node_modules/x/dist/a.js", "/r/node_modules/x/dist/b.js"], ["/r/node_modules/x/package.json"]],
    [["/r/node_modules/@s/p/dist/a.js"], ["/r/node_modules/@s/p/package.json"]],
    [["/r/node_modules/a/node_modules/b/i.js"], ["/r/node_modules/a/node_modules/b/package.json"]],
  ])("%j -> %j", (inputs, expected) => {
    expect(watchedFiles(inputs)).toEqual(expected);
  });
});
