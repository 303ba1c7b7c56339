/**
 * The bundler with esbuild BuildProperties: functions whose settings differ never share one esbuild
 * run, a CommonJS bundle is checked for the handler's export like an ES module one, and hdoc dev
 * loads a CommonJS bundle as CommonJS. Real esbuild over a temporary project.
 */
import { afterAll, describe, expect, it } from "vitest";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { FunctionInfo } from "../cfn/templates.ts";
import { tempTree } from "../../../test/helpers/temp-tree.ts";
import { bundleGroupKey, bundleNodeFunction, bundleTogether, type NodeBuildOptions } from "./bundler.ts";
import { bundleForDev } from "../dev/runtime/bundle.ts";

const tree = tempTree("hdoc-bundler-");
afterAll(() => tree.cleanup());
tree.put("fn/package.json", JSON.stringify({ name: "fn", private: true, type: "module" }));
tree.put("fn/app.ts", "export const handler = async () => ({ ok: 'yes' });\n");
tree.put("fn/other.ts", "export const other = 1;\n");
const opts: NodeBuildOptions = { repoRoot: tree.root, bundleAwsSdk: false, minify: true, sourcemap: "linked" };
const fn = (id: string, extra: Partial<FunctionInfo> = {}): FunctionInfo => ({
  logicalId: id, id, stackPath: [], template: path.join(tree.root, "template.yml"), type: "AWS::Serverless::Function", codeProperty: "CodeUri",
  codeUri: "fn", codeDir: path.join(tree.root, "fn"), handler: "app.handler", runtime: "nodejs20.x", architectures: ["x86_64"], properties: {}, ...extra,
});
const esm = fn("Esm", { buildMethod: "esbuild", buildProperties: { Format: "esm" } });
const cjs = fn("Cjs", { buildMethod: "esbuild" });
const cjsMinified = fn("CjsMinified", { buildMethod: "esbuild", buildProperties: { Minify: true, Target: "es2020" } });
const cjsPlain = fn("CjsPlain", { buildMethod: "esbuild", buildProperties: { Minify: false } });

describe("bundler with BuildProperties", () => {
  it("groups functions by runtime and settings: a changed Minify or Format is another group, the same settings written differently are not", () => {
    expect(bundleGroupKey(cjs, opts)).toBe(bundleGroupKey(cjsMinified, opts));
    expect(new Set([cjs, cjsPlain, esm, fn("Plain")].map((f) => bundleGroupKey(f, opts))).size).toBe(4);
    expect(bundleGroupKey(fn("Node22", { buildMethod: "esbuild", runtime: "nodejs22.x" }), opts)).not.toBe(bundleGroupKey(cjs, opts));
    expect(bundleGroupKey(fn("Bad", { buildMethod: "esbuild", buildProperties: { Format: "iife" } }), opts)).toBeUndefined();
  });

  it("refuses to bundle functions of different settings in one run, and bundles those of the same settings as CommonJS .js", async () => {
    const dirOf = (f: FunctionInfo) => path.join(tree.root, "out", f.id);
    expect(await bundleTogether([cjs, cjsPlain], dirOf, path.join(tree.root, "out"), opts)).toBeUndefined();
    expect(existsSync(path.join(tree.root, "out"))).toBe(false);
    const together = await bundleTogether([cjs, cjsMinified], dirOf, path.join(tree.root, "out"), opts);
    expect([...(together?.keys() ?? [])]).toEqual(["Cjs", "CjsMinified"]);
    expect(readFileSync(path.join(dirOf(cjs), "app.js"), "utf8")).toContain("0&&(module.exports={handler})");
    expect(existsSync(path.join(dirOf(cjs), "app.js.map"))).toBe(false);
  });

  it("gives each function of a shared run the warnings about its own files, as when bundled alone (found in review: dropped)", async () => {
    tree.put("warn/package.json", JSON.stringify({ name: "warn", private: true, type: "module" }));
    tree.put("warn/app.ts", "export const handler = async () => ({ a: 1, a: 2 });\n");
    const warned = fn("Warned", { codeUri: "warn", codeDir: path.join(tree.root, "warn") });
    const quiet = fn("Quiet");
    const alone = await bundleNodeFunction(warned, path.join(tree.root, "alone"), opts);
    expect(alone.warnings.join("\n")).toMatch(/warn\/app\.ts:1:\d+: .*Duplicate key "a"/);
    const together = await bundleTogether([warned, quiet], (f) => path.join(tree.root, "t3", f.id), path.join(tree.root, "t3"), opts);
    expect(together?.get("Warned")?.warnings).toEqual(alone.warnings);
    expect(together?.get("Quiet")?.warnings).toEqual([]);
  });

  it("checks the handler's export in a CommonJS bundle too", async () => {
    const wrong = fn("Wrong", { buildMethod: "esbuild", handler: "other.handler" });
    await expect(bundleNodeFunction(wrong, path.join(tree.root, "single"), opts)).rejects.toThrow('fn/other.ts does not export "handler" (Handler other.handler; it exports: other)');
    const together = await bundleTogether([wrong, { ...wrong, id: "Wrong2" }, { ...cjs, id: "Right" }], (f) => path.join(tree.root, "t2", f.id), path.join(tree.root, "t2"), opts);
    expect([...(together?.keys() ?? ["(the run failed)"])]).toEqual(["Right"]);
  });

  it("hdoc dev writes a CommonJS bundle as .cjs, which Node loads with the handler as a named export", async () => {
    mkdirSync(path.join(tree.root, "dev"));
    const built = await bundleForDev(cjs, tree.root, path.join(tree.root, "dev"));
    expect(path.extname(built.file)).toBe(".cjs");
    const mod = (await import(pathToFileURL(built.file).href)) as { handler: () => Promise<unknown> };
    expect(await mod.handler()).toEqual({ ok: "yes" });
    expect(path.extname((await bundleForDev(esm, tree.root, path.join(tree.root, "dev"))).file)).toBe(".mjs");
  });
});
