/**
 * `hdoc deploy|diff --stage S` end to end: the built binary, a temporary HOME with an `mfa` profile,
 * the repository's real infra/ built into a temporary folder, packaged to moto's S3; moto's
 * CloudFormation for create and the no-change redeploy, and the CloudFormation replay endpoint
 * (proxying S3 to moto) for what moto does not model: nested change sets, nested stacks' events and
 * a failure inside one of them.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { CloudFormationClient, DescribeStacksCommand } from "@aws-sdk/client-cloudformation";
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { PutParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { REPO_ROOT, runHdoc, tempHome } from "../helpers/hdoc.ts";
import { startMoto, type Moto } from "../helpers/moto.ts";
import { startCloudFormationEndpoint, type CloudFormationEndpoint } from "../helpers/cloudformation-endpoint.ts";
import { BACKEND_BUCKET, BACKEND_ROLE, LAMBDA_REASON } from "../helpers/cloudformation-scenarios.ts";
import { startCodeConnectionsEndpoint } from "../helpers/codeconnections-endpoint.ts";

const KEYS = { accessKeyId: "AKIADEPLOYTEST000001", secretAccessKey: "deploy-secret-key-value" };
const SESSION = "deploy-session-token-value";
const BUCKET = "hdoc-e2e-artifacts";
const h = tempHome();
let moto: Moto;
let replay: CloudFormationEndpoint;
let buildDir: string;
/** How many functions the backend has (`hdoc build --list`): one zip each. */
let functions: number;

const sdk = () => ({ region: "us-east-1", endpoint: moto.url, forcePathStyle: true, credentials: KEYS });
const hdoc = (args: string[], endpoint: string, env: Record<string, string> = {}) =>
  runHdoc([...args, "--endpoint-url", endpoint, "--build-dir", buildDir], { home: h.home, env, timeoutMs: 120_000 });
const noSecrets = (text: string) => {
  for (const s of [KEYS.secretAccessKey, SESSION]) expect(text).not.toContain(s);
};
const keysIn = async (bucket: string) => ((await new S3Client(sdk()).send(new ListObjectsV2Command({ Bucket: bucket }))).Contents ?? []).map((o) => o.Key!);
/** The event lines of the live view without a terminal: "<time>  <n/N>  <status>  <type>  <path>  <reason>". */
const eventLines = (stderr: string) => stderr.split("\n").filter((l) => /^\d\d:\d\d:\d\d /.test(l));

beforeAll(async () => {
  writeFileSync(h.credentialsFile, `[mfa]\naws_access_key_id = ${KEYS.accessKeyId}\naws_secret_access_key = ${KEYS.secretAccessKey}\naws_session_token = ${SESSION}\n`);
  moto = await startMoto();
  replay = await startCloudFormationEndpoint({ proxyTo: moto.url });
  buildDir = mkdtempSync(path.join(tmpdir(), "hdoc-deploy-build-"));
  const list = await runHdoc(["build", "--list", "--json"], { home: h.home });
  functions = (JSON.parse(list.stdout) as { functions: unknown[] }).functions.length;
  expect(functions).toBeGreaterThan(5);
  const s3 = new S3Client(sdk());
  for (const b of [BUCKET, BACKEND_BUCKET]) await s3.send(new CreateBucketCommand({ Bucket: b }));
}, 60_000);

afterAll(async () => {
  await Promise.all([moto?.stop(), replay?.stop()]);
  h.cleanup();
  if (buildDir) rmSync(buildDir, { recursive: true, force: true });
});

describe("hdoc deploy against moto (S3 and CloudFormation)", () => {
  it("builds, packages every function and nested template, and creates hdoc-backend-dev", async () => {
    const r = await hdoc(["deploy", "--stage", "dev", "--yes", "--s3-bucket", BUCKET], moto.url);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).toContain("stage: dev (from --stage)");
    expect(r.stderr).toContain(`build: ${functions} built, 0 cached`);
    expect(r.stderr).toContain(`packaged ${functions} artifacts (${functions} uploaded, 0 unchanged) and 4 nested templates (4 uploaded, 0 unchanged)`);
    expect(r.stderr).toContain(`artifacts: s3://${BUCKET}/backend/dev/ (bucket from --s3-bucket)`);
    expect(r.stdout).toContain("stack hdoc-backend-dev: CREATE_COMPLETE (stage dev, us-east-1)");
    const keys = await keysIn(BUCKET);
    expect(keys.filter((k) => /^backend\/dev\/[0-9a-f]{64}\.zip$/.test(k))).toHaveLength(functions);
    expect(keys.filter((k) => /^backend\/dev\/[0-9a-f]{64}\.template$/.test(k))).toHaveLength(4);
    // Each nested template is packaged by editing the built one in place: its comments arrive in S3 (was: re-serialised without them).
    const s3 = new S3Client(sdk());
    const uploaded = await Promise.all(keys.filter((k) => k.endsWith(".template")).map(async (k) => (await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: k }))).Body!.transformToString()));
    for (const nested of ["api.yml", "database.yml"]) {
      const comments = readFileSync(path.join(REPO_ROOT, "infra", nested), "utf8").split("\n").filter((l) => /^\s*#/.test(l));
      expect(comments.length).toBeGreaterThan(0);
      expect(uploaded.filter((text) => comments.every((c) => text.includes(`${c}\n`)))).toHaveLength(1);
    }
    const stack = await new CloudFormationClient(sdk()).send(new DescribeStacksCommand({ StackName: "hdoc-backend-dev" }));
    expect(stack.Stacks?.[0]?.StackStatus).toBe("CREATE_COMPLETE");
    expect(stack.Stacks?.[0]?.Parameters).toContainEqual({ ParameterKey: "Stage", ParameterValue: "dev" });
    expect(Object.fromEntries((stack.Stacks?.[0]?.Tags ?? []).map((t) => [t.Key, t.Value]))).toEqual({ project: "100daysofcloud", stage: "dev" });
    noSecrets(r.stdout + r.stderr);
  });

  it("redeploys unchanged code with 0 uploads and \"no changes\", exit 0", async () => {
    const before = await keysIn(BUCKET);
    const r = await hdoc(["deploy", "--stage", "dev", "--yes", "--s3-bucket", BUCKET], moto.url);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).toContain(`build: 0 built, ${functions} cached`);
    expect(r.stderr).toContain(`(0 uploaded, ${functions} unchanged)`);
    expect(r.stderr).toContain("(0 uploaded, 4 unchanged)");
    expect(r.stdout).toContain("no changes");
    expect(r.stderr).not.toContain("executing change set");
    expect(await keysIn(BUCKET)).toEqual(before);
  });

  it("--json prints one document with the packaging tallies and the result", async () => {
    const r = await hdoc(["deploy", "--stage", "dev", "--yes", "--s3-bucket", BUCKET, "--json"], moto.url);
    expect(r.exitCode, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({ stage: "dev", stackName: "hdoc-backend-dev", bucket: BUCKET, prefix: "backend/dev", result: "no-changes", package: { artifacts: { uploaded: 0, unchanged: functions }, templates: { uploaded: 0, unchanged: 4 } } });
  });

  it("refuses a deploy that needs a confirmation it cannot get, before any AWS call (exit 8)", async () => {
    replay.load("backendApiChange");
    const r = await hdoc(["deploy", "--stage", "dev"], replay.url);
    expect(r.exitCode).toBe(8);
    expect(r.stderr).toContain("re-run with --yes");
    expect(replay.calls).toEqual([]);
  });

  it("says which bucket is missing when there is no pipeline stack and no --s3-bucket (exit 6)", async () => {
    const r = await hdoc(["deploy", "--stage", "prod", "--yes"], moto.url);
    expect(r.exitCode).toBe(6);
    expect(r.stderr).toContain("error: no artifacts bucket for stage prod: pipeline stack hdoc-backend-prod-codepipeline does not exist");
    expect(r.stderr).toContain("hdoc pipeline deploy --stage prod");
  });

  it("as a new user: after `hdoc pipeline deploy`, deploys with the pipeline stack's bucket and execution role, no flags", async () => {
    const ssm = new SSMClient(sdk());
    // `hdoc pipeline deploy` checks the stage's GitHub connection first: a CodeConnections endpoint in front of moto
    const connections = await startCodeConnectionsEndpoint({ proxyTo: moto.url });
    const connection = connections.seed({ status: "AVAILABLE" });
    for (const [name, value] of [["GithubOwner", "100DaysOfCloud"], ["GithubRepo", "100DaysOfCloud-Backend"], ["GithubConnectionArn", connection]]) {
      await ssm.send(new PutParameterCommand({ Name: `/100DaysOfCloud/Backend/${name}`, Value: value, Type: "String", Overwrite: true }));
    }
    const pipeline = await runHdoc(["pipeline", "deploy", "--stage", "staging", "--yes", "--endpoint-url", connections.url], { home: h.home }).finally(() => connections.close());
    expect(pipeline.exitCode, pipeline.stderr + pipeline.stdout).toBe(0);
    // moto keeps no Outputs for stacks made through change sets: the bucket and role come from the stack's resources
    const r = await hdoc(["deploy", "--stage", "staging", "--yes"], moto.url);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/artifacts: s3:\/\/hdoc-backend-staging-codepipeline-artifactsbucket-\w+\/backend\/staging\/ \(bucket from pipeline stack\)/);
    expect(r.stderr).toMatch(/execution role: arn:aws:iam::123456789012:role\/hdoc-backend-staging-codepipeline-CloudFormationExecutionRole-\w+ \(from pipeline stack\)/);
    expect(r.stdout).toContain("stack hdoc-backend-staging: CREATE_COMPLETE (stage staging, us-east-1)");
    noSecrets(r.stdout + r.stderr);
  });
});

describe("hdoc deploy|diff with nested stacks (replay endpoint; S3 in moto)", () => {
  it("diff shows the changes inside Api, takes bucket and role from the pipeline stack, executes nothing and deletes the change set", async () => {
    replay.load("backendApiChange");
    const r = await hdoc(["diff", "--stage", "dev"], replay.url);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).toContain(`artifacts: s3://${BACKEND_BUCKET}/backend/dev/ (bucket from pipeline stack)`);
    expect(r.stderr).toContain(`execution role: ${BACKEND_ROLE} (from pipeline stack)`);
    expect(r.stdout).toMatch(/^Api +Modify +GetUserFunction +AWS::Lambda::Function +False$/m);
    expect(r.stdout).toMatch(/^Api +Add +GetUserFunctionAlias +AWS::Lambda::Alias/m);
    expect(r.stdout).toMatch(/^- +Modify +Api +AWS::CloudFormation::Stack/m);
    expect(replay.calls).toContain("DeleteChangeSet");
    expect(replay.calls).not.toContain("ExecuteChangeSet");
    expect(replay.createForms[0]).toMatchObject({ IncludeNestedStacks: "true", RoleARN: BACKEND_ROLE, "Parameters.member.1.ParameterKey": "Stage", "Parameters.member.1.ParameterValue": "dev" });
    expect(await keysIn(BACKEND_BUCKET)).toHaveLength(functions + 4);
  });

  it("takes bucket and role from the environment CodeBuild sets, before the pipeline stack", async () => {
    replay.load("backendApiChange");
    const role = "arn:aws:iam::123456789012:role/from-the-environment";
    const r = await hdoc(["diff", "--stage", "dev"], replay.url, { ARTIFACTS_BUCKET: BUCKET, CFN_EXECUTION_ROLE_ARN: role });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).toContain(`artifacts: s3://${BUCKET}/backend/dev/ (bucket from $ARTIFACTS_BUCKET)`);
    expect(r.stderr).toContain(`execution role: ${role} (from $CFN_EXECUTION_ROLE_ARN)`);
    expect(replay.createForms[0]?.RoleARN).toBe(role);
    expect(replay.calls).not.toContain("ListStackResources");
  });

  it("reads the stage's section of a samconfig file (prefix, role, tags, parameters); flags win", async () => {
    replay.load("backendApiChange");
    const config = path.join(h.home, "samconfig.toml");
    writeFileSync(config, [
      "version = 0.1",
      "[dev.deploy.parameters]",
      `s3_bucket = "${BUCKET}"`,
      's3_prefix = "from-samconfig"',
      'role_arn = "arn:aws:iam::123456789012:role/from-samconfig"',
      'tags = ["team=web", "stage=ignored-by-flag"]',
      'parameter_overrides = "AppName=hdocx"',
    ].join("\n"));
    const r = await hdoc(["diff", "--stage", "dev", "--config-file", config, "--s3-prefix", "from-flag", "--tags", "stage=dev"], replay.url);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).toContain(`artifacts: s3://${BUCKET}/from-flag/ (bucket from samconfig)`);
    const form = replay.createForms[0]!;
    expect(form.RoleARN).toBe("arn:aws:iam::123456789012:role/from-samconfig");
    const pairs = (prefix: string, k: string, v: string) => Object.fromEntries(Object.entries(form).filter(([key]) => key.startsWith(prefix) && key.endsWith(`.${k}`)).map(([key, val]) => [val, form[key.replace(new RegExp(`\\.${k}$`), `.${v}`)]]));
    expect(pairs("Tags.member", "Key", "Value")).toEqual({ project: "100daysofcloud", stage: "dev", team: "web" });
    expect(pairs("Parameters.member", "ParameterKey", "ParameterValue")).toEqual({ Stage: "dev", AppName: "hdocx" });
    expect((await keysIn(BUCKET)).filter((k) => k.startsWith("from-flag/"))).toHaveLength(functions + 4);
  });

  it("diff --keep leaves the change set, --json gives the nested changes", async () => {
    replay.load("backendApiChange");
    const r = await hdoc(["diff", "--stage", "dev", "--keep", "--json"], replay.url);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(replay.calls).not.toContain("DeleteChangeSet");
    const doc = JSON.parse(r.stdout);
    expect(doc.changes).toContainEqual({ stack: "Api", action: "Modify", logicalId: "GetUserFunction", type: "AWS::Lambda::Function", replacement: "False" });
  });

  it("deploy follows the events inside nested stacks, prefixed with the stack, counted over all stacks", async () => {
    replay.load("backendApiChange");
    const r = await hdoc(["deploy", "--stage", "dev", "--yes"], replay.url);
    expect(r.exitCode, r.stderr).toBe(0);
    const lines = eventLines(r.stderr);
    expect(lines.some((l) => /\b1\/4\b.*UPDATE_COMPLETE +AWS::Lambda::Function +Api\/GetUserFunction$/.test(l)), lines.join("\n")).toBe(true);
    expect(lines.some((l) => /\b3\/4\b.*UPDATE_COMPLETE +AWS::CloudFormation::Stack +Api$/.test(l)), lines.join("\n")).toBe(true);
    expect(replay.calls.filter((c) => c === "DescribeStackEvents").length).toBeGreaterThan(2);
    expect(r.stdout).toContain("stack hdoc-backend-dev: UPDATE_COMPLETE");
    noSecrets(r.stdout + r.stderr);
  });

  it("a failure inside Api is reported with its root cause as the headline, exit 7", async () => {
    replay.load("backendApiFails");
    const r = await hdoc(["deploy", "--stage", "dev", "--yes"], replay.url);
    expect(r.exitCode, r.stderr).toBe(7);
    const error = r.stderr.split("\n").find((l) => l.startsWith("error: "));
    expect(error).toBe(`error: deploy of stack hdoc-backend-dev failed: Api/GetUserFunction UPDATE_FAILED: ${LAMBDA_REASON}`);
    expect(r.stderr).toMatch(/hint: .*UPDATE_ROLLBACK_COMPLETE/);
    expect(r.stderr).not.toMatch(/^error: .*Embedded stack/m);
  });
});
