/**
 * cicd/pipeline.template.yml on a GitHub connection: the source action, the V2 push trigger, the
 * roles and samconfig.toml must agree with each other for every stage, and no token may be left.
 */
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import path from "node:path";
import { parseSamConfig } from "../cli/core/pipeline/samconfig.ts";
import { parseTemplate, type Json } from "../cli/core/cfn/templates.ts";
import { REPO_ROOT } from "./helpers/hdoc.ts";

const templateFile = path.join(REPO_ROOT, "cicd/pipeline.template.yml");
const templateText = readFileSync(templateFile, "utf8");
const template = parseTemplate(templateText, "pipeline.template.yml");
const samconfigFile = path.join(REPO_ROOT, "cicd/samconfig.toml");
const samconfig = parseSamConfig(readFileSync(samconfigFile, "utf8"), samconfigFile);

type Resource = { Type: string; Properties: Record<string, Json> };
type Statement = { Sid?: string; Effect: string; Action: string | string[]; Resource: Json };
const resources = template.Resources as Record<string, Resource>;
const parameters = template.Parameters as Record<string, { Type: string; Default?: string; AllowedValues?: string[]; NoEcho?: boolean }>;
const STAGES = parameters.Stage!.AllowedValues!;
const CONNECTION = { Ref: "GithubConnectionArn" };

const pipeline = resources.Pipeline!.Properties as {
  PipelineType: string;
  Stages: Array<{ Name: string; Actions: Array<{ Name: string; ActionTypeId: Record<string, string>; Configuration: Record<string, Json> }> }> | Json[];
  Triggers: Array<{ ProviderType: string; GitConfiguration: { SourceActionName: string; Push: Array<{ Branches: { Includes: Json[] } }> } }>;
};
const sourceStage = (pipeline.Stages as Array<{ Name: string; Actions: Array<{ Name: string; ActionTypeId: Record<string, string>; Configuration: Record<string, Json> }> }>)[0]!;
const sourceAction = sourceStage.Actions[0]!;

const statementsOf = (role: string): Statement[] =>
  ((resources[role]!.Properties.Policies as Array<{ PolicyDocument: { Statement: Statement[] } }>) ?? []).flatMap((p) => p.PolicyDocument.Statement);
const actionsOf = (s: Statement) => (Array.isArray(s.Action) ? s.Action : [s.Action]);
const roles = Object.entries(resources).filter(([, r]) => r.Type === "AWS::IAM::Role").map(([id]) => id);

/** Evaluates the few intrinsics the template uses (Ref to parameters, FindInMap, Sub) for one stage. */
function valueFor(stage: string, v: Json, params: Record<string, string>): Json {
  if (v === null || typeof v !== "object") return v;
  if (Array.isArray(v)) return v.map((x) => valueFor(stage, x, params));
  if ("Ref" in v) {
    const name = v.Ref as string;
    if (!(name in params)) throw new Error(`Ref ${name} is not a parameter`);
    return params[name]!;
  }
  if ("Fn::FindInMap" in v) {
    const [map, key, attr] = (v["Fn::FindInMap"] as Json[]).map((x) => valueFor(stage, x, params)) as string[];
    return (template.Mappings as Record<string, Record<string, Record<string, string>>>)[map!]![key!]![attr!]!;
  }
  if ("Fn::Sub" in v) {
    const arg = v["Fn::Sub"];
    const [text, vars] = typeof arg === "string" ? [arg, {}] : (arg as [string, Record<string, Json>]);
    const local = Object.fromEntries(Object.entries(vars).map(([k, x]) => [k, String(valueFor(stage, x, params))]));
    return text.replace(/\$\{([^}!]+)\}/g, (_m, name: string) => local[name] ?? String(valueFor(stage, { Ref: name }, params)));
  }
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, valueFor(stage, x, params)]));
}

describe("the pipeline's source is the GitHub connection", () => {
  it("uses a CodeStarSourceConnection source action on the connection parameter", () => {
    expect(sourceStage.Name).toBe("Source");
    expect(sourceAction.ActionTypeId).toEqual({ Category: "Source", Owner: "AWS", Provider: "CodeStarSourceConnection", Version: "1" });
    expect(sourceAction.Configuration.ConnectionArn).toEqual(CONNECTION);
    expect(Object.keys(sourceAction.Configuration).sort()).toEqual(["BranchName", "ConnectionArn", "FullRepositoryId", "OutputArtifactFormat"]);
    expect(parameters.GithubConnectionArn).toMatchObject({ Type: "AWS::SSM::Parameter::Value<String>", Default: "/100DaysOfCloud/Backend/GithubConnectionArn" });
  });

  it.each(STAGES.map((s) => [s]))("%s: the action, the push trigger and the CodeBuild project follow the same branch and repository", (stage) => {
    const params = { Stage: stage, GithubOwner: "octo-org", GithubRepo: "backend", GithubConnectionArn: "arn:aws:codeconnections:us-east-1:123456789012:connection/abc" };
    const branch = { dev: "dev", staging: "staging", prod: "main" }[stage];
    const config = valueFor(stage, sourceAction.Configuration, params);
    expect(config).toMatchObject({ BranchName: branch, FullRepositoryId: "octo-org/backend", ConnectionArn: params.GithubConnectionArn });
    expect(pipeline.PipelineType).toBe("V2");
    expect(pipeline.Triggers).toHaveLength(1);
    const trigger = pipeline.Triggers[0]!;
    expect(trigger.ProviderType).toBe("CodeStarSourceConnection");
    expect(trigger.GitConfiguration.SourceActionName).toBe(sourceAction.Name);
    expect(valueFor(stage, trigger.GitConfiguration.Push as unknown as Json, params)).toEqual([{ Branches: { Includes: [branch] } }]);
    const project = resources.CodeBuildProject!.Properties as { Source: { Location: Json }; SourceVersion: Json };
    expect(valueFor(stage, project.Source.Location, params)).toBe("https://github.com/octo-org/backend.git");
    expect(valueFor(stage, project.SourceVersion, params)).toBe(`refs/heads/${branch}`);
  });

  it("keeps no token: no webhook, no NoEcho parameter, no OAuthToken, no token parameter name", () => {
    expect(Object.values(resources).map((r) => r.Type)).not.toContain("AWS::CodePipeline::Webhook");
    expect(Object.entries(parameters).filter(([, p]) => p.NoEcho)).toEqual([]);
    expect(templateText).not.toMatch(/OAuthToken|GithubToken|SecretToken|ThirdParty/);
  });
});

describe("who may use the connection", () => {
  const connectionStatements = (role: string) => statementsOf(role).filter((s) => actionsOf(s).some((a) => /^(codeconnections|codestar-connections):/.test(a)));

  it("the pipeline role may UseConnection on that connection only", () => {
    const found = connectionStatements("PipelineRole");
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ Effect: "Allow", Resource: CONNECTION });
    expect(actionsOf(found[0]!).sort()).toEqual(["codeconnections:UseConnection", "codestar-connections:UseConnection"]);
  });

  it("the CodeBuild role may get the connection's short-lived token (to clone by hand), not use it for pipelines, and reads no SSM parameter", () => {
    const found = connectionStatements("CodeBuildServiceRole");
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ Effect: "Allow", Resource: CONNECTION });
    expect(actionsOf(found[0]!).sort()).toEqual(["codeconnections:GetConnection", "codeconnections:GetConnectionToken", "codestar-connections:GetConnection", "codestar-connections:GetConnectionToken"]);
    expect(statementsOf("CodeBuildServiceRole").flatMap(actionsOf).filter((a) => a.startsWith("ssm:"))).toEqual([]);
  });

  it.each(roles.map((r) => [r]))("%s: no connection permission on any other resource, no wildcard connection action", (role) => {
    for (const s of connectionStatements(role)) {
      expect(s.Resource, s.Sid).toEqual(CONNECTION);
      for (const a of actionsOf(s)) expect(a, s.Sid).not.toMatch(/\*/);
    }
    expect(statementsOf(role).filter((s) => s.Resource === "*").flatMap(actionsOf).filter((a) => /^(codeconnections|codestar-connections|\*)/.test(a))).toEqual([]);
  });
});

describe("cicd/samconfig.toml against the template", () => {
  it.each(STAGES.map((s) => [s]))("%s: overrides only parameters the template declares, and passes the connection parameter's name", (stage) => {
    const overrides = samconfig.envs[stage]!.parameterOverrides ?? {};
    expect(Object.keys(overrides).filter((k) => !(k in parameters))).toEqual([]);
    expect(overrides).toMatchObject({ Stage: stage, GithubConnectionArn: "/100DaysOfCloud/Backend/GithubConnectionArn" });
    expect(Object.keys(overrides).some((k) => /token/i.test(k))).toBe(false);
  });
});
