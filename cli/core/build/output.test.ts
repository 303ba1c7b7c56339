import { afterAll, describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import path from "node:path";
import { tempTree } from "../../../test/helpers/temp-tree.ts";
import { discoverFunctions } from "../cfn/templates.ts";
import { TemplateEditor } from "../cfn/template-edit.ts";
import { writeTemplates } from "./output.ts";

const tree = tempTree("hdoc-output-");
const { root, put } = tree;
afterAll(() => tree.cleanup());

describe("the templates hdoc build writes", () => {
  it("leaves a local path that does not exist as written instead of failing the build (was: BodyS3Location ... does not exist)", () => {
    put("a/fn/handler.ts", "export const handler = 1;\n");
    const file = put("a/template.yml", `Resources:
  Rest:
    Type: AWS::ApiGateway::RestApi
    Properties: { BodyS3Location: ./openapi/missing.yaml }
  Fn:
    Type: AWS::Lambda::Function
    Properties: { Code: ./fn, Handler: handler.handler, Runtime: nodejs22.x }
`);
    const d = discoverFunctions(file, root);
    expect(d.problems).toEqual([]);
    const out = path.join(root, "a/out");
    const written = writeTemplates(d.stacks, d.functions, out, (t, f) => new TemplateEditor(t, f));
    const text = readFileSync(written.files[0]!, "utf8");
    expect(text).toContain("BodyS3Location: ./openapi/missing.yaml");
    expect(text).toContain('Code: "./functions/Fn"');
    expect(written.absent).toEqual([path.join(root, "a/openapi/missing.yaml")]);
  });

  it("points a local Globals.Function.CodeUri and a zip CodeUri back at the originals instead of deleting them", () => {
    put("b/code.zip", "PK");
    put("b/src/handler.ts", "export const handler = 1;\n");
    const file = put("b/template.yml", `Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    CodeUri: src   # shared
    Runtime: nodejs22.x
Resources:
  Built:
    Type: AWS::Serverless::Function
    Properties:
      Handler: handler.handler
  Zipped:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: code.zip
      Handler: index.handler
`);
    const d = discoverFunctions(file, root);
    expect(d.functions.map((f) => f.id)).toEqual(["Built"]);
    const written = writeTemplates(d.stacks, d.functions, path.join(root, "b/.hdoc/build"), (t, f) => new TemplateEditor(t, f));
    const text = readFileSync(written.files[0]!, "utf8");
    expect(text).toContain('CodeUri: "../../src"   # shared');
    expect(text).toContain('CodeUri: "../../code.zip"');
    expect(text).toMatch(/Properties:\n {6}"CodeUri": "\.\/functions\/Built"\n {6}Handler: handler\.handler/);
  });

  it("points an AWS::Include Location back at its file in the short !Transform form and inside a list too (was: long form only)", () => {
    put("c/fn/handler.ts", "export const handler = 1;\n");
    put("c/snippets/topic.yml", "Type: AWS::SNS::Topic\n");
    const file = put("c/template.yml", `Resources:
  Fn:
    Type: AWS::Lambda::Function
    Properties: { Code: ./fn, Handler: handler.handler, Runtime: nodejs22.x }
  Short: !Transform { Name: AWS::Include, Parameters: { Location: snippets/topic.yml } } # short form
  Long:
    Fn::Transform:
      Name: AWS::Include
      Parameters:
        Location: ./snippets/topic.yml
  Listed:
    Type: AWS::SNS::Topic
    Properties:
      Tags:
        - !Transform { Name: AWS::Include, Parameters: { Location: snippets/topic.yml } }
`);
    const d = discoverFunctions(file, root);
    const written = writeTemplates(d.stacks, d.functions, path.join(root, "c/out"), (t, f) => new TemplateEditor(t, f));
    const text = readFileSync(written.files[0]!, "utf8");
    expect(text).toContain('Short: !Transform { Name: AWS::Include, Parameters: { Location: "../snippets/topic.yml" } } # short form');
    expect(text).toContain('        Location: "../snippets/topic.yml"\n');
    expect(text).toContain('        - !Transform { Name: AWS::Include, Parameters: { Location: "../snippets/topic.yml" } }');
  });
});
