// HDOC_CODE_ID (scripts/code-id.mjs): the build cache trusts what an hdoc of the same id parsed and
// wrote, so every input of the CLI's build must change it, and nothing else may (found in review: it
// covered the CLI's sources and the lock file only).
import { afterAll, describe, expect, it } from "vitest";
import { appendFileSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { tempTree } from "./helpers/temp-tree.ts";
// @ts-expect-error a plain ES module of the build scripts, without types
import { codeId } from "../scripts/code-id.mjs";

const tree = tempTree("hdoc-code-id-");
afterAll(() => tree.cleanup());
const id = (): string => (codeId as (root: string, bundled: Iterable<string>) => string)(tree.root, ["commander", "js-yaml"]);

describe("HDOC_CODE_ID", () => {
  tree.put("cli/main.ts", "export const a = 1;\n");
  tree.put("cli/core/build/run.ts", "export const b = 1;\n");
  tree.put("cli/core/build/run.test.ts", "test\n");
  tree.put("scripts/build-cli.mjs", "// build\n");
  tree.put("scripts/code-id.mjs", "// id\n");
  tree.put("tsconfig.json", "{}\n");
  tree.put("package-lock.json", "{}\n");
  tree.put("node_modules/commander/index.js", "module.exports = 1;\n");
  tree.put("node_modules/js-yaml/dist/js-yaml.mjs", "export default 1;\n");
  tree.put("node_modules/esbuild/lib/main.js", "external\n");
  tree.put("README.md", "# readme\n");

  it.each([
    "cli/core/build/run.ts", "scripts/build-cli.mjs", "scripts/code-id.mjs", "tsconfig.json", "package-lock.json",
    "node_modules/commander/index.js", "node_modules/js-yaml/dist/js-yaml.mjs",
  ])("changes when %s changes", (file) => {
    const before = id();
    appendFileSync(path.join(tree.root, file), "\n// changed\n");
    expect(id()).not.toBe(before);
  });

  it("changes when a source is added or one is renamed", () => {
    const before = id();
    tree.put("cli/core/new.ts", "export const c = 1;\n");
    const added = id();
    expect(added).not.toBe(before);
    rmSync(path.join(tree.root, "cli/core/new.ts"));
    mkdirSync(path.join(tree.root, "cli/other"), { recursive: true });
    writeFileSync(path.join(tree.root, "cli/other/new.ts"), "export const c = 1;\n");
    expect(id()).not.toBe(added);
  });

  it.each(["cli/core/build/run.test.ts", "README.md", "node_modules/esbuild/lib/main.js"])("stays when %s changes (not part of the built CLI's code)", (file) => {
    const before = id();
    appendFileSync(path.join(tree.root, file), "\n// changed\n");
    expect(id()).toBe(before);
  });
});
