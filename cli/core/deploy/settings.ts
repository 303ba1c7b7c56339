/**
 * What `hdoc deploy|diff` act on: the stage, the backend's stack and parameters, and where packaged
 * code goes and which role CloudFormation deploys with. Precedence for each, as everywhere in hdoc:
 * flag > environment (what the pipeline's CodeBuild project sets) > the stage's section of the
 * backend's samconfig file (`infra/samconfig.toml`, optional, the pipeline's parser) > the stage's
 * pipeline stack outputs (read later, only when still unknown) > default. No AWS here.
 */
import path from "node:path";
import { HdocError } from "../../errors.ts";
import type { Context } from "../../context.ts";
import { loadSamConfig, parseCapabilities, parseKeyValues, type StageConfig } from "../pipeline/samconfig.ts";
import { describeStage, resolveStage, type GitRunner, type ResolvedStage, type Stage } from "../pipeline/stage.ts";

export const BACKEND_TEMPLATE = "infra/template.yml";
export const BACKEND_CONFIG = "infra/samconfig.toml";
export const BUILD_DIR = ".hdoc/build";
/** What `sam deploy` was given in buildspec.yml: SAM's transform, nested applications, named IAM roles. */
export const BACKEND_CAPABILITIES = ["CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND", "CAPABILITY_NAMED_IAM"];

export interface DeployOptions {
  stage?: string;
  template?: string;
  configFile?: string;
  stackName?: string;
  parameterOverrides?: string;
  capabilities?: string;
  tags?: string;
  s3Bucket?: string;
  s3Prefix?: string;
  roleArn?: string;
  confirmChangeset?: boolean;
  /** false with --no-execute (and always for `hdoc diff`). */
  execute?: boolean;
  keep?: boolean;
  /** Where the build goes (default .hdoc/build in the project). */
  buildDir?: string;
}

/** A value and where it came from, for the one line saying so. */
export interface Sourced { value: string; source: "flag" | "environment" | "samconfig" | "pipeline stack" | "default" }

export interface BackendSettings {
  stage: ResolvedStage;
  root: string;
  /** Source root template (absolute); built into outDir before packaging. */
  templateFile: string;
  outDir: string;
  configFile?: string;
  stackName: string;
  /** The stage's pipeline stack, whose outputs name the bucket and role when nothing else does. */
  pipelineStack: string;
  samRegion?: string;
  parameters: Record<string, string>;
  capabilities: string[];
  tags: Record<string, string>;
  confirmChangeset: boolean;
  bucket?: Sourced;
  prefix: Sourced;
  roleArn?: Sourced;
}

export const backendStackName = (stage: Stage): string => `hdoc-backend-${stage}`;
export const pipelineStackName = (stage: Stage): string => `hdoc-backend-${stage}-codepipeline`;
/** The buildspec's tags, before samconfig's and --tags. */
export const defaultTags = (stage: Stage): Record<string, string> => ({ project: "100daysofcloud", stage });

const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/;
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

function first(...candidates: Array<[Sourced["source"], string | undefined]>): Sourced | undefined {
  for (const [source, value] of candidates) if (value !== undefined && value !== "") return { value, source };
  return undefined;
}

export async function resolveBackend(opts: DeployOptions, ctx: Context, git?: GitRunner): Promise<BackendSettings> {
  const stage = await resolveStage(opts.stage, ctx.cwd, git);
  ctx.io.info(describeStage(stage));
  const { root } = await ctx.settings();
  const pick = (flag: string | undefined, fallback: string) => (flag ? path.resolve(ctx.cwd, flag) : path.join(root, fallback));
  const configFile = pick(opts.configFile, BACKEND_CONFIG);
  const sam = await loadSamConfig(configFile, Boolean(opts.configFile));
  let cfg: StageConfig = {};
  if (sam) {
    const section = sam.envs[stage.stage];
    if (!section && opts.configFile) {
      throw new HdocError("USAGE", `${configFile} has no [${stage.stage}.deploy.parameters] section`, `add one, or pick another stage with --stage (present: ${Object.keys(sam.envs).join(", ") || "none"})`);
    }
    cfg = section ?? {};
  }
  const env = ctx.env;
  const s: BackendSettings = {
    stage,
    root,
    templateFile: pick(opts.template, BACKEND_TEMPLATE),
    outDir: opts.buildDir ? path.resolve(ctx.cwd, opts.buildDir) : path.join(root, BUILD_DIR),
    ...(sam ? { configFile } : {}),
    stackName: opts.stackName ?? cfg.stackName ?? backendStackName(stage.stage),
    pipelineStack: pipelineStackName(stage.stage),
    ...(cfg.region ? { samRegion: cfg.region } : {}),
    parameters: {
      Stage: stage.stage,
      ...cfg.parameterOverrides,
      ...(opts.parameterOverrides !== undefined ? parseKeyValues(opts.parameterOverrides, "--parameter-overrides") : {}),
    },
    capabilities: opts.capabilities !== undefined ? parseCapabilities(opts.capabilities, "--capabilities") : (cfg.capabilities ?? BACKEND_CAPABILITIES),
    tags: { ...defaultTags(stage.stage), ...cfg.tags, ...(opts.tags !== undefined ? parseKeyValues(opts.tags, "--tags") : {}) },
    confirmChangeset: opts.confirmChangeset ?? cfg.confirmChangeset ?? true,
    ...optional("bucket", first(["flag", opts.s3Bucket], ["environment", env.ARTIFACTS_BUCKET], ["samconfig", cfg.s3Bucket])),
    prefix: first(["flag", opts.s3Prefix], ["samconfig", cfg.s3Prefix]) ?? { value: `backend/${stage.stage}`, source: "default" },
    ...optional("roleArn", first(["flag", opts.roleArn], ["environment", env.CFN_EXECUTION_ROLE_ARN], ["samconfig", cfg.roleArn])),
  };
  s.prefix = { ...s.prefix, value: s.prefix.value.replace(/^\/+|\/+$/g, "") };
  if (!/^[A-Za-z][A-Za-z0-9-]{0,127}$/.test(s.stackName)) {
    throw new HdocError("USAGE", `stack name ${JSON.stringify(s.stackName)} is not valid`, "letters, digits and '-', starting with a letter, at most 128 characters");
  }
  if (s.parameters.Stage !== stage.stage) {
    throw new HdocError("USAGE", `parameter Stage=${s.parameters.Stage} does not match the stage being deployed (${stage.stage})`, `use --stage ${s.parameters.Stage}, or drop Stage from the overrides`);
  }
  checkBucket(s.bucket);
  checkRole(s.roleArn);
  return s;
}

const optional = <K extends string>(key: K, v: Sourced | undefined): { [P in K]?: Sourced } => (v ? ({ [key]: v } as { [P in K]: Sourced }) : {});
const where = (v: Sourced) => (v.source === "flag" ? "--s3-bucket/--role-arn" : v.source === "environment" ? "the environment" : v.source);

export function checkBucket(b: Sourced | undefined): void {
  if (b && !BUCKET.test(b.value)) throw new HdocError("USAGE", `bucket ${JSON.stringify(b.value)} (from ${where(b)}) is not a valid S3 bucket name`, "3-63 lower-case letters, digits, '.' and '-'");
}

export function checkRole(r: Sourced | undefined): void {
  if (r && !ROLE_ARN.test(r.value)) throw new HdocError("USAGE", `role ${JSON.stringify(r.value)} (from ${where(r)}) is not an IAM role ARN`, "e.g. arn:aws:iam::123456789012:role/hdoc-backend-dev-codepipeline-CloudFormationExecutionRole-ABC");
}
