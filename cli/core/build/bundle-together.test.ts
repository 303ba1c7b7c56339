import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { tempTree } from "../../../test/helpers/temp-tree.ts";
import type { FunctionInfo } from "../cfn/templates.ts";
import { bundleNodeFunction, bundleTogether, FunctionBuildError, type NodeBuildOptions } from "./bundler.ts";

// One esbuild run over many functions checks the declared-dependency rule and the repository boundary
// on its metafile instead of a plugin; what it lets through must be exactly what the plugin (one
// function at a time) lets through.
const tree = tempTree("hdoc-together-");
const { root, put } = tree;
const away = mkdtempSync(path.join(tmpdir(), "hdoc-together-away-"));
afterAll(() => {
  tree.cleanup();
  rmSync(away, { recursive: true, force: true });
});

const pkg = (name: string, extra: Record<string, unknown> = {}) => JSON.stringify({ name, version: "1.0.0", type: "module", ...extra });
const deps = (...names: string[]) => Object.fromEntries(names.map((n) => [n, "*"]));

/** Each function: its package.json (undefined: none) and its handler's source. */
const CASES: Record<string, { ok: boolean; pkg?: Record<string, unknown>; src: string }> = {
  "static-declared": { ok: true, pkg: { dependencies: deps("alpha") }, src: `import a from "alpha";\nexport const handler = async () => a;\n` },
  "subpath-scoped": { ok: true, pkg: { dependencies: deps("@s/beta") }, src: `import b from "@s/beta/sub.js";\nexport const handler = async () => b;\n` },
  "builtins": { ok: true, pkg: {}, src: `import fs from "node:fs";\nimport p from "path";\nexport const handler = async () => [typeof fs, typeof p];\n` },
  "external-declared": { ok: true, pkg: { dependencies: deps("@aws-sdk/client-s3") }, src: `import { S3 } from "@aws-sdk/client-s3";\nexport const handler = async () => S3;\n` },
  "shared-declared": { ok: true, pkg: { dependencies: deps("@x/shared") }, src: `import { ok } from "@x/shared/ok.js";\nexport const handler = async () => ok;\n` },
  "peer-declared": { ok: true, pkg: { peerDependencies: deps("alpha") }, src: `import a from "alpha";\nexport const handler = async () => a;\n` },
  "undeclared": { ok: false, pkg: {}, src: `import a from "alpha";\nexport const handler = async () => a;\n` },
  "dev-only": { ok: false, pkg: { devDependencies: deps("gamma") }, src: `import g from "gamma";\nexport const handler = async () => g;\n` },
  "dynamic": { ok: false, pkg: {}, src: `export const handler = async () => (await import("alpha")).default;\n` },
  "require": { ok: false, pkg: {}, src: `declare const require: (m: string) => unknown;\nexport const handler = async () => require("alpha");\n` },
  "re-export": { ok: false, pkg: {}, src: `export { default as a } from "alpha";\nexport const handler = async () => 1;\n` },
  "external-undeclared": { ok: false, pkg: {}, src: `import { S3 } from "@aws-sdk/client-s3";\nexport const handler = async () => S3;\n` },
  "shared-undeclared": { ok: false, pkg: { dependencies: deps("@x/shared", "gamma") }, src: `import { g } from "@x/shared/uses-gamma.js";\nexport const handler = async () => g;\n` },
  "no-package-json": { ok: false, src: `import a from "alpha";\nexport const handler = async () => a;\n` },
  "outside": { ok: false, pkg: {}, src: `import { secret } from "../linked-away/secret.js";\nexport const handler = async () => secret;\n` },
  "no-export": { ok: false, pkg: {}, src: `export const main = async () => 1;\n` },
};

const fnOf = (name: string): FunctionInfo => ({
  logicalId: name.replace(/\W/g, ""), id: name.replace(/\W/g, ""), stackPath: [], template: path.join(root, "infra/template.yml"),
  type: "AWS::Serverless::Function", codeProperty: "CodeUri", codeUri: `../functions/${name}`, codeDir: path.join(root, "functions", name),
  handler: "handler.handler", runtime: "nodejs22.x", architectures: ["x86_64"], properties: {},
});
const opts: NodeBuildOptions = { repoRoot: "", bundleAwsSdk: false, minify: false, sourcemap: false };

beforeAll(() => {
  opts.repoRoot = root;
  put("package.json", pkg("repo", { private: true }));
  put("node_modules/alpha/package.json", pkg("alpha", { main: "index.js", dependencies: deps("delta") }));
  // An installed package's own imports are not judged (delta is declared by nobody in the repository).
  put("node_modules/alpha/index.js", `import d from "delta";\nexport default "alpha" + d;\n`);
  put("node_modules/delta/package.json", pkg("delta", { main: "index.js" }));
  put("node_modules/delta/index.js", `export default "delta";\n`);
  put("node_modules/@s/beta/package.json", pkg("@s/beta"));
  put("node_modules/@s/beta/sub.js", `export default "beta";\n`);
  put("node_modules/gamma/package.json", pkg("gamma", { main: "index.js" }));
  put("node_modules/gamma/index.js", `export default "gamma";\n`);
  put("functions/shared/package.json", pkg("@x/shared", { dependencies: deps("alpha") }));
  put("functions/shared/ok.js", `import a from "alpha";\nexport const ok = a;\n`);
  put("functions/shared/uses-gamma.js", `import g from "gamma";\nexport const g2 = g;\nexport { g2 as g };\n`);
  mkdirSync(path.join(root, "node_modules/@x"), { recursive: true });
  symlinkSync("../../functions/shared", path.join(root, "node_modules/@x/shared"));
  writeFileSync(path.join(away, "secret.js"), `export const secret = 42;\n`);
  symlinkSync(away, path.join(root, "functions/linked-away"));
  for (const [name, c] of Object.entries(CASES)) {
    if (c.pkg) put(`functions/${name}/package.json`, pkg(`@x/${name}`, c.pkg));
    put(`functions/${name}/handler.ts`, c.src);
  }
});

describe("bundleTogether", () => {
  it("lets through exactly the functions the plugin lets through, one esbuild run for all", async () => {
    const fns = Object.keys(CASES).map(fnOf);
    const out = path.join(root, ".hdoc/together");
    const together = await bundleTogether(fns, (fn) => path.join(out, fn.id), out, opts);
    expect(together).toBeDefined();
    const expected = Object.entries(CASES).filter(([, c]) => c.ok).map(([n]) => fnOf(n).id).sort();
    expect([...together!.keys()].sort()).toEqual(expected);
    // One by one with the plugin: the same verdicts.
    const alone: string[] = [];
    for (const fn of fns) {
      try {
        await bundleNodeFunction(fn, path.join(root, ".hdoc/alone", fn.id), opts);
        alone.push(fn.id);
      } catch (e) {
        expect(e).toBeInstanceOf(FunctionBuildError);
      }
    }
    expect(alone.sort()).toEqual(expected);
  });

  it("records each function's own files as its inputs, installed packages included", async () => {
    const fns = ["static-declared", "shared-declared", "builtins"].map(fnOf);
    const out = path.join(root, ".hdoc/inputs");
    const together = await bundleTogether(fns, (fn) => path.join(out, fn.id), out, opts);
    const rel = (id: string) => together!.get(id)!.inputs.map((f) => path.relative(root, f)).sort();
    expect(rel("staticdeclared")).toEqual(["functions/static-declared/handler.ts", "node_modules/alpha/index.js", "node_modules/delta/index.js"]);
    expect(rel("shareddeclared")).toEqual(["functions/shared-declared/handler.ts", "functions/shared/ok.js", "node_modules/alpha/index.js", "node_modules/delta/index.js"]);
    expect(rel("builtins")).toEqual(["functions/builtins/handler.ts"]);
  });

  it("names the undeclared import where it is written when the function is bundled on its own", async () => {
    const cases: Array<[string, RegExp]> = [
      ["undeclared", /^undeclared dependency: functions\/undeclared\/handler\.ts:1:\d+: undeclared: functions\/undeclared\/handler\.ts imports "alpha", which is not declared in functions\/undeclared\/package\.json$/],
      ["dev-only", /imports "gamma", which is only a devDependency in functions\/dev-only\/package\.json$/],
      ["shared-undeclared", /^undeclared dependency: functions\/shared\/uses-gamma\.js:1:\d+: .*functions\/shared\/uses-gamma\.js imports "gamma", which is not declared in functions\/shared\/package\.json$/],
      ["no-package-json", /which is not declared in functions\/no-package-json\/package\.json \(missing\)$/],
      ["outside", /is outside the repository \(after following symlinks\)$/],
      ["no-export", /does not export "handler"/],
    ];
    for (const [name, message] of cases) {
      await expect(bundleNodeFunction(fnOf(name), path.join(root, ".hdoc/msg", name), opts), name).rejects.toThrow(message);
    }
  });
});
