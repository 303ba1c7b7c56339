import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { TemplateEditor } from "./template-edit.ts";
import { parseTemplate } from "./template-yaml.ts";

const edit = (text: string, keys: string[], key: string, value: string) => {
  const e = new TemplateEditor(text, "t.yml");
  e.setPath(keys, key, value);
  return e.toString();
};

/**
 * Values that a YAML dump (the old writer) changes and CloudFormation then reads differently: from
 * the SAM CLI's and the SAM translator's test templates (quoted "yes"/"no"/"on", "1_000", "1:20",
 * OpenApiVersion: 3.0, swagger: 2.0, account ids with a leading 0) and cfn-lint's decoder tests.
 */
const KEPT = `AWSTemplateFormatVersion: 2010-09-09 # a date to PyYAML, kept as written
Transform: AWS::Serverless-2016-10-31
Globals:
  Api:
    OpenApiVersion: 3.0
  Function:
    CodeUri: s3://bucket/code.zip
    Runtime: nodejs22.x
Resources:
  Api:
    Type: AWS::Serverless::Api
    Properties:
      StageName: Prod
      DefinitionBody: { swagger: 2.0, info: { title: "yes" } }
      Variables: { A: "no", B: 'on', C: "1_000", D: "1:20", E: "0123" }
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.handler   # keep me
      CodeUri: ./src
      Environment: { Variables: { FLAG: "off", N: '012' } }
`;

describe("TemplateEditor", () => {
  it("replaces only the edited value: quotes, 3.0, dates, comments and order stay byte for byte", () => {
    const out = edit(KEPT, ["Resources", "Fn", "Properties"], "CodeUri", "../functions/Fn");
    expect(out).toBe(KEPT.replace("CodeUri: ./src", 'CodeUri: "../functions/Fn"'));
    expect(parseTemplate(out, "o.yml").Resources).toMatchObject({ Fn: { Properties: { CodeUri: "../functions/Fn" } } });
  });

  it.each([
    ["a block map without the key", "Resources:\n  Fn:\n    Type: X\n    Properties:\n      Handler: a.b\n", 'Resources:\n  Fn:\n    Type: X\n    Properties:\n      "CodeUri": "./c"\n      Handler: a.b\n'],
    ["a flow map", "Resources:\n  Fn: { Type: X, Properties: { Handler: a.b } }\n", 'Resources:\n  Fn: { Type: X, Properties: { "CodeUri": "./c", Handler: a.b } }\n'],
    ["an empty flow map", "Resources:\n  Fn: { Type: X, Properties: {} }\n", 'Resources:\n  Fn: { Type: X, Properties: { "CodeUri": "./c" } }\n'],
    ["no Properties at all", "Resources:\n  Fn:\n    Type: X\n", 'Resources:\n  Fn:\n    "Properties": {"CodeUri":"./c"}\n    Type: X\n'],
    ["an empty Properties", "Resources:\n  Fn:\n    Type: X\n    Properties:\n", 'Resources:\n  Fn:\n    Type: X\n    Properties: {"CodeUri":"./c"}\n'],
    ["a tagged value", "Resources:\n  Fn:\n    Properties:\n      CodeUri: !Ref CodeParam\n      Handler: a.b\n", 'Resources:\n  Fn:\n    Properties:\n      CodeUri: "./c"\n      Handler: a.b\n'],
    ["a block value", "Resources:\n  Fn:\n    Properties:\n      CodeUri:\n        Bucket: b\n        Key: k\n      Handler: a.b\n", 'Resources:\n  Fn:\n    Properties:\n      CodeUri: "./c"\n      Handler: a.b\n'],
    ["a JSON template", '{\n  "Resources": {\n    "Fn": { "Type": "X", "Properties": { "CodeUri": "src", "Timeout": 3.0 } }\n  }\n}\n', '{\n  "Resources": {\n    "Fn": { "Type": "X", "Properties": { "CodeUri": "./c", "Timeout": 3.0 } }\n  }\n}\n'],
    ["CRLF line ends", "Resources:\r\n  Fn:\r\n    Properties:\r\n      CodeUri: src # c\r\n", 'Resources:\r\n  Fn:\r\n    Properties:\r\n      CodeUri: "./c" # c\r\n'],
    ["a double-quoted value and a comment", 'Resources:\n  Fn:\n    Properties:\n      CodeUri: "src"  # c\n', 'Resources:\n  Fn:\n    Properties:\n      CodeUri: "./c"  # c\n'],
    ["a single-quoted value with a quote inside", "Resources:\n  Fn:\n    Properties:\n      CodeUri: 'it''s'\n      Handler: a.b\n", 'Resources:\n  Fn:\n    Properties:\n      CodeUri: "./c"\n      Handler: a.b\n'],
    ["a block scalar value", "Resources:\n  Fn:\n    Properties:\n      CodeUri: |\n        src\n      Handler: a.b\n", 'Resources:\n  Fn:\n    Properties:\n      CodeUri: "./c"\n      Handler: a.b\n'],
    ["a flow sequence value and a comment", "Resources:\n  Fn:\n    Properties:\n      CodeUri: [a, b, ]  # c\n      Handler: a.b\n", 'Resources:\n  Fn:\n    Properties:\n      CodeUri: "./c"  # c\n      Handler: a.b\n'],
    ["a flow mapping value over two lines", "Resources:\n  Fn:\n    Properties:\n      CodeUri: { Bucket: b, # the bucket\n        Key: k }\n      Handler: a.b\n", 'Resources:\n  Fn:\n    Properties:\n      CodeUri: "./c"\n      Handler: a.b\n'],
    ["an alias value", "Code: &code src\nResources:\n  Fn:\n    Properties:\n      CodeUri: *code\n      Handler: a.b\n", 'Code: &code src\nResources:\n  Fn:\n    Properties:\n      CodeUri: "./c"\n      Handler: a.b\n'],
    ["a quoted first key", 'Resources:\n  Fn:\n    Properties:\n      "Handler": a.b\n', 'Resources:\n  Fn:\n    Properties:\n      "CodeUri": "./c"\n      "Handler": a.b\n'],
    ["a tagged first key", "Resources:\n  Fn:\n    Properties:\n      !!str Handler: a.b\n", 'Resources:\n  Fn:\n    Properties:\n      "CodeUri": "./c"\n      !!str Handler: a.b\n'],
    ["a key written with ? and :", "Resources:\n  Fn:\n    Properties:\n      ? CodeUri\n      : src\n      Handler: a.b\n", 'Resources:\n  Fn:\n    Properties:\n      ? CodeUri\n      : "./c"\n      Handler: a.b\n'],
  ])("sets a value in %s", (_what, text, expected) => {
    expect(edit(text, ["Resources", "Fn", "Properties"], "CodeUri", "./c")).toBe(expected);
  });

  it("refuses a target written under a short-form tag (a mapping hdoc cannot edit in place)", () => {
    expect(() => edit("Resources:\n  Fn:\n    Properties: !If [C, {CodeUri: a}, {CodeUri: b}]\n", ["Resources", "Fn", "Properties"], "CodeUri", "x")).toThrow(/not a mapping hdoc can edit/);
  });

  it.each([
    ["no Properties", "Resources:\n  Fn:\n    Type: X\n", 'Resources:\n  Fn:\n    "Properties": {"CodeUri":"./c","Environment":{"Variables":{"NODE_OPTIONS":"--enable-source-maps","B":"2"}}}\n    Type: X\n'],
    ["Properties without an Environment", "Resources:\n  Fn:\n    Properties:\n      Handler: a.b\n", 'Resources:\n  Fn:\n    Properties:\n      "Environment": {"Variables":{"NODE_OPTIONS":"--enable-source-maps","B":"2"}}\n      "CodeUri": "./c"\n      Handler: a.b\n'],
  ])("writes every edit below a mapping it had to add into that one mapping (%s)", (_what, text, expected) => {
    const e = new TemplateEditor(text, "t.yml");
    e.setPath(["Resources", "Fn", "Properties"], "CodeUri", "./c");
    e.setPath(["Resources", "Fn", "Properties", "Environment", "Variables"], "NODE_OPTIONS", "--enable-source-maps");
    e.setPath(["Resources", "Fn", "Properties", "Environment", "Variables"], "B", "2");
    expect(e.toString()).toBe(expected);
  });

  it("leaves a template it was not asked to change exactly as read, without looking for anything in it", () => {
    const text = "A: &a [1, 2]\nB: *a   # c\n";
    expect(new TemplateEditor(text, "t.yml").toString()).toBe(text);
  });

  it("refuses a target written through a scalar it cannot edit", () => {
    expect(() => edit("Resources:\n  Fn:\n    Properties: text\n", ["Resources", "Fn", "Properties"], "CodeUri", "x")).toThrow(/not a mapping hdoc can edit/);
  });
});

/** A value of the kinds YAML templates hold, written in one of the source forms that mean it. */
const scalarSource = fc.oneof(
  fc.constantFrom("yes", "no", "on", "off", "3.0", "2.0", "1_000", "1:20", "012", "08", "0x1F", ".", "~", "null", "1e5", "-.5", "2010-09-09", "y", "n"),
  fc.string({ maxLength: 8 }).filter((s) => /^[A-Za-z][A-Za-z0-9_./-]*$/.test(s)),
).chain((s) => fc.constantFrom(s, JSON.stringify(s), `'${s}'`));

describe("round trip (property)", () => {
  it("read, write with one changed CodeUri, read back: everything else is equal", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom("A", "B", "C", "D", "E"), scalarSource), { maxLength: 5 }), fc.boolean(), fc.boolean(), (vars, hasCode, flow) => {
        const pairs = [...new Map(vars).entries()];
        const varText = flow ? `{ ${pairs.map(([k, v]) => `${k}: ${v}`).join(", ")} }` : pairs.length ? "\n" + pairs.map(([k, v]) => `          ${k}: ${v}`).join("\n") : "{}";
        const text = `Resources:\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n${hasCode ? "      CodeUri: ./src\n" : ""}      Environment:\n        Variables: ${varText}\n`;
        const before = parseTemplate(text, "t.yml");
        const out = edit(text, ["Resources", "Fn", "Properties"], "CodeUri", "../built/Fn");
        const after = parseTemplate(out, "o.yml");
        (before.Resources as { Fn: { Properties: Record<string, unknown> } }).Fn.Properties.CodeUri = "../built/Fn";
        expect(after).toEqual(before);
      }),
      { numRuns: 150 },
    );
  });
});
