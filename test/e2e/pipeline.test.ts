/**
 * `hdoc pipeline deploy|status` end to end: the built binary, a temporary HOME with an `mfa` profile,
 * moto for the real cicd/ template, and the CloudFormation replay endpoint for what moto does not
 * model (per-resource events, failures, ROLLBACK_COMPLETE, FAILED empty change sets).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { execa } from "execa";
import { CloudFormationClient, CreateChangeSetCommand, DeleteChangeSetCommand, DescribeStacksCommand } from "@aws-sdk/client-cloudformation";
import { PutParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { REPO_ROOT, runHdoc, runHdocInTerminal, tempHome } from "../helpers/hdoc.ts";
import { startMoto, type Moto } from "../helpers/moto.ts";
import { startCloudFormationEndpoint, type CloudFormationEndpoint } from "../helpers/cloudformation-endpoint.ts";
import { startCodeConnectionsEndpoint, type CodeConnectionsEndpoint } from "../helpers/codeconnections-endpoint.ts";
import { CODEBUILD_REASON } from "../helpers/cloudformation-scenarios.ts";

const CONNECTION_ID = "8d3c1f52-0b7e-4a39-9c55-2f0e6a1b7c44";
// deploy checks the stage's GitHub connection first: hdoc talks to a CodeConnections endpoint in front of each
let viaMoto: CodeConnectionsEndpoint;
let viaReplay: CodeConnectionsEndpoint;
const KEYS = { accessKeyId: "AKIAPIPELINETEST0001", secretAccessKey: "pipeline-secret-key-value" };
const STACK = "hdoc-backend-dev-codepipeline";
const h = tempHome();
let moto: Moto;
let replay: CloudFormationEndpoint;
let project: string; // a copy of the project on git branch main (-> prod)

const sdk = () => ({ region: "us-east-1", endpoint: moto.url, credentials: KEYS });
const stackParam = async (stack: string, key: string) => {
  const out = await new CloudFormationClient(sdk()).send(new DescribeStacksCommand({ StackName: stack })).catch((e: Error) => {
    if (/does not exist/.test(e.message)) return { Stacks: [] };
    throw e;
  });
  return { status: out.Stacks?.[0]?.StackStatus, value: out.Stacks?.[0]?.Parameters?.find((p) => p.ParameterKey === key)?.ParameterValue };
};
const deploy = (args: string[], endpoint = viaMoto.url, opts: { cwd?: string } = {}) => runHdoc(["pipeline", "deploy", "--endpoint-url", endpoint, ...args], { home: h.home, ...opts });
const noSecrets = (text: string) => {
  for (const s of [KEYS.secretAccessKey, "session-token-value"]) expect(text).not.toContain(s);
};

beforeAll(async () => {
  writeFileSync(h.credentialsFile, `[mfa]\naws_access_key_id = ${KEYS.accessKeyId}\naws_secret_access_key = ${KEYS.secretAccessKey}\naws_session_token = session-token-value\n`);
  moto = await startMoto();
  replay = await startCloudFormationEndpoint({ proxyTo: moto.url });
  [viaMoto, viaReplay] = await Promise.all([startCodeConnectionsEndpoint({ proxyTo: moto.url }), startCodeConnectionsEndpoint({ proxyTo: replay.url })]);
  const connectionArn = viaMoto.seed({ id: CONNECTION_ID });
  viaReplay.seed({ id: CONNECTION_ID });
  const ssm = new SSMClient(sdk());
  for (const [name, value] of [["GithubOwner", "100DaysOfCloud"], ["GithubRepo", "100DaysOfCloud-Backend"], ["GithubConnectionArn", connectionArn]]) {
    await ssm.send(new PutParameterCommand({ Name: `/100DaysOfCloud/Backend/${name}`, Value: value, Type: "String" }));
  }
  project = mkdtempSync(path.join(tmpdir(), "hdoc-pipeline-proj-"));
  cpSync(path.join(REPO_ROOT, "cicd"), path.join(project, "cicd"), { recursive: true });
  cpSync(path.join(REPO_ROOT, "hdoc.config.json"), path.join(project, "hdoc.config.json"));
  const git = (...a: string[]) => execa("git", ["-c", "user.email=t@example.com", "-c", "user.name=t", ...a], { cwd: project });
  await git("init", "-q", "-b", "main");
  await git("commit", "-q", "--allow-empty", "-m", "init");
});

afterAll(async () => {
  await Promise.all([viaMoto?.close(), viaReplay?.close()]);
  await Promise.all([moto?.stop(), replay?.stop()]);
  h.cleanup();
  if (project) rmSync(project, { recursive: true, force: true });
});

describe("hdoc pipeline against moto (the real cicd/ template)", () => {
  it("creates the dev stack from cicd/ (CREATE_COMPLETE), printing the stage and never a secret", async () => {
    const r = await deploy(["--stage", "dev", "--yes", "--verbose"]);
    expect(r.stderr).toContain("stage: dev (from --stage)");
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/creating change set hdoc-dev-\S+ \(CREATE\)/);
    expect(r.stderr).toMatch(/Add\s+CodeBuildProject\s+AWS::CodeBuild::Project/);
    expect(r.stdout).toMatch(new RegExp(`^stack ${STACK}: CREATE_COMPLETE in \\d+s \\(stage dev, us-east-1\\)$`, "m"));
    expect(r.stderr).not.toMatch(/\(\d+ events?\)/); // one summary line, not two
    expect((await stackParam(STACK, "Stage")).status).toBe("CREATE_COMPLETE");
    noSecrets(r.stdout + r.stderr);
  });

  it("redeploys unchanged as \"no changes\" with exit 0", async () => {
    const r = await deploy(["--stage", "dev", "--yes"]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toContain("no changes");
    expect(r.stderr).not.toContain("executing change set");
  });

  it("updates the stack when a parameter changes (flags override samconfig)", async () => {
    const r = await deploy(["--stage", "dev", "--yes", "--parameter-overrides", "BuildComputeType=BUILD_GENERAL1_MEDIUM"]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/\(UPDATE\) for stack/);
    expect(r.stdout).toContain("UPDATE_COMPLETE");
    expect(await stackParam(STACK, "BuildComputeType")).toEqual({ status: "UPDATE_COMPLETE", value: "BUILD_GENERAL1_MEDIUM" });
  });

  it("executes nothing when the user declines at the prompt", async () => {
    const r = await runHdocInTerminal(["pipeline", "deploy", "--stage", "dev", "--endpoint-url", viaMoto.url, "--parameter-overrides", "BuildComputeType=BUILD_GENERAL1_LARGE"], {
      home: h.home,
      keys: [{ after: "Execute this change set", send: "n\r" }],
    });
    expect(r.output).toContain("nothing changed: nothing was executed");
    expect(r.output).not.toContain("error:");
    expect(r.exitCode).toBe(8);
    expect((await stackParam(STACK, "BuildComputeType")).value).toBe("BUILD_GENERAL1_MEDIUM");
  });

  it("deploys over a change set kept by `pipeline diff --keep`, noting it as left over (was: refused as another deploy in flight, exit 10)", async () => {
    const kept = await runHdoc(["pipeline", "diff", "--stage", "dev", "--endpoint-url", viaMoto.url, "--keep", "--parameter-overrides", "BuildComputeType=BUILD_GENERAL1_LARGE"], { home: h.home });
    expect(kept.exitCode, kept.stderr).toBe(0);
    const name = /change set (\S+) kept on stack/.exec(kept.stdout)?.[1];
    expect(name, kept.stdout).toBeDefined();
    const r = await deploy(["--stage", "dev", "--yes", "--parameter-overrides", "BuildComputeType=BUILD_GENERAL1_SMALL"]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).toContain(`change set ${name} is left from an earlier run (hdoc pipeline diff by `);
    expect(await stackParam(STACK, "BuildComputeType")).toEqual({ status: "UPDATE_COMPLETE", value: "BUILD_GENERAL1_SMALL" });
  });

  it("never infers prod from git branch main: suggests dev, and without a terminal or --yes refuses before any AWS call", async () => {
    const r = await deploy([], viaMoto.url, { cwd: project });
    expect(r.stderr).toContain("stage: dev (from git branch 'main'; prod only with --stage prod)");
    expect(r.exitCode).toBe(8);
    expect(r.stderr).toContain("needs a confirmation, and this is not an interactive terminal: nothing was done");
    expect((await stackParam("hdoc-backend-prod-codepipeline", "Stage")).status).toBeUndefined();
  });

  it("`deploy --yes` on branch main deploys dev, never prod", async () => {
    const r = await deploy(["--yes", "--stack-name", "hdoc-backend-mainbranch-codepipeline"], viaMoto.url, { cwd: project });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toContain("(stage dev, us-east-1)");
    expect((await stackParam("hdoc-backend-mainbranch-codepipeline", "Stage")).value).toBe("dev");
    expect((await stackParam("hdoc-backend-prod-codepipeline", "Stage")).status).toBeUndefined();
  });

  it("refuses `--stage prod` without a terminal or --yes before any AWS call: no stack, no change set left behind", async () => {
    const r = await deploy(["--stage", "prod"], viaMoto.url, { cwd: project });
    expect(r.exitCode).toBe(8);
    expect(r.stderr).not.toContain("creating change set");
    expect((await stackParam("hdoc-backend-prod-codepipeline", "Stage")).status).toBeUndefined();
  });

  it("shows status, last update, outputs and that the template matches", async () => {
    const r = await runHdoc(["pipeline", "status", "--stage", "dev", "--endpoint-url", viaMoto.url], { home: h.home });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^stack: +hdoc-backend-dev-codepipeline \(stage dev, us-east-1\)$/m);
    expect(r.stdout).toMatch(/^status: +UPDATE_COMPLETE$/m);
    expect(r.stdout).toMatch(/^meaning: +deployed and stable$/m);
    expect(r.stdout).toMatch(/^last update: +\d{4}-\d\d-\d\d \d\d:\d\d UTC \(\d+s ago\)$/m); // never "0m ago"
    expect(r.stdout).toContain("template:     matches cicd/pipeline.template.yml");
    expect(r.stdout).toContain("(no outputs)"); // moto keeps no Outputs for stacks made through change sets
  });

  it("reports drift when the local template differs, and --json gives one document", async () => {
    const changed = path.join(h.home, "changed.template.yml");
    writeFileSync(changed, readFileSync(path.join(REPO_ROOT, "cicd/pipeline.template.yml"), "utf8") + "  Extra:\n    Value: x\n");
    const text = await runHdoc(["pipeline", "status", "--stage", "dev", "--endpoint-url", viaMoto.url, "--template", changed], { home: h.home });
    expect(text.stdout).toMatch(/template: +differs from .*changed\.template\.yml/);
    expect(text.stdout).toContain("- Outputs.Extra added locally");
    const json = await runHdoc(["pipeline", "status", "--stage", "dev", "--endpoint-url", viaMoto.url, "--template", changed, "--json"], { home: h.home });
    expect(json.exitCode).toBe(0);
    const doc = JSON.parse(json.stdout);
    expect(doc).toMatchObject({ stage: "dev", stackName: STACK, status: "UPDATE_COMPLETE", healthy: true, drift: { differs: true, details: ["Outputs.Extra added locally"] } });
    noSecrets(json.stdout + json.stderr);
  });

  it("status of a stage that was never deployed: exit 6 with what to run", async () => {
    const r = await runHdoc(["pipeline", "status", "--stage", "staging", "--endpoint-url", viaMoto.url], { home: h.home });
    expect(r.exitCode).toBe(6);
    expect(r.stderr).toContain("stack hdoc-backend-staging-codepipeline does not exist");
    expect(r.stderr).toContain("hdoc pipeline deploy --stage staging");
  });

  it("a stack left in REVIEW_IN_PROGRESS: status exits 11 (nothing deployed, not healthy); the next deploy finishes instead of hanging", async () => {
    const name = "hdoc-backend-review-codepipeline";
    const cfn = new CloudFormationClient(sdk());
    const Parameters = [["Stage", "dev"], ["GithubOwner", "/100DaysOfCloud/Backend/GithubOwner"], ["GithubRepo", "/100DaysOfCloud/Backend/GithubRepo"], ["GithubConnectionArn", "/100DaysOfCloud/Backend/GithubConnectionArn"]].map(([ParameterKey, ParameterValue]) => ({ ParameterKey, ParameterValue }));
    const TemplateBody = readFileSync(path.join(REPO_ROOT, "cicd/pipeline.template.yml"), "utf8");
    const cs = await cfn.send(new CreateChangeSetCommand({ StackName: name, ChangeSetName: "answered-no", ChangeSetType: "CREATE", TemplateBody, Parameters, Capabilities: ["CAPABILITY_IAM"] }));
    await cfn.send(new DeleteChangeSetCommand({ ChangeSetName: cs.Id, StackName: name }));
    const args = ["--stage", "dev", "--stack-name", name, "--endpoint-url", viaMoto.url];
    const status = await runHdoc(["pipeline", "status", ...args, "--json"], { home: h.home });
    expect(status.exitCode).toBe(11);
    expect(JSON.parse(status.stdout)).toMatchObject({ status: "REVIEW_IN_PROGRESS", state: "not-deployed", healthy: false, exitCode: 11 });
    const r = await runHdoc(["pipeline", "deploy", ...args, "--yes", "--timeout", "30s"], { home: h.home, timeoutMs: 45_000 });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/CREATE_COMPLETE in \d+s/);
  });

  it("rejects a bad --parameter-overrides before calling AWS (exit 2)", async () => {
    const r = await deploy(["--stage", "dev", "--parameter-overrides", "NoEquals"]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('error: --parameter-overrides: "NoEquals" is not in a form the SAM CLI reads');
  });
});

describe("hdoc pipeline deploy against the CloudFormation replay endpoint", () => {
  it("streams per-resource events once each, in order, and reports failed resources with reasons (exit 7)", async () => {
    replay.load("createFails");
    const r = await deploy(["--stage", "dev", "--yes"], viaReplay.url);
    expect(r.exitCode, r.stderr).toBe(7);
    const events = r.stderr.split("\n").filter((l) => /^\d\d:\d\d:\d\d /.test(l)).map((l) => l.split(/\s+/).slice(2, 5).join(" ")); // time, n/N, status, type, logical id
    expect(events).toEqual([
      "CREATE_IN_PROGRESS AWS::CloudFormation::Stack hdoc-backend-dev-codepipeline",
      "CREATE_IN_PROGRESS AWS::S3::Bucket ArtifactsBucket",
      "CREATE_IN_PROGRESS AWS::CodeBuild::Project CodeBuildProject",
      "CREATE_COMPLETE AWS::S3::Bucket ArtifactsBucket",
      "CREATE_FAILED AWS::CodeBuild::Project CodeBuildProject",
      "CREATE_FAILED AWS::CodePipeline::Pipeline Pipeline",
      "ROLLBACK_IN_PROGRESS AWS::CloudFormation::Stack hdoc-backend-dev-codepipeline",
      "DELETE_COMPLETE AWS::S3::Bucket ArtifactsBucket",
      "ROLLBACK_COMPLETE AWS::CloudFormation::Stack hdoc-backend-dev-codepipeline",
    ]);
    expect(r.stderr).toMatch(/failed resources:\n.*\n.*\nCodeBuildProject +AWS::CodeBuild::Project +CREATE_FAILED +Resource handler returned/);
    expect(r.stderr).toContain(CODEBUILD_REASON);
    expect(r.stderr).toContain(`error: deploy of stack hdoc-backend-dev-codepipeline failed: CodeBuildProject CREATE_FAILED: ${CODEBUILD_REASON}`);
    expect(r.stderr).toContain("hint: the stack is ROLLBACK_COMPLETE");
    expect(replay.calls.filter((c) => c === "DescribeStackEvents").length).toBeGreaterThan(3); // paged with NextToken
    expect(replay.created[0]).toMatchObject({ type: "CREATE", capabilities: ["CAPABILITY_IAM"], parameters: { Stage: "dev", GithubRepo: "/100DaysOfCloud/Backend/GithubRepo" }, tags: { project: "hdoc", stage: "dev" } });
  });

  it("explains a ROLLBACK_COMPLETE stack and refuses to delete it without --yes (exit 8)", async () => {
    replay.load("rolledBack");
    const r = await deploy(["--stage", "dev", "--no-confirm-changeset"], viaReplay.url);
    expect(r.exitCode).toBe(8);
    expect(r.stderr).toContain("is in ROLLBACK_COMPLETE: its first creation failed");
    expect(replay.calls).not.toContain("DeleteStack");
  });

  it("deletes and recreates a ROLLBACK_COMPLETE stack once confirmed, then prints the outputs (--json too)", async () => {
    replay.load("rolledBack");
    const r = await deploy(["--stage", "dev", "--yes", "--json"], viaReplay.url);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(replay.calls.indexOf("DeleteStack")).toBeLessThan(replay.calls.indexOf("CreateChangeSet"));
    expect(JSON.parse(r.stdout)).toMatchObject({ result: "executed", changeSetType: "CREATE", status: "CREATE_COMPLETE", outputs: { ArtifactsBucket: "hdoc-backend-dev-codepipeline-artifactsbucket-1abc" } });
    replay.load("rolledBack");
    const text = await deploy(["--stage", "dev", "--yes"], viaReplay.url);
    expect(text.stdout).toMatch(/^ArtifactsBucket +hdoc-backend-dev-codepipeline-artifactsbucket-1abc +Encrypted/m);
  });

  it("reports a FAILED \"didn't contain changes\" change set as no changes, deletes it, exit 0", async () => {
    replay.load("noChanges");
    const r = await deploy(["--stage", "dev", "--yes"], viaReplay.url);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toContain("no changes (UPDATE_COMPLETE)");
    expect(replay.calls).toContain("DeleteChangeSet");
    expect(replay.calls).not.toContain("ExecuteChangeSet");
  });
});

describe("cicd/pipeline.template.yml", () => {
  it("passes cfn-lint", async () => {
    const r = await execa("cfn-lint", [path.join(REPO_ROOT, "cicd/pipeline.template.yml")], { reject: false });
    expect(r.stdout + r.stderr).toBe("");
    expect(r.exitCode).toBe(0);
  });
});
