/**
 * `Sourcemap` and `NODE_OPTIONS: --enable-source-maps` for `BuildMethod: esbuild`, as `sam build` pairs
 * them (the SAM CLI's samcli/lib/build/bundler.py, EsbuildBundlerManager): built binary, the written
 * template read back by cfn-lint and the SAM translator, the artifact run with the NODE_OPTIONS the
 * deployed function gets, and `hdoc invoke` seeing the same NODE_OPTIONS.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { execa } from "execa";
import { REPO_ROOT, runHdoc, tempHome, type TempHome } from "../helpers/hdoc.ts";

const TEMPLATE = `AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Parameters:
  NodeOptions:
    Type: String
    Default: --max-old-space-size=200
Globals:
  Function:
    Runtime: nodejs22.x
    CodeUri: fn
    Handler: src/app.handler
    Environment:
      Variables:
        NODE_OPTIONS: --stack-trace-limit=50
        STAGE: dev
Resources:
  # Sourcemap true, NODE_OPTIONS only from Globals
  FromGlobals:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: fn
      Handler: src/app.handler
    Metadata:
      BuildMethod: esbuild
      BuildProperties:
        Sourcemap: true
  # Sourcemap true, NODE_OPTIONS of its own
  OwnOptions:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: fn
      Handler: src/app.handler
      Environment:
        Variables:
          NODE_OPTIONS: "--max-old-space-size=256" # keep this comment
          TABLE: users
    Metadata:
      BuildMethod: esbuild
      BuildProperties:
        Sourcemap: true
        Minify: false
  # Sourcemap inline, the flag already there
  AlreadyOn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: fn
      Handler: src/app.handler
      Environment:
        Variables:
          NODE_OPTIONS: --enable-source-maps
    Metadata:
      BuildMethod: esbuild
      BuildProperties:
        Sourcemap: inline
  # no Sourcemap, the flag in NODE_OPTIONS: built with a source map
  FromEnv:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: fn
      Handler: src/app.handler
      Environment:
        Variables:
          NODE_OPTIONS: --enable-source-maps --max-old-space-size=128
    Metadata:
      BuildMethod: esbuild
  # Sourcemap false: nothing
  NoMap:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: fn
      Handler: src/app.handler
    Metadata:
      BuildMethod: esbuild
      BuildProperties:
        Sourcemap: false
  # Sourcemap true, NODE_OPTIONS an intrinsic without the flag: left, with a warning
  Intrinsic:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: fn
      Handler: src/app.handler
      Environment:
        Variables:
          NODE_OPTIONS: !Ref NodeOptions
    Metadata:
      BuildMethod: esbuild
      BuildProperties:
        Sourcemap: true
  # no Properties of its own (CodeUri and Handler from Globals), Sourcemap true
  Bare:
    Type: AWS::Serverless::Function
    Metadata:
      BuildMethod: esbuild
      BuildProperties:
        Sourcemap: true
  # not BuildMethod esbuild: hdoc's own bundle, the template untouched
  Plain:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: fn
      Handler: src/app.handler
`;

let home: TempHome;
let dir: string;
const artifact = (id: string, file = "") => path.join(dir, ".hdoc/build/functions", id, file);
const hdoc = (args: string[], input?: string) => runHdoc([...args, "--template", "template.yml"], { home: home.home, cwd: dir, input });
type Translated = Record<string, { template?: { Resources: Record<string, { Type: string; Properties: { Environment?: { Variables?: Record<string, unknown> } } }> }; errors?: string[] }>;

beforeAll(() => {
  home = tempHome();
  dir = mkdtempSync(path.join(tmpdir(), "hdoc-source-maps-"));
  mkdirSync(path.join(dir, "fn/src"), { recursive: true });
  writeFileSync(path.join(dir, "template.yml"), TEMPLATE);
  writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: "source-maps", private: true }));
  writeFileSync(path.join(dir, "fn/package.json"), JSON.stringify({ name: "fn", private: true }));
  writeFileSync(path.join(dir, "fn/src/app.ts"), [
    "export const handler = async (event: { fail?: boolean }) => {",
    '  if (event?.fail) throw new Error("mapped failure");',
    "  return { statusCode: 200, body: JSON.stringify({ NODE_OPTIONS: process.env.NODE_OPTIONS ?? null }) };",
    "};",
    "",
  ].join("\n"));
});
afterAll(() => {
  home.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

describe("hdoc build pairs Sourcemap and NODE_OPTIONS as sam build does (built binary)", () => {
  let stderr = "";
  let built = "";
  it("builds, and warns in one line about the function whose NODE_OPTIONS it cannot extend", async () => {
    const r = await hdoc(["build"]);
    expect(r.exitCode, r.stderr).toBe(0);
    stderr = r.stderr;
    expect(stderr).toContain("8 built, 0 cached");
    expect(stderr).toMatch(/^warning: Intrinsic: Sourcemap is set but its NODE_OPTIONS is not a string: --enable-source-maps was not added to NODE_OPTIONS, so Lambda will not map stack traces \(add it yourself\)$/m);
    expect(stderr.match(/^warning: /gm)).toHaveLength(1);
    built = readFileSync(path.join(dir, ".hdoc/build/template.yml"), "utf8");
  });

  it("appends --enable-source-maps where Sourcemap is set, in place (the comment kept), and nowhere else", () => {
    expect(built).toMatch(/^ {10}NODE_OPTIONS: "--max-old-space-size=256 --enable-source-maps" # keep this comment$/m);
    // every other line as written, apart from the CodeUri paths and the one added Environment
    const strip = (t: string) => t.split("\n").filter((l) => !/^\s+CodeUri: /.test(l) && !/NODE_OPTIONS|Environment"?: \{"Variables"/.test(l));
    expect(strip(built)).toEqual(strip(TEMPLATE));
    // a function without Properties gets them, with its CodeUri and NODE_OPTIONS in one mapping
    expect(built).toMatch(/^ {4}"?Properties"?: \{"CodeUri":"\.\/functions\/Bare","Environment":\{"Variables":\{"NODE_OPTIONS":"--stack-trace-limit=50 --enable-source-maps"\}\}\}$/m);
    // a function without an Environment of its own gets one (SAM merges it with the Globals' variables)
    expect(built).toMatch(/^ {6}"?Environment"?: \{"Variables":\{"NODE_OPTIONS":"--stack-trace-limit=50 --enable-source-maps"\}\}$/m);
  });

  it("gives each deployed function the NODE_OPTIONS sam build would (SAM translator, Globals merged), and passes cfn-lint", async () => {
    const file = path.join(dir, ".hdoc/build/template.yml");
    const lint = await execa("cfn-lint", ["--", file], { reject: false, all: true });
    expect([lint.exitCode, lint.all]).toEqual([0, ""]);
    const translated = JSON.parse((await execa("python3", [path.join(REPO_ROOT, "test/helpers/sam-translate.py"), file])).stdout) as Translated;
    expect(translated[file]!.errors).toBeUndefined();
    const vars = (id: string) => translated[file]!.template!.Resources[id]!.Properties.Environment?.Variables;
    expect(vars("FromGlobals")).toEqual({ NODE_OPTIONS: "--stack-trace-limit=50 --enable-source-maps", STAGE: "dev" });
    expect(vars("OwnOptions")).toEqual({ NODE_OPTIONS: "--max-old-space-size=256 --enable-source-maps", TABLE: "users", STAGE: "dev" });
    expect(vars("AlreadyOn")).toEqual({ NODE_OPTIONS: "--enable-source-maps", STAGE: "dev" });
    expect(vars("FromEnv")).toEqual({ NODE_OPTIONS: "--enable-source-maps --max-old-space-size=128", STAGE: "dev" });
    expect(vars("NoMap")).toEqual({ NODE_OPTIONS: "--stack-trace-limit=50", STAGE: "dev" });
    expect(vars("Intrinsic")).toEqual({ NODE_OPTIONS: { Ref: "NodeOptions" }, STAGE: "dev" });
    expect(vars("Plain")).toEqual({ NODE_OPTIONS: "--stack-trace-limit=50", STAGE: "dev" });
    expect(vars("Bare")).toEqual({ NODE_OPTIONS: "--stack-trace-limit=50 --enable-source-maps", STAGE: "dev" });
  }, 60_000);

  it("builds a source map for a function whose NODE_OPTIONS enables them without Sourcemap, and none with Sourcemap false", () => {
    expect(existsSync(artifact("FromEnv", "src/app.js.map"))).toBe(true);
    expect(readFileSync(artifact("FromEnv", "src/app.js"), "utf8")).toContain("//# sourceMappingURL=app.js.map");
    expect(existsSync(artifact("NoMap", "src/app.js.map"))).toBe(false);
  });

  it("maps a stack trace to the TypeScript source when the artifact runs with the NODE_OPTIONS the function gets", async () => {
    const script = `const m = require(${JSON.stringify(artifact("FromGlobals", "src/app.js"))}); m.handler({ fail: true }).catch((e) => { process.stdout.write(e.stack); });`;
    const run = (flags: string[]) => execa(process.execPath, [...flags, "-e", script], { cwd: dir, reject: false });
    const mapped = await run(["--stack-trace-limit=50", "--enable-source-maps"]);
    expect(mapped.stdout).toMatch(/fn\/src\/app\.ts:2:/);
    const unmapped = await run(["--stack-trace-limit=50"]);
    expect(unmapped.stdout).toContain("mapped failure");
    expect(unmapped.stdout).not.toMatch(/app\.ts/);
  });

  it("repeats the warning when the written templates are taken as they are, and rebuilds FromEnv when its NODE_OPTIONS no longer enables source maps", async () => {
    const again = await hdoc(["build"]);
    expect(again.stderr).toContain("0 built, 8 cached");
    expect(again.stderr).toMatch(/^warning: Intrinsic: Sourcemap is set/m);
    const json = await hdoc(["build", "--json"]);
    expect(json.exitCode, json.stderr).toBe(0);
    const doc = JSON.parse(json.stdout) as { ok: boolean; warnings: string[] };
    expect([doc.ok, doc.warnings]).toEqual([true, [expect.stringMatching(/^Intrinsic: Sourcemap is set but its NODE_OPTIONS is not a string: /)]]);
    writeFileSync(path.join(dir, "template.yml"), TEMPLATE.replace("NODE_OPTIONS: --enable-source-maps --max-old-space-size=128", "NODE_OPTIONS: --max-old-space-size=128"));
    const off = await hdoc(["build"]);
    expect(off.exitCode, off.stderr).toBe(0);
    expect(off.stderr).toContain("1 built, 7 cached");
    expect(existsSync(artifact("FromEnv", "src/app.js.map"))).toBe(false);
    writeFileSync(path.join(dir, "template.yml"), TEMPLATE);
  });
});

describe("hdoc invoke gives the function the NODE_OPTIONS of the built template (built binary)", () => {
  it.each([
    ["FromGlobals", "--stack-trace-limit=50 --enable-source-maps"],
    ["OwnOptions", "--max-old-space-size=256 --enable-source-maps"],
    ["NoMap", "--stack-trace-limit=50"],
    ["Bare", "--stack-trace-limit=50 --enable-source-maps"],
    ["Intrinsic", "--max-old-space-size=200"],
  ])("%s sees NODE_OPTIONS %j", async (id, expected) => {
    const r = await hdoc(["invoke", id, "--event", "-"], "{}");
    expect(r.exitCode, r.stderr).toBe(0);
    expect(JSON.parse((JSON.parse(r.stdout) as { body: string }).body)).toEqual({ NODE_OPTIONS: expected });
  });
});
