import { afterAll, describe, expect, it } from "vitest";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { execa } from "execa";
import { version as esbuildVersion } from "esbuild";
import { tempTree } from "../../../test/helpers/temp-tree.ts";
import { runBuild } from "./run.ts";

// The functions bundled together in one esbuild run are the Node.js ones esbuild builds; a Node.js
// function with BuildMethod makefile is built by make, whatever runtime it shares with the others.
const tree = tempTree("hdoc-run-groups-");
const { root, put } = tree;
afterAll(() => tree.cleanup());

const run = async (file: string, args: string[], o: { cwd: string; env?: Record<string, string> }) => {
  const r = await execa(file, args, { cwd: o.cwd, env: o.env, reject: false, all: true });
  return { exitCode: r.exitCode ?? -1, output: String(r.all ?? "") };
};

describe("runBuild's esbuild runs", () => {
  it("builds a Node.js makefile function with make even beside other functions of its runtime (was: bundled by esbuild with them)", async () => {
    put("hdoc.config.json", "{}\n");
    put("package.json", JSON.stringify({ name: "r", private: true }));
    for (const name of ["a", "b"]) {
      put(`fns/${name}/package.json`, JSON.stringify({ name, dependencies: {} }));
      put(`fns/${name}/handler.ts`, `export const handler = async () => "${name}";\n`);
    }
    put("fns/made/handler.mjs", `export const handler = async () => "from source";\n`);
    put("fns/made/Makefile", `build-Made:\n\techo 'export const handler = async () => "made";' > "$(ARTIFACTS_DIR)/handler.mjs"\n\techo made > "$(ARTIFACTS_DIR)/made.txt"\n`);
    const template = put("template.yml", `Transform: AWS::Serverless-2016-10-31
Globals:
  Function: { Runtime: nodejs22.x, Handler: handler.handler }
Resources:
  A: { Type: AWS::Serverless::Function, Properties: { CodeUri: fns/a } }
  B: { Type: AWS::Serverless::Function, Properties: { CodeUri: fns/b } }
  Made:
    Type: AWS::Serverless::Function
    Metadata: { BuildMethod: makefile }
    Properties: { CodeUri: fns/made }
`);
    const outDir = path.join(root, ".hdoc/build");
    const r = await runBuild({ repoRoot: root, template, outDir, only: [], clean: true, bundleAwsSdk: false, concurrency: 2, run, esbuildVersion });
    expect(r.functions.map((f) => `${f.id} ${f.status}`)).toEqual(["A built", "B built", "Made built"]);
    expect(readdirSync(path.join(outDir, "functions/Made")).sort()).toEqual(["handler.mjs", "made.txt"]);
    expect(readFileSync(path.join(outDir, "functions/Made/handler.mjs"), "utf8")).toContain('"made"');
    expect(existsSync(path.join(outDir, "functions/A/handler.mjs.map"))).toBe(true);
  });
});
