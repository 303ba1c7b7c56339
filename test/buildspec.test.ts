/** buildspec.yml and cicd/pipeline.template.yml must agree: what the build reads, the project sets; what it calls, the role allows. */
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import path from "node:path";
import { parse } from "yaml";
import { parseTemplate } from "../cli/core/cfn/templates.ts";
import { REPO_ROOT } from "./helpers/hdoc.ts";

const buildspec = parse(readFileSync(path.join(REPO_ROOT, "buildspec.yml"), "utf8")) as { phases: Record<string, { commands: string[] }> };
const pipeline = parseTemplate(readFileSync(path.join(REPO_ROOT, "cicd/pipeline.template.yml"), "utf8"), "pipeline.template.yml");
const resources = pipeline.Resources as Record<string, { Type: string; Properties: Record<string, unknown> }>;
const commands = Object.values(buildspec.phases).flatMap((p) => p.commands).join("\n");

interface Statement { Sid?: string; Effect: string; Action: string | string[]; Resource: unknown; Condition?: unknown }
const statements = () => {
  const role = resources.CodeBuildServiceRole!.Properties as { Policies: Array<{ PolicyDocument: { Statement: Statement[] } }> };
  return role.Policies.flatMap((p) => p.PolicyDocument.Statement);
};
const actions = (s: Statement) => (Array.isArray(s.Action) ? s.Action : [s.Action]);
const allowed = (prefix: string) => new Set(statements().filter((s) => s.Effect === "Allow").flatMap(actions).filter((a) => a.startsWith(prefix)));
const source = (rel: string) => readFileSync(path.join(REPO_ROOT, rel), "utf8");

describe("buildspec.yml against the pipeline template", () => {
  it("reads only environment variables the CodeBuild project sets (or CodeBuild itself provides)", () => {
    const project = Object.values(resources).find((r) => r.Type === "AWS::CodeBuild::Project")!;
    const env = (project.Properties.Environment as { EnvironmentVariables: Array<{ Name: string }> }).EnvironmentVariables.map((v) => v.Name);
    const used = new Set([...commands.matchAll(/\$\{?([A-Z][A-Z0-9_]+)/g)].map((m) => m[1]!));
    for (const v of ["STAGE", "ARTIFACTS_BUCKET", "CFN_EXECUTION_ROLE_ARN"]) expect(commands).toContain(v);
    const missing = [...used].filter((v) => !env.includes(v) && !v.startsWith("CODEBUILD_"));
    expect(missing).toEqual([]);
  });

  it("installs, tests, then deploys, naming no function folder (hdoc finds the functions in the templates)", () => {
    expect(buildspec.phases.install!.commands).toContain("npm ci");
    expect(buildspec.phases.pre_build!.commands).toContain("npm test");
    expect(JSON.stringify(buildspec)).not.toMatch(/functions\//);
  });

  it("deploys with hdoc (bucket and role from the environment the project sets), and needs no SAM CLI", () => {
    expect(buildspec.phases.build!.commands).toEqual(['npx hdoc deploy --stage "$STAGE" --yes']);
    expect(commands).not.toMatch(/(^|[\s;&|])sam\s/m);
    const env = ((Object.values(resources).find((r) => r.Type === "AWS::CodeBuild::Project")!.Properties.Environment as { EnvironmentVariables: Array<{ Name: string; Value: unknown }> }).EnvironmentVariables);
    expect(env.find((v) => v.Name === "ARTIFACTS_BUCKET")?.Value).toEqual({ Ref: "ArtifactsBucket" });
    expect(env.find((v) => v.Name === "CFN_EXECUTION_ROLE_ARN")?.Value).toEqual({ "Fn::GetAtt": ["CloudFormationExecutionRole", "Arn"] });
    // hdoc deploy reads exactly these two variables (cli/core/deploy/settings.ts)
    const settings = source("cli/core/deploy/settings.ts");
    expect(settings).toContain("env.ARTIFACTS_BUCKET");
    expect(settings).toContain("env.CFN_EXECUTION_ROLE_ARN");
  });

  it("lets the CodeBuild role make exactly the CloudFormation calls hdoc deploy makes, on the stage's backend stacks only", () => {
    const adapter = source("cli/aws/cloudformation.ts");
    const made = new Set([...adapter.matchAll(/call\("(\w+)"/g)].map((m) => `cloudformation:${m[1]}`));
    // GetTemplate is `hdoc pipeline status` only; ListStackResources reads the pipeline stack when neither the
    // environment (CodeBuild sets it) nor its outputs name the bucket and role, which never happens in the build
    made.delete("cloudformation:GetTemplate");
    made.delete("cloudformation:ListStackResources");
    expect([...allowed("cloudformation:")].sort()).toEqual([...made].sort());
    const deploy = statements().find((s) => s.Sid === "DeployStageStacks")!;
    expect(JSON.stringify(deploy.Resource)).toContain("stack/hdoc-backend-${Stage}/*");
    expect(JSON.stringify(deploy.Resource)).toContain("stack/hdoc-backend-${Stage}-*/*");
    const deny = statements().find((s) => s.Effect === "Deny" && actions(s).includes("cloudformation:*"))!;
    expect(JSON.stringify(deny.Resource)).toContain("stack/${AWS::StackName}/*");
  });

  it("lets it put packaged objects only under backend/<stage>/ (HeadObject needs GetObject, and ListBucket for a 404)", () => {
    const s3 = source("cli/aws/s3.ts");
    expect(s3).toContain("HeadObjectCommand");
    expect(s3).toContain("PutObjectCommand");
    expect([...allowed("s3:")].sort()).toEqual(["s3:GetObject", "s3:GetObjectVersion", "s3:ListBucket", "s3:PutObject"]);
    const put = statements().filter((s) => actions(s).includes("s3:PutObject"));
    expect(put.map((s) => s.Resource)).toEqual([{ "Fn::Sub": "${ArtifactsBucket.Arn}/backend/${Stage}/*" }]);
    const settings = source("cli/core/deploy/settings.ts");
    expect(settings).toContain("`backend/${stage.stage}`");
  });

  it("lets it pass only the execution role, and only to CloudFormation", () => {
    const pass = statements().filter((s) => actions(s).includes("iam:PassRole"));
    expect(pass).toHaveLength(1);
    expect(pass[0]!.Resource).toEqual({ "Fn::GetAtt": ["CloudFormationExecutionRole", "Arn"] });
    expect(pass[0]!.Condition).toEqual({ StringEquals: { "iam:PassedToService": "cloudformation.amazonaws.com" } });
  });
});
