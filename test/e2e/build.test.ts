import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { existsSync, rmSync, writeFileSync, readFileSync } from "node:fs";
import path from "node:path";
import { runHdoc, tempHome, type TempHome } from "../helpers/hdoc.ts";
import { buildFixture, type BuildFixture } from "../helpers/build-fixture.ts";

let home: TempHome;
let fx: BuildFixture;
let fixtureAt: number;
beforeAll(() => {
  home = tempHome();
  fx = buildFixture();
  fixtureAt = Date.now();
});
afterAll(() => {
  home.cleanup();
  fx.cleanup();
});
const hdoc = (args: string[]) => runHdoc(args, { home: home.home, cwd: fx.dir });

describe("hdoc build (built binary, fixture copy with its own hdoc.config.json root)", () => {
  it("--list prints every function of the nested templates", async () => {
    const r = await hdoc(["build", "--list"]);
    expect(r.exitCode).toBe(0);
    const lines = r.stdout.trim().split("\n");
    expect(lines[0]).toMatch(/^Function\s+Template\s+CodeUri\s+Handler\s+Runtime\s+Architectures$/);
    expect(r.stdout).toMatch(/Legacy\/Deep\/DeepFunction\s+infra\/deep\/inner\.yml\s+\.\.\/\.\.\/functions\/deep\s+src\/main\.handler\s+nodejs22\.x\s+x86_64/);
    expect(lines).toHaveLength(2 + 6);
  });

  it("builds, prints one line per function without a TTY and a closing table; a second run is all cached", async () => {
    const r = await hdoc(["build", "--clean"]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^built {2}Api\/GetUserFunction \(.* kB, (\d+ ms|\d+\.\d s)\)$/m);
    expect(r.stderr).toContain("6 built, 0 cached");
    expect(r.stderr).toContain("templates: .hdoc/build/template.yml");
    expect(r.stdout).toMatch(/^Function\s+Runtime\s+Size\s+Time\s+Result$/m);
    expect(r.stdout).toMatch(/^Api\/HelloPythonFunction\s+python3\.13\s+.+\s+built$/m);
    expect(existsSync(fx.file(".hdoc/build/template.yml"))).toBe(true);

    const again = await hdoc(["build"]);
    expect(again.exitCode).toBe(0);
    expect(again.stderr).toContain("0 built, 6 cached");
    expect(again.stdout.match(/cached$/gm)).toHaveLength(6);
    expect(again.stdout.split("\n").slice(2, 4).map((l) => l.split(/\s+/)[0])).toEqual(["HealthFunction", "Api/GetUserFunction"]);
  });

  it("a build with nothing to do loads neither esbuild nor a chunk of the CLI, and parses no template", async () => {
    // File stamps younger than 2 s are not trusted (see FileDigests): let the fixture's files age first.
    await new Promise((r) => setTimeout(r, Math.max(0, fixtureAt + 2100 - Date.now())));
    await hdoc(["build"]);
    // Every module Node loads: ES modules through a loader hook, CommonJS ones (esbuild is loaded with
    // require) from require.cache at exit. The YAML library is bundled into dist/cli/build-main.js, the one
    // file a build loads (cli/build-main.ts): what a no-op build must not do is parse (discovery from the cache).
    const seen = path.join(home.home, "loaded-urls.txt");
    const probe = path.join(home.home, "loaded-urls.mjs");
    const cjsProbe = path.join(home.home, "loaded-modules.cjs");
    const hook = `import { appendFileSync } from "node:fs"; export async function load(url, context, next) { appendFileSync(${JSON.stringify(seen)}, url + "\\n"); return next(url, context); }`;
    writeFileSync(probe, `import { register } from "node:module";\nregister("data:text/javascript," + encodeURIComponent(${JSON.stringify(hook)}));\n`);
    writeFileSync(cjsProbe, `process.on("exit", () => require("node:fs").appendFileSync(${JSON.stringify(seen)}, Object.keys(require.cache).join("\\n") + "\\n"));\n`);
    const NODE_OPTIONS = `--import ${probe} --require ${cjsProbe}`;
    const loaded = () => {
      const urls = existsSync(seen) ? readFileSync(seen, "utf8").split("\n") : [];
      rmSync(seen, { force: true });
      return urls.filter((u) => /node_modules[\\/](esbuild|js-yaml|yaml)[\\/]/.test(u) || u.includes("/dist/cli/chunks/"));
    };
    const r = await runHdoc(["build", "--json"], { home: home.home, cwd: fx.dir, env: { NODE_OPTIONS } });
    expect(r.exitCode, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as { functions: Array<{ status: string }>; cache: { discovery: boolean } };
    expect(doc.functions.map((f) => f.status)).toEqual(Array(6).fill("cached"));
    expect(doc.cache.discovery).toBe(true);
    expect(loaded()).toEqual([]);
    // The probe does see esbuild when something has to be built (and the build parses nothing then either).
    writeFileSync(fx.file("functions/health/handler.ts"), readFileSync(fx.file("functions/health/handler.ts"), "utf8") + "\n// touched\n");
    const touched = await runHdoc(["build"], { home: home.home, cwd: fx.dir, env: { NODE_OPTIONS } });
    expect(touched.stderr).toContain("1 built, 5 cached");
    expect(loaded().some((f) => /node_modules[\\/]esbuild[\\/]/.test(f))).toBe(true);
  });

  it("--json prints one document with every function", async () => {
    const r = await hdoc(["build", "--json", "--function", "Api/GetUserFunction"]);
    expect(r.exitCode).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.ok).toBe(true);
    expect(doc.template).toBe(".hdoc/build/template.yml");
    expect(doc.functions).toHaveLength(6);
    expect(doc.functions[0]).toMatchObject({ id: expect.any(String), status: "cached", size: expect.any(Number), hash: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(r.stderr).toBe("");
  });

  it("exits 7 naming template and logical id when a function fails, still building and reporting the others", async () => {
    const file = fx.file("functions/deep/src/main.ts");
    const before = readFileSync(file, "utf8");
    writeFileSync(file, before + `\nimport "left-pad";\n`);
    writeFileSync(fx.file("functions/health/handler.ts"), `export const handler = async () => ({ statusCode: 200, body: "ok2" });\n`);
    try {
      const r = await hdoc(["build"]);
      expect(r.exitCode).toBe(7);
      expect(r.stderr).toContain(`error: infra/deep/inner.yml DeepFunction: undeclared dependency: functions/deep/src/main.ts:`);
      expect(r.stderr).toContain(`imports "left-pad", which is not declared in functions/deep/package.json`);
      expect(r.stderr).toMatch(/^built {2}HealthFunction/m);
      expect(r.stdout).toMatch(/^Legacy\/Deep\/DeepFunction\s+nodejs22\.x\s+-\s+\d+ ms\s+failed$/m);
      expect(r.stderr).toContain("templates not written");
      expect(existsSync(fx.file(".hdoc/build/template.yml"))).toBe(false);
    } finally {
      writeFileSync(file, before);
    }
  });

  it("exits 6 for a template that does not exist and 6 for an unknown --function", async () => {
    const r = await hdoc(["build", "--template", "infra/nope.yml"]);
    expect(r.exitCode).toBe(6);
    expect(r.stderr).toContain("error: template infra/nope.yml does not exist");
    const f = await hdoc(["build", "--function", "NoSuchFunction"]);
    expect(f.exitCode).toBe(6);
    expect(f.stderr).toContain("--function NoSuchFunction: no such function");
  });
});
