/**
 * hdoc build of `Metadata: BuildMethod: esbuild` functions with BuildProperties (built binary), over
 * test/fixtures/esbuild-props: what the SAM CLI's esbuild integration tests check of an artifact
 * (tests/integration/buildcmd/build_integ_base.py: minified to at most 2 lines, `<file>.js.map` present
 * with Sourcemap), plus the format Lambda loads it as, an External import left unbundled, and
 * BuildProperties in the build cache key.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { execa } from "execa";
import { REPO_ROOT, runHdoc, tempHome, type TempHome } from "../helpers/hdoc.ts";

let home: TempHome;
let dir: string;
const artifact = (id: string) => path.join(dir, ".hdoc/build/functions", id);
const filesOf = (root: string, sub = ""): string[] =>
  readdirSync(path.join(root, sub), { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesOf(root, path.join(sub, e.name)) : [path.join(sub, e.name)])).sort();
const hdoc = (args: string[]) => runHdoc([...args, "--template", "template.yml"], { home: home.home, cwd: dir });

/** Loads the handler as the Lambda Node.js runtime does: the first of <module>.js, .mjs, .cjs, by its extension's module type. */
async function invoke(id: string, module: string, exportName = "handler"): Promise<unknown> {
  const file = [".js", ".mjs", ".cjs"].map((ext) => path.join(artifact(id), module + ext)).find((f) => existsSync(f));
  expect(file, `no ${module}.{js,mjs,cjs} in ${id}`).toBeDefined();
  const script = `const m = await import(${JSON.stringify(`file://${file}`)}); process.stdout.write(JSON.stringify(await m[${JSON.stringify(exportName)}]({})));`;
  const r = await execa(process.execPath, ["--input-type=module", "-e", script], { cwd: dir, reject: false });
  expect(r.exitCode, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
}

beforeAll(() => {
  home = tempHome();
  dir = mkdtempSync(path.join(tmpdir(), "hdoc-esbuild-props-"));
  cpSync(path.join(REPO_ROOT, "test/fixtures/esbuild-props"), dir, { recursive: true });
  // The External package: installed where the function runs (here, above the build folder), never bundled.
  mkdirSync(path.join(dir, "node_modules/left-out"), { recursive: true });
  writeFileSync(path.join(dir, "node_modules/left-out/package.json"), JSON.stringify({ name: "left-out", version: "1.0.0", type: "module", exports: "./index.js" }));
  writeFileSync(path.join(dir, "node_modules/left-out/index.js"), 'export const marker = "LEFT_OUT_MARKER";\n');
});
afterAll(() => {
  home.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

describe("hdoc build honours esbuild BuildProperties (built binary)", () => {
  it("without BuildProperties: SAM's defaults, a minified CommonJS src/app.js without a source map, loaded by Lambda as CommonJS", async () => {
    const r = await hdoc(["build"]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).toContain("3 built, 0 cached");
    for (const id of ["CjsDefault", "CjsAlso"]) {
      expect(filesOf(artifact(id))).toEqual(["src/app.js"]);
      const code = readFileSync(path.join(artifact(id), "src/app.js"), "utf8");
      expect(code.trimEnd().split("\n").length).toBeLessThanOrEqual(2);
      expect(code).toContain("module.exports");
      expect(code).not.toMatch(/^export\s*\{/m);
      expect(await invoke(id, "src/app")).toEqual({ statusCode: 200, body: '{"text":"hello world"}' });
    }
  });

  it("Format esm, Minify false, Sourcemap true, External: an unminified src/esm.mjs with its .map, the External import left as an import", async () => {
    expect(filesOf(artifact("EsmMapped"))).toEqual(["src/esm.mjs", "src/esm.mjs.map"]);
    const code = readFileSync(path.join(artifact("EsmMapped"), "src/esm.mjs"), "utf8");
    expect(code).toMatch(/^export \{\n {2}handler\n\};$/m);
    expect(code).toMatch(/^import \{ marker \} from "left-out";$/m);
    expect(code).not.toContain("LEFT_OUT_MARKER");
    expect(code).toContain("//# sourceMappingURL=esm.mjs.map");
    // Top-level await only works in an ES module: Lambda loads .mjs as one.
    expect(await invoke("EsmMapped", "src/esm")).toEqual({ statusCode: 200, body: '{"marker":"LEFT_OUT_MARKER","started":"init"}' });
  });

  it("rebuilds a function whose BuildProperties changed (Minify false -> true), and only that one", async () => {
    const again = await hdoc(["build"]);
    expect(again.stderr).toContain("0 built, 3 cached");
    const template = path.join(dir, "template.yml");
    const before = readFileSync(template, "utf8");
    writeFileSync(template, before.replace("Minify: false", "Minify: true"));
    const r = await hdoc(["build"]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).toContain("1 built, 2 cached");
    expect(r.stderr).toMatch(/^built\s+EsmMapped/m);
    const minified = readFileSync(path.join(artifact("EsmMapped"), "src/esm.mjs"), "utf8");
    expect(minified).toMatch(/export\{\w+ as handler\};\n\/\/# sourceMappingURL=esm\.mjs\.map\n$/);
    expect(minified).not.toMatch(/\n\s+\S/);
    writeFileSync(template, before);
  });

  it("fails a function with a BuildProperties value esbuild would refuse, in one line naming it, and builds the rest", async () => {
    const template = path.join(dir, "template.yml");
    const before = readFileSync(template, "utf8");
    writeFileSync(template, before.replace("Sourcemap: true", 'Sourcemap: "true"'));
    const r = await hdoc(["build"]);
    writeFileSync(template, before);
    expect(r.exitCode).toBe(7);
    expect(r.stderr).toMatch(/^error: template\.yml EsmMapped: BuildProperties\.Sourcemap must be true, false or one of linked, inline, external, both, not "true"$/m);
    expect(r.stderr).toContain("0 built, 2 cached, 1 failed");
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
