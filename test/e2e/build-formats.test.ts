/**
 * hdoc build over templates as the SAM CLI's and the SAM translator's test templates write them
 * (test/fixtures/formats): CodeUri `.`, CodeUri through `!Ref` to a parameter's Default, functions
 * hdoc leaves as they are (image, s3 through Globals, zip, inline) listed as warnings, not errors,
 * `BuildMethod: makefile` run as the SAM CLI runs it, and the written template edited in place (quoted values and comments kept,
 * Globals.Function.CodeUri kept).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { execaSync } from "execa";
import { REPO_ROOT, runHdoc, tempHome, type TempHome } from "../helpers/hdoc.ts";

let home: TempHome;
let dir: string;
beforeAll(() => {
  home = tempHome();
  dir = mkdtempSync(path.join(tmpdir(), "hdoc-formats-"));
  cpSync(path.join(REPO_ROOT, "test/fixtures/formats"), dir, { recursive: true });
});
afterAll(() => {
  home.cleanup();
  rmSync(dir, { recursive: true, force: true });
});
const hdoc = (args: string[], env: Record<string, string> = {}) => runHdoc(args.includes("--template") ? args : [...args, "--template", "template.yml"], { home: home.home, cwd: dir, env });

describe("hdoc build over SAM's template forms (built binary)", () => {
  it("--list shows the CodeUri . function (was read as NaN and skipped) and lists the ones it does not build with the reason", async () => {
    const r = await hdoc(["build", "--list", "--json"]);
    expect(r.exitCode, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as { functions: Array<{ id: string; codeUri: string }>; notBuilt: Array<{ id: string; reason: string }>; problems: string[] };
    expect(doc.problems).toEqual([]);
    expect(Object.fromEntries(doc.functions.map((f) => [f.id, f.codeUri]))).toEqual({ Local: ".", Made: "make" });
    expect(Object.fromEntries(doc.notBuilt.map((f) => [f.id, f.reason]))).toEqual({ Remote: "s3", Image: "image", Zipped: "zip", Inline: "inline" });
  });

  it("resolves CodeUri, Handler and Runtime through !Ref and !Sub to parameters: their Default, or --param", async () => {
    const listed = async (extra: string[]) => {
      const r = await hdoc(["build", "--list", "--json", "--template", "params.yml", ...extra]);
      expect(r.exitCode, r.stderr).toBe(0);
      return (JSON.parse(r.stdout) as { functions: unknown[] }).functions;
    };
    expect(await listed([])).toEqual([expect.objectContaining({ id: "Fn", codeUri: ".", handler: "src/app.handler", runtime: "nodejs22.x" })]);
    expect(await listed(["--param", "CodeParam=esb", "--param", "HandlerParam=src/entry.handler", "--param", "NodeMajor=20"])).toEqual([expect.objectContaining({ codeUri: "esb", handler: "src/entry.handler", runtime: "nodejs20.x" })]);
    const bad = await hdoc(["build", "--list", "--template", "params.yml", "--param", "CodeParam"]);
    expect([bad.exitCode, bad.stderr.trim()]).toEqual([2, 'error: --param "CodeParam" is not Name=Value\nhint: e.g. --param Stage=dev']);
  });

  it("carries --param into a nested stack through the parent's Parameters property, as CloudFormation passes it", async () => {
    const listed = async (extra: string[]) => {
      const r = await hdoc(["build", "--list", "--json", "--template", "nested.yml", ...extra]);
      expect(r.exitCode, r.stderr).toBe(0);
      return (JSON.parse(r.stdout) as { functions: unknown[] }).functions;
    };
    expect(await listed(["--param", "CodeRoot=.", "--param", "Stage=prod"])).toEqual([expect.objectContaining({ id: "Child/Staged", codeUri: ".", handler: "src/prod.handler" })]);
    const built = await hdoc(["build", "--template", "nested.yml", "--param", "CodeRoot=.", "--param", "Stage=prod", "--json"]);
    expect(built.exitCode, built.stderr).toBe(0);
    expect((JSON.parse(built.stdout) as { functions: Array<{ id: string; status: string }> }).functions).toEqual([expect.objectContaining({ id: "Child/Staged", status: "built" })]);
    expect(existsSync(path.join(dir, ".hdoc/build/functions/Child/Staged/src/prod.mjs"))).toBe(true);
  });

  it("builds with warnings for the others, runs make build-<LogicalId> with ARTIFACTS_DIR, edits the template in place", async () => {
    const r = await hdoc(["build"]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^warning: template\.yml Image: not built \(image\): PackageType Image/m);
    expect(r.stderr).toMatch(/^warning: template\.yml Remote: not built \(s3\)/m);
    expect(r.stderr).toContain("2 built, 0 cached");
    const out = path.join(dir, ".hdoc/build");
    expect(readFileSync(path.join(out, "functions/Made/made.txt"), "utf8")).toBe("made\n");
    expect(existsSync(path.join(out, "functions/Made/bootstrap"))).toBe(true);
    const written = readFileSync(path.join(out, "template.yml"), "utf8");
    expect(written).toContain(`Variables: { IS_YES: "yes", IS_NO: "no", IS_ON: 'on', UNDERSCORE: "1_000", SEXAGESIMAL: "1:20", OCTAL: "0123", FLOAT: "3.0" }`);
    expect(written).toContain("CodeUri: s3://hdoc-artifacts/shared.zip # inherited by Remote, never deleted");
    expect(written).toContain('CodeUri: "../../code.zip"');
    expect(written).toContain('CodeUri: "./functions/Made"');
    expect(written).toContain("ImageUri: 123456789012.dkr.ecr.us-east-1.amazonaws.com/app:latest");
  });

  it("fails the makefile function with one clear line when make is missing, and builds the rest", async () => {
    const bin = path.join(dir, "no-make-bin");
    mkdirSync(bin, { recursive: true });
    symlinkSync(process.execPath, path.join(bin, "node"));
    const r = await hdoc(["build", "--clean"], { PATH: bin });
    expect(r.exitCode).toBe(7);
    expect(r.stderr).toMatch(/^error: template\.yml Made: BuildMethod makefile needs make, which is not on the PATH/m);
    expect(r.stderr).toContain("1 built, 0 cached, 1 failed");
  });

  it("points a local path back at its file on the next build once it exists (was: left as written until the template changed or --clean)", async () => {
    writeFileSync(path.join(dir, "absent.yml"), [
      "Transform: AWS::Serverless-2016-10-31",
      "Resources:",
      "  Api:",
      "    Type: AWS::Serverless::Api",
      "    Properties:",
      "      StageName: Prod",
      "      DefinitionUri: openapi.yaml # not written yet",
      "  Local:",
      "    Type: AWS::Serverless::Function",
      "    Properties: { CodeUri: ., Handler: src/app.handler, Runtime: nodejs22.x }",
      "",
    ].join("\n"));
    const written = () => readFileSync(path.join(dir, ".hdoc/build/template.yml"), "utf8");
    const first = await hdoc(["build", "--template", "absent.yml"]);
    expect(first.exitCode, first.stderr).toBe(0);
    expect(written()).toContain("DefinitionUri: openapi.yaml # not written yet");
    writeFileSync(path.join(dir, "openapi.yaml"), "openapi: '3.0.1'\ninfo: { title: t, version: '1' }\npaths: {}\n");
    const second = await hdoc(["build", "--template", "absent.yml"]);
    expect(second.exitCode, second.stderr).toBe(0);
    expect(second.stderr).toContain("0 built, 1 cached");
    expect(written()).toContain('DefinitionUri: "../../openapi.yaml" # not written yet');
    rmSync(path.join(dir, "openapi.yaml"));
    const third = await hdoc(["build", "--template", "absent.yml"]);
    expect(written()).toContain("DefinitionUri: openapi.yaml # not written yet");
    expect(third.exitCode, third.stderr).toBe(0);
  });

  it("refuses a template that is not UTF-8 as cfn-lint and aws cloudformation package do, naming line and column (was: built, each bad byte written as U+FFFD)", async () => {
    const template = (description: Buffer) => Buffer.concat([Buffer.from("Transform: AWS::Serverless-2016-10-31\nDescription: \"Caf"), description, Buffer.from(" menu\"\nResources:\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties: { CodeUri: ., Handler: src/app.handler, Runtime: nodejs22.x }\n")]);
    writeFileSync(path.join(dir, "latin1.yml"), template(Buffer.from([0xe9])));
    const r = await hdoc(["build", "--template", "latin1.yml", "--no-server"]);
    expect(r.exitCode).toBe(7);
    expect(r.stderr.split("\n").filter((l) => l.startsWith("error:"))).toEqual([
      "error: latin1.yml: byte 0xE9 at line 2, column 18 is not UTF-8 (CloudFormation, cfn-lint and the SAM CLI read templates only as UTF-8: save the file as UTF-8, e.g. with iconv -f latin1 -t utf-8)",
    ]);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(path.join(dir, ".hdoc/build/latin1.yml"))).toBe(false);
    // the AWS tools refuse the same bytes
    const pkg = execaSync("aws", ["cloudformation", "package", "--template-file", "latin1.yml", "--s3-bucket", "b", "--region", "us-east-1"], { cwd: dir, reject: false, env: { AWS_ACCESS_KEY_ID: "x", AWS_SECRET_ACCESS_KEY: "x" } });
    expect([pkg.exitCode !== 0, String(pkg.stderr)]).toEqual([true, expect.stringContaining("'utf-8' codec can't decode byte 0xe9")]);
    const lint = execaSync("cfn-lint", ["latin1.yml"], { cwd: dir, reject: false });
    expect([lint.exitCode !== 0, String(lint.stdout) + String(lint.stderr)]).toEqual([true, expect.stringContaining("E0000 Cannot read file contents")]);
    // the same text as UTF-8 builds, and the written template keeps its bytes
    writeFileSync(path.join(dir, "latin1.yml"), template(Buffer.from("é")));
    const ok = await hdoc(["build", "--template", "latin1.yml", "--no-server", "--json"]);
    expect(ok.exitCode, ok.stderr).toBe(0);
    const written = (JSON.parse(ok.stdout) as { templates: string[] }).templates[0]!;
    expect(readFileSync(path.resolve(dir, written)).includes(Buffer.from('Description: "Café menu"'))).toBe(true);
  });

  it("names a template saved as UTF-16 (Windows tools' \"Unicode\") and the iconv that converts it; the AWS tools refuse it too (was: byte 0xFF at line 1, column 1 with a Latin-1 hint)", async () => {
    const text = "Transform: AWS::Serverless-2016-10-31\nResources:\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties: { CodeUri: ., Handler: src/app.handler, Runtime: nodejs22.x }\n";
    writeFileSync(path.join(dir, "utf16.yml"), Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, "utf16le")]));
    const r = await hdoc(["build", "--template", "utf16.yml", "--no-server"]);
    expect(r.exitCode).toBe(7);
    expect(r.stderr.split("\n").filter((l) => l.startsWith("error:"))).toEqual([
      "error: utf16.yml: the file is UTF-16LE (it starts with that encoding's byte-order mark, FF FE), not UTF-8 (CloudFormation, cfn-lint and the SAM CLI read templates only as UTF-8: save the file as UTF-8, e.g. with iconv -f UTF-16 -t utf-8)",
    ]);
    const lint = execaSync("cfn-lint", ["utf16.yml"], { cwd: dir, reject: false });
    expect([lint.exitCode !== 0, String(lint.stdout) + String(lint.stderr)]).toEqual([true, expect.stringContaining("E0000 Cannot read file contents")]);
    const pkg = execaSync("aws", ["cloudformation", "package", "--template-file", "utf16.yml", "--s3-bucket", "b", "--region", "us-east-1"], { cwd: dir, reject: false, env: { AWS_ACCESS_KEY_ID: "x", AWS_SECRET_ACCESS_KEY: "x" } });
    expect([pkg.exitCode !== 0, String(pkg.stderr)]).toEqual([true, expect.stringContaining("'utf-8' codec can't decode byte 0xff in position 0")]);
    // the conversion the message names gives a template hdoc builds
    writeFileSync(path.join(dir, "converted.yml"), execaSync("iconv", ["-f", "UTF-16", "-t", "utf-8", "utf16.yml"], { cwd: dir, encoding: "buffer" }).stdout);
    const ok = await hdoc(["build", "--template", "converted.yml", "--no-server"]);
    expect(ok.exitCode, ok.stderr).toBe(0);
  });
});
