/** The templates in infra/ (and cicd/ when present): structural checks through every nested stack, and cfn-lint. */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { execa } from "execa";
import { checkTemplates, exportsName } from "../cli/core/cfn/checks.ts";
import { discoverFunctions, formatProblem } from "../cli/core/cfn/templates.ts";
import { repoRoot, rootTemplate } from "./helpers/tables.ts";

describe("infra/template.yml", () => {
  it("passes every check through every nested stack", () => {
    expect(checkTemplates(rootTemplate, repoRoot).map((p) => formatProblem(p, repoRoot))).toEqual([]);
  });

  it("reaches the four nested stacks and every function folder", () => {
    const found = discoverFunctions(rootTemplate, repoRoot);
    expect(found.stacks.map((s) => s.path.join("/"))).toEqual(["", "Database", "Api", "Auth", "Frontend"]);
    const dirs = found.functions.map((f) => path.relative(repoRoot, f.codeDir)).sort();
    const onDisk = readdirSync(path.join(repoRoot, "functions"), { withFileTypes: true })
      .filter((d) => d.isDirectory() && d.name !== "shared" && d.name !== "node_modules")
      .map((d) => `functions/${d.name}`)
      .sort();
    expect(dirs).toEqual(onDisk);
    for (const f of found.functions) {
      expect(f.runtime, f.id).toBe("nodejs22.x");
      expect(f.architectures, f.id).toEqual(["arm64"]);
      expect(f.properties.LoggingConfig, f.id).toMatchObject({ LogFormat: "JSON" });
    }
  });
});

describe("the template checks catch each kind of mistake", () => {
  const root = mkdtempSync(path.join(tmpdir(), "hdoc-infra-"));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  let n = 0;
  const project = (files: Record<string, string>) => {
    const dir = path.join(root, `p${n++}`);
    for (const [rel, text] of Object.entries(files)) {
      mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
      writeFileSync(path.join(dir, rel), text);
    }
    return checkTemplates(path.join(dir, "infra/template.yml"), dir).map((p) => p.message);
  };
  const rootWith = (params: string, extra = "") => `Transform: AWS::Serverless-2016-10-31
Parameters:
  Stage: { Type: String }
Resources:
  Child:
    Type: AWS::Serverless::Application
    Properties:
      Location: child.yml
      Parameters: { ${params} }
${extra}`;
  const child = (resources = "  Q: { Type: AWS::SNS::Topic }", outputs = "  Out: { Value: !Ref Q }") => `Transform: AWS::Serverless-2016-10-31
Parameters:
  Stage: { Type: String }
  Optional: { Type: String, Default: x }
Resources:
${resources}
Outputs:
${outputs}
`;
  const fn = (codeUri: string, handler: string) => `  Fn:
    Type: AWS::Serverless::Function
    Properties: { CodeUri: ${codeUri}, Handler: ${handler}, Runtime: nodejs22.x }`;

  it.each<[string, Record<string, string>, RegExp]>([
    ["a missing Location", { "infra/template.yml": rootWith("Stage: !Ref Stage") }, /child\.yml does not exist/],
    ["an undeclared parameter", { "infra/template.yml": rootWith("Stage: !Ref Stage, Extra: 1"), "infra/child.yml": child() }, /passes parameter Extra/],
    ["a required parameter not passed", { "infra/template.yml": rootWith(""), "infra/child.yml": child() }, /does not pass Stage/],
    ["a CodeUri that does not exist", { "infra/template.yml": rootWith("Stage: !Ref Stage"), "infra/child.yml": child(fn("../functions/nope", "handler.handler")) }, /CodeUri .* does not exist/],
    ["a Handler file that does not exist", { "infra/template.yml": rootWith("Stage: !Ref Stage"), "infra/child.yml": child(fn("../functions/a", "main.handler")), "functions/a/handler.ts": "export const handler = 1;" }, /no main\{/],
    ["a Handler export that does not exist", { "infra/template.yml": rootWith("Stage: !Ref Stage"), "infra/child.yml": child(fn("../functions/a", "handler.handler")), "functions/a/handler.ts": "// export const handler\nexport const other = 1;" }, /does not export handler/],
    ["a Ref to nothing", { "infra/template.yml": rootWith("Stage: !Ref Stag"), "infra/child.yml": child() }, /Ref Stag: no such/],
    ["a GetAtt to a missing resource", { "infra/template.yml": rootWith("Stage: !GetAtt Nope.Arn"), "infra/child.yml": child() }, /GetAtt Nope\.Arn: no such resource/],
    ["a GetAtt to a missing nested output", { "infra/template.yml": rootWith("Stage: !GetAtt Child.Outputs.Missing"), "infra/child.yml": child() }, /has no output Missing/],
    ["a ${} to nothing in a Sub", { "infra/template.yml": rootWith("Stage: !Sub '${AWS::Region}-${Unknown}'"), "infra/child.yml": child() }, /Ref Unknown/],
    ["an undefined condition", { "infra/template.yml": rootWith("Stage: !If [IsProd, a, b]"), "infra/child.yml": child() }, /Condition IsProd is not defined/],
  ])("%s", (_what, files, message) => {
    const problems = project(files);
    expect(problems.join("\n")).toMatch(message);
  });

  it("accepts Sub variables, literals, pseudo parameters and nested outputs that exist", () => {
    const problems = project({
      "infra/template.yml": rootWith("Stage: !Sub ['${X}-${!Literal}-${AWS::StackName}', { X: !GetAtt Child.Outputs.Out }]"),
      "infra/child.yml": child(),
    });
    expect(problems).toEqual([]);
  });

  it("recognises the ways a module exports a handler", () => {
    expect(exportsName("export async function handler() {}", "handler")).toBe(true);
    expect(exportsName("const h = 1; export { h as handler };", "handler")).toBe(true);
    expect(exportsName("exports.handler = async () => 1", "handler")).toBe(true);
    expect(exportsName("export const handlerX = 1; /* export const handler */", "handler")).toBe(false);
  });
});

describe("cfn-lint", () => {
  it("passes on every template in infra/ and cicd/", async () => {
    const files = ["infra", "cicd"]
      .map((d) => path.join(repoRoot, d))
      .filter((d) => existsSync(d))
      .flatMap((d) => readdirSync(d).filter((f) => /\.ya?ml$/.test(f) && !/^(samconfig|buildspec)/.test(f)).map((f) => path.join(d, f)));
    expect(files.length).toBeGreaterThanOrEqual(5);
    const res = await execa("cfn-lint", files, { reject: false, cwd: repoRoot });
    expect(`${res.stdout}${res.stderr}`).toBe("");
    expect(res.exitCode).toBe(0);
  });
});
