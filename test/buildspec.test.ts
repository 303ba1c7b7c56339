/** buildspec.yml and cicd/pipeline.template.yml must agree: what the build reads, the project sets. */
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

describe("buildspec.yml against the pipeline template", () => {
  it("reads only environment variables the CodeBuild project sets (or CodeBuild itself provides)", () => {
    const project = Object.values(resources).find((r) => r.Type === "AWS::CodeBuild::Project")!;
    const env = (project.Properties.Environment as { EnvironmentVariables: Array<{ Name: string }> }).EnvironmentVariables.map((v) => v.Name);
    const used = new Set([...commands.matchAll(/\$\{?([A-Z][A-Z0-9_]+)/g)].map((m) => m[1]!));
    for (const v of ["STAGE", "ARTIFACTS_BUCKET", "CFN_EXECUTION_ROLE_ARN"]) expect(commands).toContain(v);
    const missing = [...used].filter((v) => !env.includes(v) && !v.startsWith("CODEBUILD_"));
    expect(missing).toEqual([]);
  });

  it("deploys a stack name the CodeBuild role may deploy, and passes the execution role", () => {
    const stackName = /--stack-name "([^"]+)"/.exec(commands)?.[1];
    expect(stackName).toBe("hdoc-backend-$STAGE");
    const role = JSON.stringify(resources.CodeBuildServiceRole?.Properties);
    expect(role).toContain("stack/hdoc-backend-${Stage}/*");
    expect(commands).toMatch(/--role-arn "\$CFN_EXECUTION_ROLE_ARN"/);
  });
});
