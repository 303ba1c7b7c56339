import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { existsSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync, appendFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { execa } from "execa";
import { version as esbuildVersion } from "esbuild";
import { buildFixture, runCommand, type BuildFixture } from "../../../test/helpers/build-fixture.ts";
import { runBuild, selectFunctions, type BuildReport } from "./run.ts";
import { listFunctions, loadFunctions } from "./discovery.ts";
import { parseTemplate } from "../cfn/templates.ts";
import { RACY_MS } from "./cache.ts";

let fx: BuildFixture;
beforeAll(() => (fx = buildFixture()));
afterAll(() => fx.cleanup());

const run = runCommand;
const build = (over: Partial<Parameters<typeof runBuild>[0]> = {}) =>
  runBuild({
    repoRoot: fx.dir, template: fx.file("infra/template.yml"), outDir: fx.file(".hdoc/build"), only: [], clean: false,
    bundleAwsSdk: false, concurrency: 2, run, esbuildVersion, ...over,
  });
const statuses = (r: BuildReport) => Object.fromEntries(r.functions.map((f) => [f.id, f.status]));
const ALL = ["HealthFunction", "Api/GetUserFunction", "Api/ListUsersFunction", "Api/HelloPythonFunction", "Legacy/SignupFunction", "Legacy/Deep/DeepFunction"];

describe("discovery for hdoc build", () => {
  it("lists every function through both nested types and two levels, with Globals applied", () => {
    const { functions, problems } = loadFunctions(fx.dir, fx.file("infra/template.yml"));
    expect(problems).toEqual([]);
    const listed = listFunctions(functions, fx.dir);
    expect(listed.map((f) => f.id).sort()).toEqual([...ALL].sort());
    expect(listed.find((f) => f.id === "Api/GetUserFunction")).toMatchObject({ template: "infra/api.yml", codeUri: "../functions/get-user", handler: "handler.handler", runtime: "nodejs22.x", architectures: ["arm64"] });
    expect(listed.find((f) => f.id === "Legacy/Deep/DeepFunction")).toMatchObject({ template: "infra/deep/inner.yml", handler: "src/main.handler", architectures: ["x86_64"] });
    expect(listed.find((f) => f.id === "Legacy/SignupFunction")).toMatchObject({ template: "infra/legacy.yml", codeUri: "../functions/signup" });
  });

  it("selects by logical id or nested id and refuses unknown names", () => {
    const { functions } = loadFunctions(fx.dir, fx.file("infra/template.yml"));
    expect([...selectFunctions(functions, ["GetUserFunction", "Legacy/Deep/DeepFunction"])]).toEqual(["Api/GetUserFunction", "Legacy/Deep/DeepFunction"]);
    expect(() => selectFunctions(functions, ["Nope"])).toThrow(/--function Nope: no such function/);
  });

  it("refuses a missing root template with NOT_FOUND", () => {
    expect(() => loadFunctions(fx.dir, fx.file("infra/nope.yml"))).toThrow(expect.objectContaining({ code: "NOT_FOUND" }));
  });
});

describe("runBuild on the fixture", () => {
  let first: BuildReport;
  beforeAll(async () => {
    first = await build({ clean: true });
  }, 120_000);

  it("builds every function and writes templates and a manifest", () => {
    expect(first.functions.filter((f) => f.status !== "built")).toEqual([]);
    expect(first.ok).toBe(true);
    expect(first.template).toBe(".hdoc/build/template.yml");
    const manifest = JSON.parse(readFileSync(fx.file(".hdoc/build/manifest.json"), "utf8"));
    expect(Object.keys(manifest.functions).sort()).toEqual([...ALL].sort());
    expect(manifest.functions["Api/GetUserFunction"]).toMatchObject({ hash: expect.stringMatching(/^[0-9a-f]{64}$/), size: expect.any(Number), buildMs: expect.any(Number) });
  });

  it("produces bundles that load and whose handlers run", async () => {
    const load = async (rel: string) => (await import(pathToFileURL(fx.file(rel)).href)) as { handler: (e: unknown) => Promise<{ statusCode: number; body: string }> };
    const getUser = await load(".hdoc/build/functions/Api/GetUserFunction/handler.mjs");
    const r = await getUser.handler({ pathParameters: { id: "ada" } });
    expect(JSON.parse(r.body)).toEqual({ message: "hello ada", yaml: "id: ada\n" });
    const signup = await load(".hdoc/build/functions/Legacy/SignupFunction/handler.mjs");
    expect(JSON.parse((await signup.handler({ body: 'name = "grace"' })).body)).toEqual({ message: "hello grace" });
    const deep = await load(".hdoc/build/functions/Legacy/Deep/DeepFunction/src/main.mjs");
    expect(JSON.parse((await deep.handler({ body: "a=1" })).body)).toEqual({ a: "1" });
  });

  it("bundles only what the function uses: no node_modules, a source map, minified", () => {
    const dir = fx.file(".hdoc/build/functions/Api/ListUsersFunction");
    const code = readFileSync(path.join(dir, "handler.mjs"), "utf8");
    expect(code).not.toContain("yaml");
    expect(existsSync(path.join(dir, "handler.mjs.map"))).toBe(true);
    expect(existsSync(path.join(dir, "node_modules"))).toBe(false);
  });

  it("installs a Python function's requirements (a local package, no index) next to its code", async () => {
    const dir = fx.file(".hdoc/build/functions/Api/HelloPythonFunction");
    expect(existsSync(path.join(dir, "app.py"))).toBe(true);
    expect(existsSync(path.join(dir, "greeting/__init__.py"))).toBe(true);
    const r = await execa("python3", ["-c", "import json, app; print(app.handler({'name': 'py'}, None)['body'])"], { cwd: dir });
    expect(JSON.parse(r.stdout)).toEqual({ message: "hello py" });
  });

  it("rewrites templates to point only at built artifacts and templates, and they pass cfn-lint", async () => {
    const out = fx.file(".hdoc/build");
    const files = first.templates.map((t) => fx.file(t));
    expect(files.map((f) => path.relative(out, f)).sort()).toEqual(["stacks/Api.yml", "stacks/Legacy.yml", "stacks/Legacy/Deep.yml", "template.yml"]);
    const refs: string[] = [];
    for (const file of files) {
      const body = parseTemplate(readFileSync(file, "utf8"), file);
      for (const res of Object.values(body.Resources as Record<string, { Type: string; Properties?: Record<string, string> }>)) {
        for (const prop of ["CodeUri", "Code", "Location", "TemplateURL"]) {
          const v = res.Properties?.[prop];
          if (typeof v !== "string") continue;
          const target = path.resolve(path.dirname(file), v);
          expect(path.relative(out, target).startsWith(".."), `${file}: ${prop} ${v}`).toBe(false);
          expect(existsSync(target), `${file}: ${prop} ${v}`).toBe(true);
          refs.push(path.relative(out, target));
        }
      }
    }
    expect(refs).toContain("functions/Legacy/Deep/DeepFunction");
    expect(refs).toContain("stacks/Legacy/Deep.yml");
    const lint = await execa("cfn-lint", ["--", ...files], { reject: false, all: true });
    expect(lint.all).toBe("");
    expect(lint.exitCode).toBe(0);
  }, 60_000);

  it("takes every function from the cache when nothing changed", async () => {
    const again = await build();
    expect(new Set(Object.values(statuses(again)))).toEqual(new Set(["cached"]));
    expect(again.template).toBe(".hdoc/build/template.yml");
  });

  it("rebuilds exactly the functions that import a changed shared file", async () => {
    appendFileSync(fx.file("functions/shared/format.ts"), "\nexport const VERSION = 2;\n");
    const r = await build();
    expect(statuses(r)).toEqual({
      HealthFunction: "cached", "Api/GetUserFunction": "built", "Api/ListUsersFunction": "built", "Api/HelloPythonFunction": "cached",
      "Legacy/SignupFunction": "cached", "Legacy/Deep/DeepFunction": "cached",
    });
    appendFileSync(fx.file("functions/shared/greet.ts"), "\nexport const NOTE = 1;\n");
    const r2 = await build();
    expect(Object.entries(statuses(r2)).filter(([, s]) => s === "built").map(([id]) => id).sort()).toEqual(["Api/GetUserFunction", "Legacy/SignupFunction"]);
  });

  it("rebuilds a Python function when its code or the local packages its requirements point at change", async () => {
    appendFileSync(fx.file("functions/py-hello/app.py"), "\n# changed\n");
    const r = await build();
    expect(statuses(r)["Api/HelloPythonFunction"]).toBe("built");
    expect(Object.values(statuses(r)).filter((s) => s === "built")).toHaveLength(1);
    writeFileSync(fx.file("wheels/NOTE.txt"), "a new file in the --find-links folder\n");
    expect(statuses(await build())["Api/HelloPythonFunction"]).toBe("built");
  });
});

describe("the build cache (own fixture copy; a clock far enough ahead that every file counts as still)", () => {
  let cx: BuildFixture;
  const later = () => Date.now() + 10 * RACY_MS;
  const cbuild = (over: Partial<Parameters<typeof runBuild>[0]> = {}) =>
    runBuild({
      repoRoot: cx.dir, template: cx.file("infra/template.yml"), outDir: cx.file(".hdoc/build"), only: [], clean: false,
      bundleAwsSdk: false, concurrency: 2, run, esbuildVersion, clock: later, ...over,
    });
  const built = (r: BuildReport) => r.functions.filter((f) => f.status === "built").map((f) => f.id).sort();
  beforeAll(async () => {
    cx = buildFixture();
    expect((await cbuild()).ok).toBe(true);
  }, 120_000);
  afterAll(() => cx.cleanup());

  it("a no-op build reads no file it has seen, parses no template and rewrites nothing", async () => {
    const outputs = [".hdoc/build/template.yml", ".hdoc/build/stacks/Api.yml", ".hdoc/build/manifest.json", ".hdoc/build/cache.json"].map((f) => cx.file(f));
    const mtimes = () => outputs.map((f) => statSync(f).mtimeMs);
    const before = mtimes();
    const r = await cbuild();
    expect(new Set(Object.values(statuses(r)))).toEqual(new Set(["cached"]));
    expect(r.cache).toEqual({ discovery: true, filesHashed: 0, bundledEarly: 0 });
    expect(r.template).toBe(".hdoc/build/template.yml");
    expect(mtimes()).toEqual(before);
  });

  it("a template edit invalidates the cached discovery, and the rewritten templates carry it", async () => {
    const api = cx.file("infra/api.yml");
    writeFileSync(api, readFileSync(api, "utf8").replace("    Timeout: 10\n", "    Timeout: 10\n    MemorySize: 512\n"));
    const r = await cbuild();
    expect(r.cache.discovery).toBe(false);
    expect(built(r)).toEqual([]);
    expect(readFileSync(cx.file(".hdoc/build/stacks/Api.yml"), "utf8")).toContain("MemorySize: 512");
    expect((await cbuild()).cache.discovery).toBe(true);
  });

  it("touching a file without changing it reads it again but rebuilds nothing", async () => {
    const t = new Date(Date.now() - 60_000);
    utimesSync(cx.file("functions/shared/greet.ts"), t, t);
    const r = await cbuild();
    expect(built(r)).toEqual([]);
    expect(r.cache.filesHashed).toBe(1);
    expect((await cbuild()).cache.filesHashed).toBe(0);
  });

  it("new content of the same size with the old mtime put back still rebuilds its importers", async () => {
    const file = cx.file("functions/shared/greet.ts");
    const MTIME = 1_700_000_000;
    utimesSync(file, MTIME, MTIME);
    expect(built(await cbuild())).toEqual([]);
    const text = readFileSync(file, "utf8");
    expect(text).toContain("hello");
    writeFileSync(file, text.replace("hello", "HELLO"));
    utimesSync(file, MTIME, MTIME);
    expect(built(await cbuild())).toEqual(["Api/GetUserFunction", "Legacy/SignupFunction"]);
  });

  it("rewrites a built template that was edited or deleted", async () => {
    const out = cx.file(".hdoc/build/stacks/Api.yml");
    const good = readFileSync(out, "utf8");
    writeFileSync(out, "edited by hand\n");
    await cbuild();
    expect(readFileSync(out, "utf8")).toBe(good);
    rmSync(out);
    await cbuild();
    expect(readFileSync(out, "utf8")).toBe(good);
  });

  it("does not take a function from the cached discovery once its code folder is gone", async () => {
    renameSync(cx.file("functions/deep"), cx.file("functions/deep-moved"));
    try {
      const r = await cbuild();
      const deep = r.functions.find((f) => f.id === "Legacy/Deep/DeepFunction")!;
      expect(deep.status).toBe("failed");
      expect(deep.error).toMatch(/CodeUri .* does not exist/);
      expect(r.ok).toBe(false);
    } finally {
      renameSync(cx.file("functions/deep-moved"), cx.file("functions/deep"));
    }
    const again = await cbuild();
    expect(again.ok).toBe(true);
    expect(built(again)).toEqual(["Legacy/Deep/DeepFunction"]);
  });
});

describe("runBuild failures", () => {
  it("fails an undeclared import naming function, file and package, removes its artifact, builds the others", async () => {
    await build();
    const file = fx.file("functions/health/handler.ts");
    const before = readFileSync(file, "utf8");
    writeFileSync(file, `import { parse } from "ini";\nexport const handler = async () => ({ statusCode: 200, body: JSON.stringify(parse("a=1")) });\n`);
    try {
      const r = await build();
      const health = r.functions.find((f) => f.id === "HealthFunction")!;
      expect(health.status).toBe("failed");
      expect(health.error).toContain("infra/template.yml HealthFunction");
      expect(health.error).toContain(`functions/health/handler.ts imports "ini", which is not declared in functions/health/package.json`);
      expect(r.ok).toBe(false);
      expect(r.template).toBeUndefined();
      expect(existsSync(fx.file(".hdoc/build/template.yml"))).toBe(false);
      expect(existsSync(fx.file(".hdoc/build/functions/HealthFunction"))).toBe(false);
      expect(r.functions.filter((f) => f.id !== "HealthFunction").every((f) => f.status === "cached")).toBe(true);
      // Fixing the source again builds it: a failure never left anything taken as up to date.
      writeFileSync(file, before);
      const fixed = await build();
      expect(statuses(fixed).HealthFunction).toBe("built");
      expect(fixed.ok).toBe(true);
    } finally {
      writeFileSync(file, before);
    }
  });

  it("reports a compile error with file:line and a missing exported handler", async () => {
    const file = fx.file("functions/list-users/handler.ts");
    const before = readFileSync(file, "utf8");
    try {
      writeFileSync(file, `export async function handler() {\n  return {;\n}\n`);
      const r = await build({ only: ["ListUsersFunction"] });
      const f = r.functions.find((x) => x.id === "Api/ListUsersFunction")!;
      expect(f.status).toBe("failed");
      expect(f.error).toMatch(/infra\/api\.yml ListUsersFunction: compile error: functions\/list-users\/handler\.ts:2:\d+: /);
      writeFileSync(file, `export async function main() {\n  return 1;\n}\n`);
      const r2 = await build({ only: ["ListUsersFunction"] });
      expect(r2.functions.find((x) => x.id === "Api/ListUsersFunction")!.error).toContain(`functions/list-users/handler.ts does not export "handler"`);
    } finally {
      writeFileSync(file, before);
    }
  });

  it("fails a function with a missing handler file, an unsupported runtime or code outside the repository, naming template and logical id", async () => {
    const tpl = fx.file("infra/broken.yml");
    writeFileSync(tpl, `Transform: AWS::Serverless-2016-10-31
Resources:
  NoFile:
    Type: AWS::Serverless::Function
    Properties: { CodeUri: ../functions/health, Handler: nothere.handler, Runtime: nodejs22.x }
  Java:
    Type: AWS::Serverless::Function
    Properties: { CodeUri: ../functions/health, Handler: a.B::handle, Runtime: java21 }
  Outside:
    Type: AWS::Serverless::Function
    Properties: { CodeUri: ../../.., Handler: handler.handler, Runtime: nodejs22.x }
  NoCode:
    Type: AWS::Serverless::Function
    Properties: { Handler: handler.handler, Runtime: nodejs22.x }
`);
    try {
      const r = await build({ template: tpl, outDir: fx.file(".hdoc/broken") });
      const err = Object.fromEntries(r.functions.map((f) => [f.id, `${f.status} ${f.error}`]));
      expect(err.NoFile).toMatch(/^failed infra\/broken\.yml NoFile: Handler nothere.handler: no nothere\{\.ts,.*\} in/);
      expect(err.Java).toMatch(/^failed infra\/broken\.yml Java: unsupported runtime java21/);
      expect(err.Outside).toMatch(/^failed infra\/broken\.yml Outside: CodeUri path "..\/..\/.." leaves the repository/);
      expect(err.NoCode).toMatch(/^failed infra\/broken\.yml NoCode: AWS::Serverless::Function has no CodeUri/);
    } finally {
      rmSync(tpl);
    }
  });

  it("shows pip's error for a requirement that cannot be installed", async () => {
    const req = fx.file("functions/py-hello/requirements.txt");
    const before = readFileSync(req, "utf8");
    try {
      writeFileSync(req, "--no-index\nno-such-package-hdoc==9.9\n");
      const r = await build({ only: ["Api/HelloPythonFunction"] });
      const f = r.functions.find((x) => x.id === "Api/HelloPythonFunction")!;
      expect(f.status).toBe("failed");
      expect(f.error).toMatch(/pip install -r requirements.txt failed: .*no-such-package-hdoc/i);
    } finally {
      writeFileSync(req, before);
    }
  });
});
