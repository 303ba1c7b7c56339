import { afterAll, describe, expect, it } from "vitest";
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { discoverFunctions, mergeGlobals, withGlobals } from "./templates.ts";
import { checkTemplates } from "./checks.ts";

const root = mkdtempSync(path.join(tmpdir(), "hdoc-tpl-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const put = (rel: string, text: string) => {
  const f = path.join(root, rel);
  mkdirSync(path.dirname(f), { recursive: true });
  writeFileSync(f, text);
  return f;
};

describe("discoverFunctions", () => {
  it("follows both nested types, applies Globals and reports each problem with template and logical id", () => {
    put("fn/a/handler.ts", "export const handler = async () => 1;\n");
    put("fn/b/handler.ts", "export const handler = async () => 1;\n");
    const rootFile = put(
      "infra/template.yml",
      `Transform: AWS::Serverless-2016-10-31
Resources:
  Api:
    Type: AWS::Serverless::Application
    Properties: { Location: api.yml, Parameters: { Stage: !Ref Stage } }
  Legacy:
    Type: AWS::CloudFormation::Stack
    Properties: { TemplateURL: ./deep/legacy.yml }
  Remote:
    Type: AWS::CloudFormation::Stack
    Properties: { TemplateURL: https://example.com/x.yml }
  NoLocation:
    Type: AWS::Serverless::Application
    Properties: {}
`,
    );
    put(
      "infra/api.yml",
      `Transform: AWS::Serverless-2016-10-31
Globals:
  Function: { Runtime: nodejs22.x, Architectures: [arm64], Handler: handler.handler, Environment: { Variables: { A: "1" } } }
Resources:
  GetA:
    Type: AWS::Serverless::Function
    Properties: { CodeUri: ../fn/a, Environment: { Variables: { B: "2" } } }
  Escapes:
    Type: AWS::Serverless::Function
    Properties: { CodeUri: ../../../outside }
  Inline:
    Type: AWS::Serverless::Function
    Properties: { InlineCode: "exports.handler=1" }
`,
    );
    put(
      "infra/deep/legacy.yml",
      `Resources:
  B:
    Type: AWS::Lambda::Function
    Properties: { Code: ../../fn/b, Handler: handler.handler, Runtime: nodejs22.x }
  NoCode:
    Type: AWS::Lambda::Function
    Properties: { Handler: x.y, Runtime: nodejs22.x }
`,
    );
    const d = discoverFunctions(rootFile, root);
    expect(d.functions.map((f) => f.id).sort()).toEqual(["Api/GetA", "Legacy/B"]);
    const a = d.functions.find((f) => f.logicalId === "GetA")!;
    expect(a).toMatchObject({ runtime: "nodejs22.x", handler: "handler.handler", architectures: ["arm64"], codeDir: path.join(root, "fn/a") });
    expect(a.properties.Environment).toEqual({ Variables: { A: "1", B: "2" } });
    const b = d.functions.find((f) => f.logicalId === "B")!;
    expect(b).toMatchObject({ type: "AWS::Lambda::Function", architectures: ["x86_64"], codeProperty: "Code" });
    const msgs = d.problems.map((p) => `${path.basename(p.template)} ${p.logicalId}: ${p.message}`);
    expect(msgs).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^template\.yml NoLocation: .*has no Location/),
        expect.stringMatching(/^api\.yml Escapes: CodeUri path .* leaves the repository/),
        expect.stringMatching(/^legacy\.yml NoCode: .*has no Code/),
      ]),
    );
    expect(d.problems).toHaveLength(3);
  });

  it("reports a missing nested template and a cycle", () => {
    const f = put("cyc/a.yml", "Resources:\n  B:\n    Type: AWS::CloudFormation::Stack\n    Properties: { TemplateURL: b.yml }\n  M:\n    Type: AWS::Serverless::Application\n    Properties: { Location: missing.yml }\n");
    put("cyc/b.yml", "Resources:\n  A:\n    Type: AWS::CloudFormation::Stack\n    Properties: { TemplateURL: a.yml }\n");
    const d = discoverFunctions(f, root);
    expect(d.problems.map((p) => p.message).join("\n")).toMatch(/cycle/);
    expect(d.problems.map((p) => p.message).join("\n")).toMatch(/missing\.yml does not exist/);
  });

  it("withGlobals lets the function's own value win", () => {
    expect(withGlobals({ Timeout: 3, MemorySize: 128 }, { Timeout: 10 })).toEqual({ Timeout: 10, MemorySize: 128 });
  });
});

put("app/handler.ts", "export const handler = async () => 1;\n");
put("app/code.zip", "PK");

/**
 * Cases from the SAM CLI's test templates (tests/integration/testdata/buildcmd, .../invoke,
 * tests/functional/.../templates): CodeUri `.` next to the template, CodeUri and Handler through
 * `!Ref` to a parameter with a Default, Runtime from Globals, PackageType Image, a .zip CodeUri,
 * InlineCode, an S3 CodeUri.
 */
const fn = (props: string, extra = "") => `Transform: AWS::Serverless-2016-10-31
Parameters:
  CodeParam: { Type: String, Default: . }
  HandlerParam: { Type: String, Default: handler.handler }
  RuntimeParam: { Type: String, Default: nodejs22.x }
  NoDefault: { Type: String }
${extra}Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties: ${props}
`;

describe("discovery as SAM resolves it", () => {
  it.each([
    ["CodeUri: . (was read as NaN and the function silently skipped)", fn("{ CodeUri: ., Handler: handler.handler, Runtime: nodejs22.x }"), { codeUri: ".", handler: "handler.handler" }],
    ["CodeUri: !Ref to a parameter's Default", fn("{ CodeUri: !Ref CodeParam, Handler: handler.handler, Runtime: nodejs22.x }"), { codeUri: "." }],
    ["CodeUri: !Sub over a parameter", fn("{ CodeUri: !Sub '${CodeParam}/', Handler: handler.handler, Runtime: nodejs22.x }"), { codeUri: "./" }],
    ["Handler: !Ref and Runtime: !Ref", fn("{ CodeUri: ., Handler: !Ref HandlerParam, Runtime: !Ref RuntimeParam }"), { handler: "handler.handler", runtime: "nodejs22.x" }],
    ["Runtime and Handler through Globals", fn("{ CodeUri: . }", "Globals:\n  Function: { Runtime: !Ref RuntimeParam, Handler: handler.handler }\n"), { runtime: "nodejs22.x" }],
    ["CodeUri from Globals", fn("{ Handler: handler.handler, Runtime: nodejs22.x }", "Globals:\n  Function: { CodeUri: . }\n"), { codeUri: "." }],
    ["Metadata BuildMethod makefile", fn("{ CodeUri: ., Handler: handler.handler, Runtime: provided.al2023 }").replace("    Properties:", "    Metadata: { BuildMethod: makefile }\n    Properties:"), { buildMethod: "makefile" }],
  ])("builds a function with %s", (_what, text, expected) => {
    const file = put(`t${Math.random().toString(36).slice(2)}/../app/t.yml`, text);
    const d = discoverFunctions(file, root);
    expect(d.problems).toEqual([]);
    expect(d.functions).toHaveLength(1);
    expect(d.functions[0]).toMatchObject(expected);
  });

  it("takes a --param override before the Default", () => {
    put("other/handler.ts", "export const handler = 1;\n");
    const d = discoverFunctions(put("app/o.yml", fn("{ CodeUri: !Ref CodeParam, Handler: handler.handler, Runtime: nodejs22.x }")), root, { CodeParam: "../other" });
    expect(d.functions[0]!.codeDir).toBe(path.join(root, "other"));
  });

  it.each([
    ["image", fn("{ PackageType: Image, ImageUri: repo:latest }"), /PackageType Image \(repo:latest\)/],
    ["zip", fn("{ CodeUri: code.zip, Handler: handler.handler, Runtime: nodejs22.x }"), /code\.zip is an archive/],
    ["inline", fn("{ InlineCode: 'exports.handler = 1', Handler: index.handler, Runtime: nodejs22.x }"), /InlineCode/],
    ["s3", fn("{ CodeUri: s3://bucket/key.zip, Handler: a.b, Runtime: nodejs22.x }"), /s3:\/\/bucket/],
    ["s3", fn("{ CodeUri: { Bucket: b, Key: k }, Handler: a.b, Runtime: nodejs22.x }"), /S3 location/],
    ["s3", fn("{ Handler: a.b, Runtime: nodejs22.x }", "Globals:\n  Function: { CodeUri: s3://bucket/key.zip }\n"), /s3:\/\//],
  ])("lists a %s function as not built, without an error", (reason, text, detail) => {
    const d = discoverFunctions(put("app/s.yml", text), root);
    expect(d.problems).toEqual([]);
    expect(d.functions).toEqual([]);
    expect(d.skipped).toHaveLength(1);
    expect(d.skipped[0]).toMatchObject({ reason, logicalId: "Fn" });
    expect(d.skipped[0]!.detail).toMatch(detail);
  });

  it("says why an intrinsic cannot be resolved instead of 'has no Handler'", () => {
    const d = discoverFunctions(put("app/u.yml", fn("{ CodeUri: ., Handler: !Ref NoDefault, Runtime: nodejs22.x }")), root);
    expect(d.problems.map((p) => p.message)).toEqual([expect.stringMatching(/^Handler cannot be resolved: !Ref NoDefault is not a parameter with a value/)]);
  });

  it("merges Globals as the SAM translator does: maps by key, lists appended, intrinsics replaced", () => {
    expect(mergeGlobals({ Environment: { Variables: { A: "1", B: "g" } }, Layers: ["l1"], Tags: { Ref: "T" }, Timeout: 3 }, { Environment: { Variables: { B: "2" } }, Layers: ["l2"], Tags: { x: "y" }, Timeout: 9 }))
      .toEqual({ Environment: { Variables: { A: "1", B: "2" } }, Layers: ["l1", "l2"], Tags: { x: "y" }, Timeout: 9 });
  });
});

describe("template checks know SAM's generated names", () => {
  it("does not report Fn.Alias, Fn.Version, Api.Stage, Api.Deployment, GetAtt Fn.Alias.Name or a connector in DependsOn", () => {
    const file = put("app/g.yml", `Transform: AWS::Serverless-2016-10-31
Resources:
  Api:
    Type: AWS::Serverless::Api
    Properties: { StageName: Prod }
  Fn:
    Type: AWS::Serverless::Function
    Connectors:
      TableConn: { Properties: { Destination: { Id: Api }, Permissions: [Read] } }
    Properties: { CodeUri: ., Handler: handler.handler, Runtime: nodejs22.x, AutoPublishAlias: live }
  Other:
    Type: AWS::SNS::Topic
    DependsOn: [FnTableConn, Api.Stage]
    Properties:
      Tags:
        - { Key: a, Value: !Ref Fn.Alias }
        - { Key: b, Value: !Ref Fn.Version }
        - { Key: c, Value: !Ref Api.Stage }
        - { Key: d, Value: !Ref Api.Deployment }
        - { Key: e, Value: !GetAtt Fn.Alias.Name }
        - { Key: f, Value: !GetAtt [Fn.Alias, Name] }
        - { Key: g, Value: !Ref Missing.Alias }
`);
    expect(checkTemplates(file, root).map((p) => p.message)).toEqual(["Ref Missing.Alias: no such parameter, resource or pseudo parameter"]);
  });
});
