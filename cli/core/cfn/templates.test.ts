import { afterAll, describe, expect, it } from "vitest";
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { discoverFunctions, parseTemplate, serializeTemplate, withGlobals } from "./templates.ts";

const root = mkdtempSync(path.join(tmpdir(), "hdoc-tpl-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const put = (rel: string, text: string) => {
  const f = path.join(root, rel);
  mkdirSync(path.dirname(f), { recursive: true });
  writeFileSync(f, text);
  return f;
};

describe("parseTemplate", () => {
  it("turns CloudFormation short-form tags into long form", () => {
    const body = parseTemplate(
      ["A: !Ref Stage", "B: !GetAtt Table.StreamArn", "C: !Sub '${AppName}-x'", "D: !Join ['-', [a, !Ref B]]", "E: !If [IsProd, 1, 2]", "F: !Equals [!Ref Stage, prod]", "G: !Condition IsProd", "H: !GetAtt [T, Arn]"].join("\n"),
      "t.yml",
    );
    expect(body).toEqual({
      A: { Ref: "Stage" },
      B: { "Fn::GetAtt": ["Table", "StreamArn"] },
      C: { "Fn::Sub": "${AppName}-x" },
      D: { "Fn::Join": ["-", ["a", { Ref: "B" }]] },
      E: { "Fn::If": ["IsProd", 1, 2] },
      F: { "Fn::Equals": [{ Ref: "Stage" }, "prod"] },
      G: { Condition: "IsProd" },
      H: { "Fn::GetAtt": ["T", "Arn"] },
    });
  });

  it("names the file and line of a YAML error", () => {
    expect(() => parseTemplate("A: [1,\nB: 2", "bad.yml")).toThrow(/bad\.yml:\d+/);
  });

  it("round-trips through serializeTemplate", () => {
    const body = parseTemplate("Resources:\n  X:\n    Type: AWS::S3::Bucket\n    Properties: { BucketName: !Sub '${A}' }\n", "t.yml");
    expect(parseTemplate(serializeTemplate(body), "t2.yml")).toEqual(body);
  });

  // YAML 1.1 (what parseTemplate, cfn-lint's and the SAM translator's readers speak) takes these
  // unquoted for a date, booleans and a base-60 number; the written template must keep them strings.
  it.each([["2010-09-09"], ["2012-10-17"], ["yes"], ["on"], ["off"], ["y"], ["1:20"], ["0x1F"], ["1e3"], ["~"]])("writes %j so that it reads back as that string", (value) => {
    const text = serializeTemplate({ AWSTemplateFormatVersion: value, Resources: { X: { Type: "T", Properties: { V: value } } } });
    expect(parseTemplate(text, "t.yml")).toEqual({ AWSTemplateFormatVersion: value, Resources: { X: { Type: "T", Properties: { V: value } } } });
  });
});

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
