import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseCapabilities, parseKeyValues, parseSamConfig } from "./samconfig.ts";
import { STAGES } from "./stage.ts";

const repoFile = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../cicd/samconfig.toml");

describe("cicd/samconfig.toml", () => {
  const cfg = parseSamConfig(readFileSync(repoFile, "utf8"), repoFile);
  it.each(STAGES.map((s) => [s]))("has a complete [%s.deploy.parameters] section", (stage) => {
    const s = cfg.envs[stage]!;
    expect(s.stackName).toBe(`hdoc-backend-${stage}-codepipeline`);
    expect(s.region).toBe("us-east-1");
    expect(s.confirmChangeset).toBe(true);
    expect(s.capabilities).toEqual(["CAPABILITY_IAM"]);
    expect(s.parameterOverrides).toEqual({
      Stage: stage,
      GithubOwner: "/100DaysOfCloud/Backend/GithubOwner",
      GithubRepo: "/100DaysOfCloud/Backend/GithubRepo",
      GithubConnectionArn: "/100DaysOfCloud/Backend/GithubConnectionArn",
    });
    expect(s.tags).toEqual({ project: "hdoc", stage });
  });
});

describe("parseKeyValues (SAM's parameter_overrides / tags forms)", () => {
  it.each([
    ["plain", "Stage=dev Size=small", { Stage: "dev", Size: "small" }],
    ["double quotes with spaces", 'Name="v w" B=x', { Name: "v w", B: "x" }],
    ["single quotes", "Name='a b'", { Name: "a b" }],
    ["escaped quote", 'Q="say \\"hi\\""', { Q: 'say "hi"' }],
    ["empty value", 'E="" F=', { E: "", F: "" }],
    ["= inside a value", "Url=https://x/?a=b", { Url: "https://x/?a=b" }],
    ["extra whitespace", "  A=1\n\tB=2  ", { A: "1", B: "2" }],
    ["list form", ["A=1", 'B="two words"'], { A: "1", B: "two words" }],
  ])("parses the %s form", (_what, input, expected) => {
    expect(parseKeyValues(input as string | string[], "f: k")).toEqual(expected);
  });

  it.each([
    ["a word without =", "Stage", /f: k: expected Key=Value, got "Stage"/],
    ["an unterminated quote", 'A="open', /unterminated quote in the value of A/],
    ["text glued to a quoted value", 'A="x"y', /expected a space after the quoted value of A/],
    ["an empty key", "=x", /expected Key=Value/],
  ])("rejects %s, naming file and key", (_what, input, pattern) => {
    expect(() => parseKeyValues(input, "f: k")).toThrow(pattern);
  });
});

describe("parseSamConfig", () => {
  it("reads list forms, merges global parameters under deploy parameters, ignores SAM's other keys", () => {
    const cfg = parseSamConfig(
      `version = 0.1
[default.global.parameters]
region = "eu-west-1"
[dev.global.parameters]
region = "eu-west-2"
profile = "mfa"
[dev.deploy.parameters]
stack_name = "a"
capabilities = ["CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"]
parameter_overrides = ["Stage=dev", "X=\\"y z\\""]
tags = ["k=v"]
resolve_s3 = true
s3_bucket = "b"
s3_prefix = "backend/dev"
role_arn = "arn:aws:iam::123456789012:role/deployer"
confirm_changeset = false
`,
      "s.toml",
    );
    expect(cfg.envs.dev).toEqual({
      stackName: "a",
      region: "eu-west-2",
      confirmChangeset: false,
      capabilities: ["CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"],
      parameterOverrides: { Stage: "dev", X: "y z" },
      tags: { k: "v" },
      s3Bucket: "b",
      s3Prefix: "backend/dev",
      roleArn: "arn:aws:iam::123456789012:role/deployer",
    });
    expect(cfg.envs.default).toEqual({ region: "eu-west-1" });
  });

  it.each([
    ["bad TOML", "version = ", /s\.toml is not valid TOML/],
    ["no version", "[dev.deploy.parameters]\nstack_name='a'", /s\.toml: version is missing/],
    ["a wrong version", "version = 1.0", /s\.toml: version must be 0\.1/],
    ["a bad region", "version = 0.1\n[dev.deploy.parameters]\nregion = 'mars'", /s\.toml: \[dev\.deploy\.parameters\] region must be an AWS region/],
    ["a bad stack name", "version = 0.1\n[dev.deploy.parameters]\nstack_name = 'has space'", /\[dev\.deploy\.parameters\] stack_name must be a stack name/],
    ["a non-boolean confirm_changeset", "version = 0.1\n[dev.deploy.parameters]\nconfirm_changeset = 'yes'", /confirm_changeset must be true or false/],
    ["an unknown capability", "version = 0.1\n[prod.deploy.parameters]\ncapabilities = 'CAPABILITY_ALL'", /\[prod\.deploy\.parameters\] capabilities: unknown capability "CAPABILITY_ALL"/],
    ["a numeric parameter_overrides", "version = 0.1\n[dev.deploy.parameters]\nparameter_overrides = 3", /parameter_overrides must be a string or a list of strings/],
    ["a broken override", "version = 0.1\n[staging.deploy.parameters]\nparameter_overrides = 'Stage'", /s\.toml: \[staging\.deploy\.parameters\] parameter_overrides: expected Key=Value/],
    ["a deploy table without parameters", "version = 0.1\n[dev.deploy]\nx = 1", /\[dev\.deploy\] must hold a \[dev\.deploy\.parameters\] table/],
  ])("rejects %s with one line naming the file and key", (_what, text, pattern) => {
    expect(() => parseSamConfig(text, "s.toml")).toThrow(pattern);
  });

  it("accepts capabilities separated by spaces or commas", () => {
    expect(parseCapabilities("CAPABILITY_IAM, CAPABILITY_AUTO_EXPAND CAPABILITY_IAM", "w")).toEqual(["CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"]);
  });
});
