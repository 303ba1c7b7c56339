import { afterEach, describe, expect, it } from "vitest";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { execa } from "execa";
import type { ArtifactStore } from "../../aws/s3.ts";
import { parseTemplate } from "../cfn/templates.ts";
import { packageTemplates, type PackageRequest } from "./package.ts";

/** An in-memory bucket recording the calls made to it. */
function memoryStore() {
  const objects = new Map<string, Buffer>();
  const calls: string[] = [];
  const store: ArtifactStore = {
    async has(bucket, key) {
      calls.push(`head ${key}`);
      return objects.has(`${bucket}/${key}`);
    },
    async put(bucket, key, body) {
      calls.push(`put ${key}`);
      objects.set(`${bucket}/${key}`, Buffer.from(body));
    },
    url: (bucket, key) => `https://s3.us-east-1.amazonaws.com/${bucket}/${key}`,
  };
  return { store, objects, calls };
}

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A build folder as `hdoc build` writes it: root -> Api (SAM function) and Legacy (CFN stack -> Lambda function, AWS::Include). */
function builtFolder(): { root: string; dir: string; write(rel: string, text: string): void } {
  const dir = mkdtempSync(path.join(tmpdir(), "hdoc-pkg-"));
  dirs.push(dir);
  const write = (rel: string, text: string) => {
    mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    writeFileSync(path.join(dir, rel), text);
  };
  write("build/template.yml", [
    "AWSTemplateFormatVersion: '2010-09-09'",
    "Transform: AWS::Serverless-2016-10-31",
    "Resources:",
    "  Api:",
    "    Type: AWS::Serverless::Application",
    "    Properties:",
    "      Location: ./stacks/Api.yml",
    "  Legacy:",
    "    Type: AWS::CloudFormation::Stack",
    "    Properties:",
    "      TemplateURL: ./stacks/Legacy.yml",
    "  Remote:",
    "    Type: AWS::CloudFormation::Stack",
    "    Properties:",
    "      TemplateURL: https://s3.amazonaws.com/elsewhere/t.yml",
  ].join("\n"));
  write("build/stacks/Api.yml", [
    "Transform: AWS::Serverless-2016-10-31",
    "Resources:",
    "  GetUserFunction:",
    "    Type: AWS::Serverless::Function",
    "    Properties: { CodeUri: ../functions/Api/GetUserFunction, Handler: handler.handler, Runtime: nodejs22.x }",
    "  SameCodeFunction:",
    "    Type: AWS::Serverless::Function",
    "    Properties: { CodeUri: ../functions/Api/GetUserFunction, Handler: handler.other, Runtime: nodejs22.x }",
    "  InlineFunction:",
    "    Type: AWS::Serverless::Function",
    "    Properties: { InlineCode: 'exports.handler = 1', Handler: index.handler, Runtime: nodejs22.x }",
    "  S3Function:",
    "    Type: AWS::Serverless::Function",
    "    Properties: { CodeUri: s3://other/code.zip, Handler: index.handler, Runtime: nodejs22.x }",
  ].join("\n"));
  write("build/stacks/Legacy.yml", [
    "Resources:",
    "  SignupFunction:",
    "    Type: AWS::Lambda::Function",
    "    Properties: { Code: ../functions/Legacy/SignupFunction, Handler: handler.handler, Runtime: nodejs22.x, Role: arn:aws:iam::1:role/x }",
    "  Included:",
    "    Fn::Transform: { Name: AWS::Include, Parameters: { Location: ../../infra/snippet.yml } }",
  ].join("\n"));
  write("build/functions/Api/GetUserFunction/handler.mjs", "export const handler = async () => 1;\n");
  write("build/functions/Legacy/SignupFunction/handler.mjs", "export const handler = async () => 2;\n");
  write("infra/snippet.yml", "Type: AWS::SNS::Topic\n");
  return { root: path.join(dir, "build/template.yml"), dir, write };
}

const request = (f: { root: string; dir: string }, extra: Partial<PackageRequest> = {}): PackageRequest => ({ rootTemplate: f.root, repoRoot: f.dir, bucket: "artifacts", prefix: "backend/dev", ...extra });

describe("packageTemplates", () => {
  it("uploads each artifact under <prefix>/<sha256>.zip and points the templates at it, children before parents", async () => {
    const f = builtFolder();
    const { store, objects } = memoryStore();
    const r = await packageTemplates(request(f), { store });

    const api = parseTemplate(r.nested.Api!, "Api");
    const fn = (api.Resources as Record<string, { Properties: Record<string, unknown> }>);
    expect(fn.GetUserFunction!.Properties.CodeUri).toMatch(/^s3:\/\/artifacts\/backend\/dev\/[0-9a-f]{64}\.zip$/);
    expect(fn.SameCodeFunction!.Properties.CodeUri).toBe(fn.GetUserFunction!.Properties.CodeUri);
    expect(fn.InlineFunction!.Properties.CodeUri).toBeUndefined();
    expect(fn.S3Function!.Properties.CodeUri).toBe("s3://other/code.zip");

    const legacy = parseTemplate(r.nested.Legacy!, "Legacy") as { Resources: Record<string, { Properties: Record<string, unknown> } & Record<string, unknown>> };
    expect(legacy.Resources.SignupFunction!.Properties.Code).toEqual({ S3Bucket: "artifacts", S3Key: expect.stringMatching(/^backend\/dev\/[0-9a-f]{64}\.zip$/) });
    expect(legacy.Resources.Included).toEqual({ "Fn::Transform": { Name: "AWS::Include", Parameters: { Location: expect.stringMatching(/^s3:\/\/artifacts\/backend\/dev\/[0-9a-f]{64}\.yml$/) } } });

    const root = parseTemplate(r.templateBody, "root") as { Resources: Record<string, { Properties: Record<string, string> }> };
    const apiKey = r.objects.find((o) => o.kind === "template" && o.logicalId === "Api")!.key;
    expect(root.Resources.Api!.Properties.Location).toBe(`https://s3.us-east-1.amazonaws.com/artifacts/${apiKey}`);
    expect(root.Resources.Legacy!.Properties.TemplateURL).toMatch(/^https:\/\/s3\.us-east-1\.amazonaws\.com\/artifacts\/backend\/dev\/[0-9a-f]{64}\.template$/);
    expect(root.Resources.Remote!.Properties.TemplateURL).toBe("https://s3.amazonaws.com/elsewhere/t.yml");
    // what was uploaded as the Api template is exactly the packaged text
    expect(objects.get(`artifacts/${apiKey}`)!.toString("utf8")).toBe(r.nested.Api);
    expect(r.artifacts).toEqual({ uploaded: 3, unchanged: 1 });
    expect(r.templates).toEqual({ uploaded: 2, unchanged: 0 });
  });

  it("uploads nothing the second time: every key is already there (HeadObject only)", async () => {
    const f = builtFolder();
    const m = memoryStore();
    const first = await packageTemplates(request(f), { store: m.store });
    m.calls.length = 0;
    const second = await packageTemplates(request(f), { store: m.store });
    expect(m.calls.filter((c) => c.startsWith("put"))).toEqual([]);
    expect(second.artifacts).toEqual({ uploaded: 0, unchanged: 4 });
    expect(second.templates).toEqual({ uploaded: 0, unchanged: 2 });
    expect(second.templateBody).toBe(first.templateBody);
  });

  it("a change to one function's code uploads that zip and the templates above it, nothing else", async () => {
    const f = builtFolder();
    const m = memoryStore();
    await packageTemplates(request(f), { store: m.store });
    f.write("build/functions/Legacy/SignupFunction/handler.mjs", "export const handler = async () => 3;\n");
    const r = await packageTemplates(request(f), { store: m.store });
    expect(r.objects.filter((o) => o.uploaded).map((o) => `${o.stack}/${o.logicalId}`).sort()).toEqual(["/Legacy", "Legacy/SignupFunction"]);
  });

  it("with an empty prefix keys sit at the bucket's root", async () => {
    const f = builtFolder();
    const r = await packageTemplates(request(f, { prefix: "" }), { store: memoryStore().store });
    expect(r.objects.every((o) => /^[0-9a-f]{64}\.\w+$/.test(o.key))).toBe(true);
  });

  it("refuses a built template whose artifact is missing, naming template, resource and path", async () => {
    const f = builtFolder();
    rmSync(path.join(f.dir, "build/functions/Api"), { recursive: true });
    await expect(packageTemplates(request(f), { store: memoryStore().store })).rejects.toMatchObject({
      code: "NOT_FOUND",
      message: expect.stringContaining("build/stacks/Api.yml GetUserFunction: CodeUri ../functions/Api/GetUserFunction does not exist"),
    });
  });

  it("refuses a missing nested template before uploading anything", async () => {
    const f = builtFolder();
    rmSync(path.join(f.dir, "build/stacks/Legacy.yml"));
    const m = memoryStore();
    await expect(packageTemplates(request(f), { store: m.store })).rejects.toMatchObject({ code: "NOT_FOUND" });
    expect(m.calls).toEqual([]);
  });

  it("edits each template in place: a comment, OpenApiVersion: 3.0 and quoted values stay byte for byte, only the locations change", async () => {
    const f = builtFolder();
    const root = [
      "# the built root: this comment, OpenApiVersion 3.0 and the quoted values stay as written",
      "AWSTemplateFormatVersion: '2010-09-09'",
      "Transform: AWS::Serverless-2016-10-31",
      "Globals:",
      "  Api:",
      "    OpenApiVersion: 3.0",
      "Resources:",
      "  Fn:",
      "    Type: AWS::Serverless::Function",
      "    Properties:",
      "      CodeUri: ./functions/Api/GetUserFunction # the built artifact",
      "      Handler: handler.handler",
      "      Runtime: nodejs22.x",
      '      Environment: { Variables: { FLAG: "yes", RATIO: 1.50, SEXAGESIMAL: "1:20" } }',
      "      Events:",
      "        Get: { Type: Api, Properties: { Path: /x, Method: get } }",
      "  Legacy:",
      "    Type: AWS::CloudFormation::Stack",
      "    Properties:",
      "      TemplateURL: ./stacks/Legacy.yml",
      "",
    ].join("\n");
    const legacy = [
      "Resources:",
      "  SignupFunction:",
      "    Type: AWS::Lambda::Function",
      "    Properties:",
      "      Code: ../functions/Legacy/SignupFunction   # becomes S3Bucket/S3Key",
      "      Handler: handler.handler",
      "      Runtime: nodejs22.x",
      "      Role: arn:aws:iam::123456789012:role/x",
      "  Included: !Transform { Name: AWS::Include, Parameters: { Location: ../../infra/snippet.yml } }",
      "",
    ].join("\n");
    f.write("build/template.yml", root);
    f.write("build/stacks/Legacy.yml", legacy);
    const r = await packageTemplates(request(f), { store: memoryStore().store });
    const obj = (logicalId: string) => r.objects.find((o) => o.logicalId === logicalId)!;
    expect(r.templateBody).toBe(root
      .replace("CodeUri: ./functions/Api/GetUserFunction #", `CodeUri: ${JSON.stringify(obj("Fn").location)} #`)
      .replace("TemplateURL: ./stacks/Legacy.yml", `TemplateURL: ${JSON.stringify(obj("Legacy").location)}`));
    expect(r.nested.Legacy).toBe(legacy
      .replace("Code: ../functions/Legacy/SignupFunction   #", `Code: ${JSON.stringify({ S3Bucket: "artifacts", S3Key: obj("SignupFunction").key })}   #`)
      .replace("Location: ../../infra/snippet.yml }", `Location: ${JSON.stringify(obj("AWS::Include").location)} }`));

    // Read back by the tools that deploy it: the SAM transform gives what it gives for the built
    // template (the locations aside; sam-translate.py puts placeholders in for local paths), and
    // `aws cloudformation package` reads the same values (its re-dump, read again, is the packaged one's).
    const packagedFile = path.join(f.dir, "packaged.yml");
    writeFileSync(packagedFile, r.templateBody);
    const repoRoot = path.resolve(import.meta.dirname, "../../..");
    const translated = JSON.parse((await execa("python3", [path.join(repoRoot, "test/helpers/sam-translate.py"), f.root, packagedFile])).stdout) as Record<string, { template?: { Resources: Record<string, { Type: string; Properties: Record<string, unknown> }> }; errors?: string[] }>;
    const withoutLocations = (t: (typeof translated)[string]) => {
      expect(t.errors).toBeUndefined();
      const resources = structuredClone(t.template!.Resources);
      for (const res of Object.values(resources)) {
        if (res.Type === "AWS::Lambda::Function") delete res.Properties.Code;
        if (res.Type === "AWS::CloudFormation::Stack") delete res.Properties.TemplateURL;
      }
      return resources;
    };
    expect(withoutLocations(translated[packagedFile]!)).toEqual(withoutLocations(translated[f.root]!));
    const env = { PATH: process.env.PATH ?? "", HOME: f.dir, AWS_ACCESS_KEY_ID: "AKIAPACKAGETEST00001", AWS_SECRET_ACCESS_KEY: "not-used", AWS_DEFAULT_REGION: "us-east-1" };
    for (const [name, text] of [["root", r.templateBody], ["Legacy", r.nested.Legacy!]] as const) {
      const file = path.join(f.dir, `${name}.packaged.yml`);
      writeFileSync(file, text);
      const out = path.join(f.dir, `${name}.aws.yml`);
      const cli = await execa("aws", ["cloudformation", "package", "--template-file", file, "--s3-bucket", "artifacts", "--output-template-file", out], { env, extendEnv: false, reject: false, timeout: 60_000 });
      expect(cli.exitCode, cli.stderr).toBe(0);
      expect(parseTemplate(readFileSync(out, "utf8"), out)).toEqual(parseTemplate(text, name));
    }
  }, 60_000);
});
