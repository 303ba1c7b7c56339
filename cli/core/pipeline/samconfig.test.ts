import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseCapabilities, parseParameterOverrides, parseSamConfig, parseTags } from "./samconfig.ts";
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

/**
 * parameter_overrides as the SAM CLI reads them: cases from its own unit tests
 * (tests/unit/cli/test_types.py, TestCfnParameterOverridesType) and its documented forms.
 */
describe("parameter_overrides (the SAM CLI's forms)", () => {
  it.each<[string, unknown, Record<string, string>]>([
    ["ParameterKey/ParameterValue pairs (was one wrong parameter)", "ParameterKey=KeyPairName,ParameterValue=MyKey ParameterKey=InstanceType,ParameterValue=t1.micro", { KeyPairName: "MyKey", InstanceType: "t1.micro" }],
    ["Key=Value pairs", "KeyPairName=MyKey InstanceType=t1.micro", { KeyPairName: "MyKey", InstanceType: "t1.micro" }],
    ["commas kept in bare values", "KeyPairName=MyKey, InstanceType=t1.micro,", { KeyPairName: "MyKey,", InstanceType: "t1.micro," }],
    ["a quoted key", 'ParameterKey="Key",ParameterValue=Val\\ ue', { Key: "Val ue" }],
    ["an escaped quote in a double-quoted value", 'ParameterKey="Key",ParameterValue="Val\\"ue"', { Key: 'Val"ue' }],
    ["a single-quoted value with a space", "ParameterKey='Key',ParameterValue='Val ue'", { Key: "Val ue" }],
    ["a single quote in a bare value", "ParameterKey=\"Key\",ParameterValue=Val'ue", { Key: "Val'ue" }],
    ["a double quote in a single-quoted value", "ParameterKey='Key',ParameterValue='Val\"ue'", { Key: 'Val"ue' }],
    ["an empty quoted value", 'ParameterKey=Key,ParameterValue=""', { Key: "" }],
    ["an empty long-form value (read as SAM does)", "ParameterKey=Key,ParameterValue=", { ParameterKey: "Key,ParameterValue=" }],
    ["double quotes with spaces", 'Name="v w" B=x', { Name: "v w", B: "x" }],
    ["= inside a value", "Url=https://x/?a=b", { Url: "https://x/?a=b" }],
    ["extra whitespace", "  A=1   B=2  ", { A: "1", B: "2" }],
    ["a list", ["A=1", 'B="two words"', ["C=3"]], { A: "1", B: "two words", C: "3" }],
    ["a table (SAM's schema sample)", { Stage: "dev", Count: 3n, Ratio: 1.5, Whole: 2, On: true, Subnets: ["a", "b"] }, { Stage: "dev", Count: "3", Ratio: "1.5", Whole: "2.0", On: "True", Subnets: "a,b" }],
    ["an empty string", "", {}],
  ])("reads %s", (_what, input, expected) => {
    expect(parseParameterOverrides(input, "f: k")).toEqual(expected);
  });

  it.each<[string, unknown, RegExp]>([
    ["a random string (SAM fails too)", "some string", /f: k: "some" is not in a form the SAM CLI reads/],
    ["only commas (SAM fails too)", ",,", /not in a form the SAM CLI reads/],
    ["a bad separator (SAM fails too)", "ParameterKey:Key,ParameterValue:Value", /not in a form the SAM CLI reads/],
    ["an unterminated quote", 'A="open', /not in a form the SAM CLI reads/],
    ["text the SAM CLI would silently drop", "A=1 stray B=2", /cannot read "stray" \(the SAM CLI would silently ignore it\)/],
    ["JSON with unescaped quotes (SAM reads it as '{')", 'A="{"b":"c"}"', /cannot read/],
    ["a number", 3n, /expected a string, a list or a table, got 3/],
  ])("rejects %s, naming file and key", (_what, input, pattern) => {
    expect(() => parseParameterOverrides(input, "f: k")).toThrow(pattern);
  });
});

/** tags as the SAM CLI reads them: its unit tests (TestCfnTags) and the samconfig forms. */
describe("tags (the SAM CLI's forms)", () => {
  it.each<[string, unknown, Record<string, string>]>([
    ["one pair", "a=b", { a: "b" }],
    ["a list", ["stage=int", "company:application=awesome-service", "company:department=engineering"], { stage: "int", "company:application": "awesome-service", "company:department": "engineering" }],
    ["quoted keys and values with = and punctuation", '"a+-=._:/@"="b+-=._:/@" "--c="="=d/"', { "a+-=._:/@": "b+-=._:/@", "--c=": "=d/" }],
    ["a quoted value with spaces", 'owner:name="son of anton"', { "owner:name": "son of anton" }],
    ["a quoted key (was rejected)", '"a:b"="c d"', { "a:b": "c d" }],
    ["several quoted values", 'tag1="son of anton" tag2="company abc"', { tag1: "son of anton", tag2: "company abc" }],
    ["several spaces between pairs", 'tag1="son of anton"   tag2="company abc"', { tag1: "son of anton", tag2: "company abc" }],
    ["the whole string in single quotes (was rejected)", "'tag1=\"son of anton\" tag2=\"company abc\"'", { tag1: "son of anton", tag2: "company abc" }],
    ["a long value", "a=012345678901234567890123456789 name=this-is-a-very-long-tag-value-now-it-should-not-fail", { a: "012345678901234567890123456789", name: "this-is-a-very-long-tag-value-now-it-should-not-fail" }],
    ["an empty string", "", {}],
    ["an empty list", [], {}],
  ])("reads %s", (_what, input, expected) => {
    expect(parseTags(input, "f: tags")).toEqual(expected);
  });

  it.each<[string, unknown, RegExp]>([
    ["just a string (SAM fails too)", "some string", /f: tags: "some string" is not in a form the SAM CLI reads/],
    ["a table (SAM cannot read one)", { a: "b" }, /expected key=value strings/],
  ])("rejects %s", (_what, input, pattern) => {
    expect(() => parseTags(input, "f: tags")).toThrow(pattern);
  });
});

describe("parseSamConfig", () => {
  it("merges [env.global.parameters] under [env.deploy.parameters], nothing from [default] into another environment, ignores SAM's other keys", () => {
    const cfg = parseSamConfig(
      `version = 0.1
[default.global.parameters]
region = "eu-west-1"
stack_name = "from-default"
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
    expect(cfg.envs.default).toEqual({ region: "eu-west-1", stackName: "from-default" });
  });

  it("checks only the environment in use: a problem in [prod] does not stop dev (as the SAM CLI reads only --config-env)", () => {
    const cfg = parseSamConfig("version = 0.1\n[dev.deploy.parameters]\nstack_name = 'ok'\n[prod.deploy.parameters]\nregion = 'mars'\n", "s.toml");
    expect(cfg.envs.dev).toEqual({ stackName: "ok" });
    expect(Object.keys(cfg.envs)).toEqual(["dev", "prod"]);
    expect(() => cfg.envs.prod).toThrow(/\[prod\.deploy\.parameters\] region must be an AWS region/);
  });

  it.each([
    ["0.1", 0.1], ["1.0", 1], ["0.2", 0.2],
  ])("accepts any float version SAM accepts (%s)", (text, version) => {
    expect(parseSamConfig(`version = ${text}\n`, "s.toml").version).toBe(version);
  });

  it("accepts [default.deploy] without a parameters table (was rejected)", () => {
    expect(parseSamConfig("version = 0.1\n[default.deploy]\n", "s.toml").envs.default).toEqual({});
  });

  it.each([
    ["bad TOML", "version = ", /s\.toml is not valid TOML/],
    ["no version", "[dev.deploy.parameters]\nstack_name='a'", /s\.toml: version is missing/],
    ["an integer version (SAM wants a float)", "version = 1", /s\.toml: version must be a number with a decimal point such as 0\.1, got 1/],
    ["a string version", "version = '0.1'", /version must be a number with a decimal point/],
  ])("rejects %s when the file is read", (_what, text, pattern) => {
    expect(() => parseSamConfig(text, "s.toml")).toThrow(pattern);
  });

  it.each([
    ["a bad region", "[dev.deploy.parameters]\nregion = 'mars'", /s\.toml: \[dev\.deploy\.parameters\] region must be an AWS region/],
    ["a bad stack name", "[dev.deploy.parameters]\nstack_name = 'has space'", /\[dev\.deploy\.parameters\] stack_name must be a stack name/],
    ["a numeric stack name", "[dev.deploy.parameters]\nstack_name = 12", /stack_name must be a stack name .*got 12/],
    ["a non-boolean confirm_changeset", "[dev.deploy.parameters]\nconfirm_changeset = 'yes'", /confirm_changeset must be true or false/],
    ["an unknown capability", "[dev.deploy.parameters]\ncapabilities = 'CAPABILITY_ALL'", /\[dev\.deploy\.parameters\] capabilities: unknown capability "CAPABILITY_ALL"/],
    ["a numeric parameter_overrides", "[dev.deploy.parameters]\nparameter_overrides = 3", /parameter_overrides: expected a string, a list or a table, got 3/],
    ["a broken override", "[dev.deploy.parameters]\nparameter_overrides = 'Stage'", /s\.toml: \[dev\.deploy\.parameters\] parameter_overrides: "Stage" is not in a form/],
    ["a deploy that is not a table", "dev = { deploy = 3 }", /\[dev\.deploy\] must be a table/],
  ])("rejects %s in the environment in use, naming the file and key", (_what, text, pattern) => {
    const cfg = parseSamConfig(`version = 0.1\n${text}\n`, "s.toml");
    expect(() => cfg.envs.dev).toThrow(pattern);
  });

  it("accepts capabilities separated by spaces or commas", () => {
    expect(parseCapabilities("CAPABILITY_IAM, CAPABILITY_AUTO_EXPAND CAPABILITY_IAM", "w")).toEqual(["CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"]);
  });
});

describe("files that are not UTF-8 (the SAM CLI refuses them; read as UTF-8 each bad byte would become U+FFFD in what is deployed)", () => {
  it("refuses a samconfig.toml and a pipeline template, naming the byte, line and column", async () => {
    const { mkdtempSync, rmSync, writeFileSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const { loadSamConfig } = await import("./samconfig.ts");
    const { readTemplate } = await import("./settings.ts");
    const { HdocError } = await import("../../errors.ts");
    const dir = mkdtempSync(path.join(tmpdir(), "hdoc-samconfig-"));
    const failure = async (p: Promise<unknown>) => {
      try {
        await p;
      } catch (e) {
        return e instanceof HdocError ? [e.code, e.message, e.hint] : e;
      }
      return "no error";
    };
    try {
      const toml = path.join(dir, "samconfig.toml");
      writeFileSync(toml, Buffer.from('version = 0.1\n[prod.deploy.parameters]\nparameter_overrides = "Owner=Jos\xe9"\n', "latin1"));
      expect(await failure(loadSamConfig(toml, true))).toEqual(["USAGE", `${toml}: byte 0xE9 at line 3, column 33 is not UTF-8`, "save it as UTF-8 (TOML files are UTF-8, and the SAM CLI reads samconfig.toml only as UTF-8), e.g. with iconv -f latin1 -t utf-8"]);
      writeFileSync(toml, 'version = 0.1\n[prod.deploy.parameters]\nparameter_overrides = "Owner=José"\n');
      expect((await loadSamConfig(toml, true))?.envs.prod?.parameterOverrides).toEqual({ Owner: "José" });
      const template = path.join(dir, "pipeline.yml");
      writeFileSync(template, Buffer.from("Description: caf\xe9\nResources: {}\n", "latin1"));
      const settings = { templateFile: template, templateLabel: "cicd/pipeline.yml" } as Parameters<typeof readTemplate>[0];
      expect(await failure(readTemplate(settings))).toEqual(["NOT_VALID", "template cicd/pipeline.yml: byte 0xE9 at line 1, column 17 is not UTF-8", "save it as UTF-8 (CloudFormation, cfn-lint and the SAM CLI read templates only as UTF-8), e.g. with iconv -f latin1 -t utf-8"]);
      writeFileSync(template, "Description: café\nResources: {}\n");
      expect(await readTemplate(settings)).toBe("Description: café\nResources: {}\n");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
