/**
 * Packaging conformance: hdoc's packaging of the repository's own built templates, against moto's
 * S3, compared with `aws cloudformation package` (the AWS CLI on the machine) from the same built
 * template and the same S3; each packaged template passes cfn-lint and the SAM translator.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { execa } from "execa";
import { CreateBucketCommand, GetObjectCommand, HeadObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { startMoto, type Moto } from "./helpers/moto.ts";
import { REPO_ROOT, runHdoc, tempHome, type TempHome } from "./helpers/hdoc.ts";
import { s3ArtifactStore } from "../cli/aws/s3.ts";
import { packageTemplates, type PackageResult } from "../cli/core/deploy/package.ts";
import { parseTemplate, type Json, type TemplateBody } from "../cli/core/cfn/templates.ts";

const BUCKET = "hdoc-artifacts";
/** How many functions the backend has (`hdoc build --list`): one zip each. */
let FUNCTIONS: number;
const KEYS = { AWS_ACCESS_KEY_ID: "AKIAIOSFODNN7EXAMPLE", AWS_SECRET_ACCESS_KEY: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY" };
let moto: Moto;
let home: TempHome;
let work: string;
let outDir: string;
let s3: S3Client;
let ours: PackageResult;

type Resources = Record<string, { Type: string; Properties?: Record<string, Json> }>;
const resourcesOf = (t: TemplateBody) => t.Resources as Resources;

async function objectText(url: string): Promise<string> {
  const { pathname } = new URL(url);
  const [bucket, ...key] = pathname.slice(1).split("/");
  const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: decodeURIComponent(key.join("/")) }));
  return out.Body!.transformToString("utf8");
}

async function exists(bucket: string, key: string): Promise<boolean> {
  return s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key })).then(() => true, () => false);
}

const s3Ref = (v: Json | undefined): { bucket: string; key: string } => {
  const m = /^s3:\/\/([^/]+)\/(.+)$/.exec(String(v));
  if (!m) throw new Error(`not an s3:// reference: ${JSON.stringify(v)}`);
  return { bucket: m[1]!, key: m[2]! };
};

beforeAll(async () => {
  moto = await startMoto();
  home = tempHome();
  work = mkdtempSync(path.join(tmpdir(), "hdoc-package-"));
  outDir = path.join(work, "build");
  s3 = new S3Client({ region: "us-east-1", endpoint: moto.url, forcePathStyle: true, credentials: { accessKeyId: KEYS.AWS_ACCESS_KEY_ID, secretAccessKey: KEYS.AWS_SECRET_ACCESS_KEY } });
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  const list = await runHdoc(["build", "--list", "--json"], { home: home.home });
  FUNCTIONS = (JSON.parse(list.stdout) as { functions: unknown[] }).functions.length;
  expect(FUNCTIONS).toBeGreaterThan(5);
  const built = await runHdoc(["build", "--out-dir", outDir], { home: home.home });
  expect(built.exitCode, built.stderr).toBe(0);
  const store = s3ArtifactStore({ region: { value: "us-east-1", source: "flag" }, endpoint: moto.url, credentials: { accessKeyId: KEYS.AWS_ACCESS_KEY_ID, secretAccessKey: KEYS.AWS_SECRET_ACCESS_KEY } });
  ours = await packageTemplates({ rootTemplate: path.join(outDir, "template.yml"), repoRoot: REPO_ROOT, bucket: BUCKET, prefix: "backend/dev" }, { store });
}, 120_000);

afterAll(async () => {
  await moto?.stop();
  home?.cleanup();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe("packaging the repository's backend", () => {
  it("uploads every function and the 4 nested templates once; a second run uploads nothing", async () => {
    expect(ours.artifacts).toEqual({ uploaded: FUNCTIONS, unchanged: 0 });
    expect(ours.templates).toEqual({ uploaded: 4, unchanged: 0 });
    for (const o of ours.objects) expect(await exists(BUCKET, o.key), o.key).toBe(true);
    const store = s3ArtifactStore({ region: { value: "us-east-1", source: "flag" }, endpoint: moto.url, credentials: { accessKeyId: KEYS.AWS_ACCESS_KEY_ID, secretAccessKey: KEYS.AWS_SECRET_ACCESS_KEY } });
    const again = await packageTemplates({ rootTemplate: path.join(outDir, "template.yml"), repoRoot: REPO_ROOT, bucket: BUCKET, prefix: "backend/dev" }, { store });
    expect(again.artifacts).toEqual({ uploaded: 0, unchanged: FUNCTIONS });
    expect(again.templates).toEqual({ uploaded: 0, unchanged: 4 });
    expect(again.templateBody).toBe(ours.templateBody);
  });

  it("has the same resources as `aws cloudformation package` of the same built template, each pointing at an uploaded object", async () => {
    const awsOut = path.join(work, "aws-packaged.yml");
    // `aws cloudformation package` (CLI v1) ignores --endpoint-url for its S3 client; it reads the
    // service's endpoint variable, and path-style addressing from the config file.
    const config = path.join(work, "aws-config");
    writeFileSync(config, "[default]\ns3 =\n  addressing_style = path\n");
    const r = await execa(
      "aws",
      ["cloudformation", "package", "--template-file", path.join(outDir, "template.yml"), "--s3-bucket", BUCKET, "--s3-prefix", "awscli", "--output-template-file", awsOut, "--region", "us-east-1"],
      { env: { ...KEYS, HOME: home.home, PATH: process.env.PATH, AWS_CONFIG_FILE: config, AWS_ENDPOINT_URL_S3: moto.url }, extendEnv: false, reject: false },
    );
    expect(r.exitCode, r.stderr).toBe(0);
    const theirsRoot = parseTemplate(await import("node:fs").then((fs) => fs.readFileSync(awsOut, "utf8")), "aws-packaged.yml");
    const oursRoot = parseTemplate(ours.templateBody, "root");

    const compare = async (mine: TemplateBody, theirs: TemplateBody, where: string): Promise<number> => {
      const a = resourcesOf(mine), b = resourcesOf(theirs);
      expect(Object.keys(a).sort(), where).toEqual(Object.keys(b).sort());
      let checked = 0;
      for (const [id, res] of Object.entries(a)) {
        expect(res.Type, `${where} ${id}`).toBe(b[id]!.Type);
        if (res.Type === "AWS::Serverless::Function") {
          const mineRef = s3Ref(res.Properties?.CodeUri), theirRef = s3Ref(b[id]!.Properties?.CodeUri);
          expect(await exists(mineRef.bucket, mineRef.key), `${where} ${id} ${mineRef.key}`).toBe(true);
          expect(await exists(theirRef.bucket, theirRef.key)).toBe(true);
          checked++;
        }
        if (res.Type === "AWS::Serverless::Application") {
          const mineUrl = String(res.Properties?.Location), theirUrl = String(b[id]!.Properties?.Location);
          expect(mineUrl).toMatch(new RegExp(`^${moto.url}/${BUCKET}/backend/dev/[0-9a-f]{64}\\.template$`));
          expect(theirUrl.startsWith(`${moto.url}/${BUCKET}/awscli/`)).toBe(true);
          checked += await compare(parseTemplate(await objectText(mineUrl), `${where}/${id}`), parseTemplate(await objectText(theirUrl), `aws ${where}/${id}`), `${where}/${id}`);
        }
      }
      return checked;
    };
    expect(await compare(oursRoot, theirsRoot, "root")).toBe(FUNCTIONS);
  });

  it("each uploaded zip holds exactly the built artifact's files (read back with Python's zipfile)", async () => {
    for (const o of ours.objects.filter((x) => x.kind === "code")) {
      const out = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: o.key }));
      const zip = Buffer.from(await out.Body!.transformToByteArray());
      const names = (await execa("python3", ["-c", "import sys,zipfile,io;print('\\n'.join(zipfile.ZipFile(io.BytesIO(sys.stdin.buffer.read())).namelist()))"], { input: zip })).stdout.split("\n");
      expect(names, o.source).toEqual(["handler.mjs", "handler.mjs.map"]);
    }
  });

  it("every packaged template passes cfn-lint", async () => {
    const dir = path.join(work, "lint");
    mkdirSync(dir, { recursive: true });
    const files = [["root.yml", ours.templateBody], ...Object.entries(ours.nested).map(([k, v]) => [`${k}.yml`, v])] as const;
    for (const [name, text] of files) writeFileSync(path.join(dir, name), text);
    const r = await execa("cfn-lint", files.map(([name]) => path.join(dir, name)), { reject: false });
    expect(r.stdout + r.stderr).toBe("");
    expect(r.exitCode).toBe(0);
  });

  it("the SAM translator transforms each packaged template: code from the bucket, nested stacks from their URLs", async () => {
    const dir = path.join(work, "sam");
    mkdirSync(dir, { recursive: true });
    const texts: Record<string, string> = { root: ours.templateBody, ...ours.nested };
    const files = Object.fromEntries(Object.keys(texts).map((name) => [name, path.join(dir, `${name}.yml`)]));
    for (const [name, text] of Object.entries(texts)) writeFileSync(files[name]!, text);
    const r = await execa("python3", [path.join(REPO_ROOT, "test/helpers/sam-translate.py"), ...Object.values(files)], { reject: false });
    expect(r.exitCode, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as Record<string, { template?: { Resources: Resources }; errors?: string[] }>;
    const results = Object.entries(files).map(([name, file]) => ({ name, ...out[file]! }));
    for (const t of results) expect(t.errors ?? [], t.name).toEqual([]);
    expect(results.map((t) => t.name).sort()).toEqual(["Api", "Auth", "Database", "Frontend", "root"]);

    const root = results.find((t) => t.name === "root")!.template!.Resources;
    const apiObject = ours.objects.find((o) => o.kind === "template" && o.logicalId === "Api")!;
    expect(root.Api).toMatchObject({ Type: "AWS::CloudFormation::Stack", Properties: { TemplateURL: apiObject.location } });

    const lambdas = results.flatMap((t) => Object.entries(t.template!.Resources).filter(([, res]) => res.Type === "AWS::Lambda::Function").map(([id, res]) => [`${t.name}/${id}`, res.Properties?.Code] as const));
    expect(lambdas).toHaveLength(FUNCTIONS);
    for (const [id, code] of lambdas) {
      const uploaded = ours.objects.find((o) => `${o.stack}/${o.logicalId}` === id)!;
      expect(code, id).toEqual({ S3Bucket: BUCKET, S3Key: uploaded.key });
    }
  });

  it("quotes what YAML 1.1 readers would take for dates, booleans or numbers", () => {
    for (const text of [ours.templateBody, ...Object.values(ours.nested)]) expect(text).toMatch(/^AWSTemplateFormatVersion: "2010-09-09"$/m);
    expect(ours.nested.Frontend).toMatch(/Version: "2012-10-17"/);
  });
});
