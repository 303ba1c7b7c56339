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
import type { GitRunner, Stage } from "../pipeline/stage.ts";
import { defaultStackName as pipelineStackName } from "../pipeline/settings.ts";
import { resolveStackSettings, type StackDefaults, type StackFlags, type StackSettings } from "../pipeline/stack-settings.ts";

export const BACKEND_TEMPLATE = "infra/template.yml";
export const BACKEND_CONFIG = "infra/samconfig.toml";
export const BUILD_DIR = ".hdoc/build";
/** What `sam deploy` was given in buildspec.yml: SAM's transform, nested applications, named IAM roles. */
export const BACKEND_CAPABILITIES = ["CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND", "CAPABILITY_NAMED_IAM"];

export interface DeployOptions extends StackFlags {
  s3Bucket?: string;
  s3Prefix?: string;
  roleArn?: string;
  /** false with --no-execute (and always for `hdoc diff`). */
  execute?: boolean;
  keep?: boolean;
  /** Where the build goes (default .hdoc/build in the project). */
  buildDir?: string;
}

/** A value and where it came from, for the one line saying so. */
export interface Sourced { value: string; source: "flag" | "environment" | "samconfig" | "pipeline stack" | "default" }

export interface BackendSettings extends Omit<StackSettings, "cfg"> {
  outDir: string;
  /** The stage's pipeline stack, whose outputs name the bucket and role when nothing else does. */
  pipelineStack: string;
  bucket?: Sourced;
  prefix: Sourced;
  roleArn?: Sourced;
}

export const backendStackName = (stage: Stage): string => `hdoc-backend-${stage}`;
/** The stage's pipeline stack (`hdoc pipeline deploy`'s default name). */
export { pipelineStackName };
/** The buildspec's tags, before samconfig's and --tags. */
export const defaultTags = (stage: Stage): Record<string, string> => ({ project: "100daysofcloud", stage });

const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/;
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

function first(...candidates: Array<[Sourced["source"], string | undefined]>): Sourced | undefined {
  for (const [source, value] of candidates) if (value !== undefined && value !== "") return { value, source };
  return undefined;
}

const BACKEND_DEFAULTS: StackDefaults = {
  template: BACKEND_TEMPLATE,
  config: BACKEND_CONFIG,
  stackName: backendStackName,
  capabilities: BACKEND_CAPABILITIES,
  tags: defaultTags,
  sectionRequired: "when-named",
  sectionHint: "",
};

export async function resolveBackend(opts: DeployOptions, ctx: Context, git?: GitRunner): Promise<BackendSettings> {
  const { cfg, ...common } = await resolveStackSettings(opts, BACKEND_DEFAULTS, ctx, git);
  const env = ctx.env;
  const { stage } = common;
  const prefix = first(["flag", opts.s3Prefix], ["samconfig", cfg.s3Prefix]) ?? { value: `backend/${stage.stage}`, source: "default" };
  const s: BackendSettings = {
    ...common,
    outDir: opts.buildDir ? path.resolve(ctx.cwd, opts.buildDir) : path.join(common.root, BUILD_DIR),
    pipelineStack: pipelineStackName(stage.stage),
    ...optional("bucket", first(["flag", opts.s3Bucket], ["environment", env.ARTIFACTS_BUCKET], ["samconfig", cfg.s3Bucket])),
    prefix: { ...prefix, value: prefix.value.replace(/^\/+|\/+$/g, "") },
    ...optional("roleArn", first(["flag", opts.roleArn], ["environment", env.CFN_EXECUTION_ROLE_ARN], ["samconfig", cfg.roleArn])),
  };
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
