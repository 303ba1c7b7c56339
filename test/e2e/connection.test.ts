/**
 * The GitHub connection end to end: `hdoc pipeline connection`, the check `hdoc pipeline deploy`
 * makes first, the migration of a stack built on the old token template, and
 * `hdoc codebuild reset-credentials --auth-type CODECONNECTIONS` (and the SecureString rule of the
 * token path). The built binary, a temporary HOME with an `mfa` profile, and one --endpoint-url:
 * the loopback CodeBuild endpoint -> the loopback CodeConnections endpoint -> moto.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { cpSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { execa } from "execa";
import { CloudFormationClient, DescribeStacksCommand, GetTemplateCommand } from "@aws-sdk/client-cloudformation";
import { DeleteParameterCommand, PutParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { REPO_ROOT, runHdoc, tempHome, type HdocResult } from "../helpers/hdoc.ts";
import { startMoto, type Moto } from "../helpers/moto.ts";
import { startCodeConnectionsEndpoint, type CodeConnectionsEndpoint } from "../helpers/codeconnections-endpoint.ts";
import { startCodeBuildEndpoint, type CodeBuildEndpoint } from "../helpers/codebuild-endpoint.ts";

const KEYS = { accessKeyId: "AKIACONNECTIONTEST01", secretAccessKey: "connection-secret-key" };
const TOKEN = "tok-legacy-3e9a51c07d24b8f6";
const PARAM = "/100DaysOfCloud/Backend/GithubConnectionArn";
const TOKEN_PARAM = "/100DaysOfCloud/Backend/GithubTokenS";
const CB_ARN = "arn:aws:codebuild:us-east-1:123456789012:token/github";
const CONSOLE = "https://us-east-1.console.aws.amazon.com/codesuite/settings/connections?region=us-east-1";
const h = tempHome();
let moto: Moto;
let conn: CodeConnectionsEndpoint;
let cb: CodeBuildEndpoint;
let arn: string;
const printed: string[] = [];

const sdk = () => ({ region: "us-east-1", endpoint: moto.url, credentials: KEYS });
const ssm = () => new SSMClient(sdk());
const putParam = (Name: string, Value: string, Type: "String" | "SecureString" = "String") => ssm().send(new PutParameterCommand({ Name, Value, Type, Overwrite: true }));
async function hdoc(args: string[], env: Record<string, string> = {}): Promise<HdocResult> {
  const r = await runHdoc([...args, "--endpoint-url", cb.url], { home: h.home, env, timeoutMs: 90_000 });
  printed.push(r.stdout, r.stderr);
  return r;
}
const gets = () => conn.requests.filter((r) => r.operation === "GetConnection").length;
const stackParameters = async (StackName: string) => {
  const out = await new CloudFormationClient(sdk()).send(new DescribeStacksCommand({ StackName }));
  return Object.fromEntries((out.Stacks?.[0]?.Parameters ?? []).map((p) => [p.ParameterKey, p.ParameterValue]));
};

beforeAll(async () => {
  writeFileSync(h.credentialsFile, `[mfa]\naws_access_key_id = ${KEYS.accessKeyId}\naws_secret_access_key = ${KEYS.secretAccessKey}\naws_session_token = session-token-value\n`);
  moto = await startMoto();
  conn = await startCodeConnectionsEndpoint({ proxyTo: moto.url });
  cb = await startCodeBuildEndpoint({ proxyTo: conn.url });
  await putParam("/100DaysOfCloud/Backend/GithubOwner", "100DaysOfCloud");
  await putParam("/100DaysOfCloud/Backend/GithubRepo", "100DaysOfCloud-Backend");
});

afterAll(async () => {
  await cb?.close();
  await conn?.close();
  await moto?.stop();
  h.cleanup();
});

beforeEach(async () => {
  conn.reset();
  cb.reset();
  arn = conn.seed({ status: "AVAILABLE" });
  await putParam(PARAM, arn);
});

describe("hdoc pipeline connection", () => {
  it("AVAILABLE: shows the ARN, provider, status and where the ARN came from, exit 0", async () => {
    const r = await hdoc(["pipeline", "connection", "--stage", "dev"]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout.split("\n").slice(0, 5)).toEqual([
      `connection:  ${arn}`,
      "name:        hdoc-github",
      "provider:    GitHub",
      "status:      AVAILABLE",
      `from:        SSM parameter ${PARAM} (parameter_overrides of stage dev) (stage dev, us-east-1)`,
    ]);
    expect(r.stdout).toContain("The pipeline of stage dev can read GitHub through it.");
    expect(gets()).toBe(1);
  });

  it("PENDING: says to finish the handshake, with the console URL, exit 9; --json is one document", async () => {
    conn.setStatus(arn, "PENDING");
    const r = await hdoc(["pipeline", "connection", "--stage", "dev"]);
    expect(r.exitCode).toBe(9);
    expect(r.stdout).toContain("status:      PENDING");
    expect(r.stdout).toContain("connection hdoc-github is PENDING: its one-time GitHub handshake has not been done. To finish:");
    expect(r.stdout).toContain(`  1. open ${CONSOLE} and choose hdoc-github`);
    expect(r.stdout).toContain("  2. choose Update pending connection");
    const j = await hdoc(["pipeline", "connection", "--stage", "dev", "--json"]);
    expect(j.exitCode).toBe(9);
    expect(JSON.parse(j.stdout)).toMatchObject({ stage: "dev", arn, name: "hdoc-github", provider: "GitHub", status: "PENDING", usable: false, consoleUrl: CONSOLE, steps: expect.arrayContaining(["choose Update pending connection"]) });
  });

  it("ERROR: says what broke and how to repair it, exit 9", async () => {
    conn.setStatus(arn, "ERROR");
    const r = await hdoc(["pipeline", "connection", "--stage", "dev"]);
    expect(r.exitCode).toBe(9);
    expect(r.stdout).toContain("connection hdoc-github is in ERROR: GitHub refused it, or the app was removed or lost access to the repository");
    expect(r.stdout).toContain(`console: ${CONSOLE}`);
  });

  it("a connection that does not exist (ResourceNotFoundException): exit 6 with how to create one", async () => {
    const gone = arn.replace(/[0-9a-f]{8}-/, "00000000-");
    await putParam(PARAM, gone);
    const r = await hdoc(["pipeline", "connection", "--stage", "dev"]);
    expect(r.exitCode).toBe(6);
    expect(r.stderr).toContain(`error: the GitHub connection ${gone} (SSM parameter ${PARAM} (parameter_overrides of stage dev)) does not exist in us-east-1`);
    expect(r.stderr).toContain("hint: create one (`aws codeconnections create-connection --provider-type GitHub --connection-name hdoc-github`)");
  });

  it("no SSM parameter for the ARN: exit 6 with the commands that create the connection and the parameter", async () => {
    await ssm().send(new DeleteParameterCommand({ Name: PARAM }));
    const r = await hdoc(["pipeline", "connection", "--stage", "staging"]);
    expect(r.exitCode).toBe(6);
    expect(r.stderr).toContain(`error: SSM parameter ${PARAM} (the pipeline's GithubConnectionArn, parameter_overrides of stage staging) does not exist in us-east-1`);
    expect(r.stderr).toContain(`aws ssm put-parameter --name ${PARAM} --type String --value <ConnectionArn>`);
    expect(gets()).toBe(0);
  });

  it("--wait polls until the handshake makes it AVAILABLE", async () => {
    conn.setStatus(arn, "PENDING");
    conn.setStatusAfter(arn, "AVAILABLE", 2);
    const r = await hdoc(["pipeline", "connection", "--stage", "dev", "--wait", "--interval", "1s", "--timeout", "1m"]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).toContain("connection hdoc-github: PENDING (waiting, up to 1m)");
    expect(r.stderr).toContain("connection hdoc-github: AVAILABLE");
    expect(r.stdout).toContain("status:      AVAILABLE");
    expect(gets()).toBe(3);
  });

  it("--wait gives up at --timeout, exit 9, having polled a bounded number of times", async () => {
    conn.setStatus(arn, "PENDING");
    const r = await hdoc(["pipeline", "connection", "--stage", "dev", "--wait", "--interval", "1s", "--timeout", "2s", "--json"]);
    expect(r.exitCode).toBe(9);
    expect(r.stderr).toMatch(/still PENDING after \d+s \(--timeout 2s\)/);
    expect(JSON.parse(r.stdout)).toMatchObject({ status: "PENDING", usable: false, waited: { timedOut: true } });
    expect(gets()).toBeGreaterThanOrEqual(2);
    expect(gets()).toBeLessThanOrEqual(4);
  });

  it("refuses a --connection-arn that is not a connection ARN before any call (exit 2)", async () => {
    const r = await hdoc(["pipeline", "connection", "--connection-arn", "ghp_notanarn"]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('error: "ghp_notanarn" (--connection-arn) is not a connection ARN');
    expect(conn.requests).toEqual([]);
  });
});

describe("hdoc pipeline deploy checks the connection first", () => {
  it("refuses a PENDING connection with the same advice, before any change set (exit 9)", async () => {
    conn.setStatus(arn, "PENDING");
    const r = await hdoc(["pipeline", "deploy", "--stage", "staging", "--yes"]);
    expect(r.exitCode).toBe(9);
    expect(r.stderr).toContain("error: not deploying stage staging, nothing was changed: connection hdoc-github is PENDING: its one-time GitHub handshake has not been done");
    expect(r.stderr).toContain(`hint: 1. open ${CONSOLE} and choose hdoc-github; 2. choose Update pending connection;`);
    expect(r.stderr).not.toContain("change set");
    await expect(stackParameters("hdoc-backend-staging-codepipeline")).rejects.toThrow(/does not exist/);
  });
});

describe("migrating a stack built on the token template", () => {
  let project: string;
  beforeAll(async () => {
    project = mkdtempSync(path.join(tmpdir(), "hdoc-migrate-"));
    cpSync(path.join(REPO_ROOT, "cicd"), path.join(project, "cicd"), { recursive: true });
    cpSync(path.join(REPO_ROOT, "hdoc.config.json"), path.join(project, "hdoc.config.json"));
    const old = (file: string) => execa("git", ["show", `fdaca74:cicd/${file}`], { cwd: REPO_ROOT }).then((r) => r.stdout);
    writeFileSync(path.join(project, "old.template.yml"), await old("pipeline.template.yml"));
    writeFileSync(path.join(project, "old.samconfig.toml"), await old("samconfig.toml"));
  });
  afterAll(() => rmSync(project, { recursive: true, force: true }));

  it("updates the old stack in place: the token parameter and the webhook go, the connection comes", async () => {
    await putParam(TOKEN_PARAM, TOKEN);
    const before = await runHdoc(["pipeline", "deploy", "--stage", "dev", "--yes", "--verbose", "--template", "old.template.yml", "--config-file", "old.samconfig.toml", "--endpoint-url", cb.url], { home: h.home, cwd: project });
    printed.push(before.stdout, before.stderr);
    expect(before.exitCode, before.stderr).toBe(0);
    expect(before.stderr).toContain("old.template.yml reads no GitHub connection: not checked");
    expect(Object.keys(await stackParameters("hdoc-backend-dev-codepipeline"))).toContain("GithubToken");

    const after = await runHdoc(["pipeline", "deploy", "--stage", "dev", "--yes", "--endpoint-url", cb.url], { home: h.home, cwd: project });
    printed.push(after.stdout, after.stderr);
    expect(after.exitCode, after.stderr).toBe(0);
    expect(after.stderr).toContain("GitHub connection hdoc-github: AVAILABLE");
    expect(after.stderr).toMatch(/\(UPDATE\) for stack hdoc-backend-dev-codepipeline/);
    expect(after.stdout).toContain("UPDATE_COMPLETE");
    const params = await stackParameters("hdoc-backend-dev-codepipeline");
    // AWS keeps the SSM parameter's name as ParameterValue (the ARN as ResolvedValue); moto keeps the ARN
    expect([PARAM, arn]).toContain(params.GithubConnectionArn);
    // what the change set replaces (README, "Migrating a stack built on the token template")
    expect(after.stderr).toMatch(/Modify\s+Pipeline\s+AWS::CodePipeline::Pipeline\s+False/);
    expect(after.stderr).toMatch(/Remove\s+PipelineWebhook\s+AWS::CodePipeline::Webhook/);
    // the stack now holds the connection template (moto keeps a dropped parameter's old value listed; AWS drops it)
    const held = await new CloudFormationClient(sdk()).send(new GetTemplateCommand({ StackName: "hdoc-backend-dev-codepipeline" }));
    expect(held.TemplateBody).toContain("CodeStarSourceConnection");
    expect(held.TemplateBody).not.toMatch(/GithubToken|OAuthToken/);
  });
});

describe("hdoc codebuild reset-credentials --auth-type CODECONNECTIONS", () => {
  it("imports the stage's connection as CodeBuild's GitHub credential, in the safe order", async () => {
    cb.seed({ serverType: "GITHUB", token: "old-token" });
    const r = await hdoc(["codebuild", "reset-credentials", "--auth-type", "CODECONNECTIONS", "--stage", "dev", "--yes"]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(gets()).toBe(1);
    expect(cb.requests.map((q) => q.operation)).toEqual(["ListSourceCredentials", "DeleteSourceCredentials", "ImportSourceCredentials", "ListSourceCredentials"]);
    expect(cb.requests[2]!.body).toEqual({ token: arn, serverType: "GITHUB", authType: "CODECONNECTIONS", shouldOverwrite: false });
    expect(cb.credentials()).toMatchObject([{ serverType: "GITHUB", authType: "CODECONNECTIONS", resource: arn }]);
    expect(r.stdout).toContain(`  import  the connection ${arn} (hdoc-github, AVAILABLE, from SSM parameter ${PARAM} (parameter_overrides of stage dev)) as CODECONNECTIONS for GITHUB`);
    expect(r.stdout).toMatch(new RegExp(`GITHUB\\s+CODECONNECTIONS\\s+${CB_ARN}\\s+${arn}`));
    const again = await hdoc(["codebuild", "reset-credentials", "--auth-type", "CODECONNECTIONS", "--connection-arn", arn, "--yes", "--json"]);
    expect(again.exitCode).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ outcome: "nothing-to-do", authType: "CODECONNECTIONS", deleted: [] });
  });

  it("--dry-run checks the connection and changes nothing", async () => {
    cb.seed({ serverType: "GITHUB", token: "old-token" });
    const r = await hdoc(["codebuild", "reset-credentials", "--auth-type", "CODECONNECTIONS", "--connection-arn", arn, "--dry-run"]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toContain(`  delete  ${CB_ARN} (PERSONAL_ACCESS_TOKEN)`);
    expect(r.stdout).toContain("Dry run: nothing was changed.");
    expect(cb.requests.map((q) => q.operation)).toEqual(["ListSourceCredentials"]);
    expect(cb.credentials()).toMatchObject([{ token: "old-token" }]);
  });

  it("refuses a PENDING connection before touching CodeBuild (exit 9)", async () => {
    cb.seed({ serverType: "GITHUB", token: "old-token" });
    conn.setStatus(arn, "PENDING");
    const r = await hdoc(["codebuild", "reset-credentials", "--auth-type", "CODECONNECTIONS", "--stage", "dev", "--yes"]);
    expect(r.exitCode).toBe(9);
    expect(r.stderr).toContain("error: not importing the connection, nothing was changed: connection hdoc-github is PENDING");
    expect(cb.requests).toEqual([]);
    expect(cb.credentials()).toMatchObject([{ token: "old-token" }]);
  });

  it("refuses token flags with CODECONNECTIONS, and a connection with the token path (exit 2)", async () => {
    const a = await hdoc(["codebuild", "reset-credentials", "--auth-type", "CODECONNECTIONS", "--token-env", "X"]);
    expect(a.exitCode).toBe(2);
    expect(a.stderr).toContain("error: --auth-type CODECONNECTIONS imports a connection, not a token");
    const b = await hdoc(["codebuild", "reset-credentials", "--connection-arn", arn], { GITHUB_TOKEN: TOKEN });
    expect(b.exitCode).toBe(2);
    expect(b.stderr).toContain("needs --auth-type CODECONNECTIONS");
    expect(cb.requests).toEqual([]);
  });
});

describe("the token path reads a SecureString only", () => {
  it("refuses a plain String token parameter with the command that converts it; after converting, the import works", async () => {
    await putParam(TOKEN_PARAM, TOKEN, "String");
    cb.seed({ serverType: "GITHUB", token: "old-token" });
    const r = await hdoc(["codebuild", "reset-credentials", "--auth-type", "PERSONAL_ACCESS_TOKEN", "--token-ssm-parameter", TOKEN_PARAM, "--yes"]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain(`error: SSM parameter ${TOKEN_PARAM} holds the token as a plain String: anyone allowed ssm:GetParameter can read it; nothing was changed`);
    const convert = /hint: make it a SecureString, then run this again: (.+)$/m.exec(r.stderr)?.[1];
    expect(convert).toBe(`aws ssm get-parameter --region us-east-1 --name ${TOKEN_PARAM} --query Parameter.Value --output text | tr -d '\\n' | aws ssm put-parameter --region us-east-1 --name ${TOKEN_PARAM} --type SecureString --overwrite --value file:///dev/stdin`);
    expect(cb.requests).toEqual([]);

    // the hint, run as given (pointed at moto): the token goes through the pipe only
    const converted = await execa("bash", ["-c", convert!.replaceAll("aws ssm", `aws --endpoint-url ${moto.url} ssm`)], {
      env: { PATH: process.env.PATH ?? "", HOME: h.home, AWS_ACCESS_KEY_ID: KEYS.accessKeyId, AWS_SECRET_ACCESS_KEY: KEYS.secretAccessKey },
      extendEnv: false,
      reject: false,
    });
    expect(converted.exitCode, converted.stderr).toBe(0);
    const retry = await hdoc(["codebuild", "reset-credentials", "--token-ssm-parameter", TOKEN_PARAM, "--yes"]);
    expect(retry.exitCode, retry.stderr).toBe(0);
    expect(cb.credentials()).toMatchObject([{ serverType: "GITHUB", authType: "PERSONAL_ACCESS_TOKEN", token: TOKEN }]);
  });
});

describe("secrets", () => {
  it("never printed the legacy token or the keys in any run of this file", () => {
    expect(printed.length).toBeGreaterThan(20);
    const all = printed.join("\n");
    for (const s of [TOKEN, KEYS.secretAccessKey, "session-token-value"]) expect(all).not.toContain(s);
  });
});
