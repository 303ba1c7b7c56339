/**
 * `hdoc deploy|diff --stage S` without the command line: refuse early what cannot be confirmed,
 * build (a no-op when current), find the artifacts bucket and execution role (settings, else the
 * stage's pipeline stack outputs), package, then hand the packaged root to the shared change-set
 * engine with nested stacks included. Returns data; the command renders it.
 */
import { HdocError } from "../../errors.ts";
import type { Io } from "../../ui/io.ts";
import type { ArtifactStore } from "../../aws/s3.ts";
import type { CloudFormationApi, TemplateStore } from "../../aws/cloudformation.ts";
import { deploy, type DeployResult, type DeployView } from "../pipeline/deploy.ts";
import type { DeployState } from "../pipeline/deploy-state.ts";
import { changeSetDescription } from "../pipeline/preflight.ts";
import { DEFAULT_TIMEOUT_MS } from "../pipeline/settings.ts";
import { packageTemplates, type PackageResult } from "./package.ts";
import { checkBucket, checkRole, type BackendSettings, type Sourced } from "./settings.ts";

export interface BuildOutcome {
  ok: boolean;
  /** The built root template (absolute), when every function is current. */
  template?: string;
  /** e.g. "0 built, 8 cached in 12 ms". */
  summary: string;
  /** The first error, when not ok. */
  error?: string;
}

export interface BackendDeployInput {
  settings: BackendSettings;
  region: string;
  /** false: stop after the preview (hdoc diff, --no-execute). */
  execute: boolean;
  /** Keep the change set of a preview instead of deleting it. */
  keep: boolean;
  /** Bound on each stack operation (default 60 minutes). */
  timeoutMs?: number;
}

export interface BackendDeps {
  build(): Promise<BuildOutcome>;
  cfn: CloudFormationApi;
  store: ArtifactStore;
  templates: TemplateStore;
  view: DeployView;
  io: Io;
  sleep(ms: number): Promise<void>;
  now(): Date;
  pollDelays?: number[];
  /** Aborted on Ctrl-C (ctx.onInterrupt): the change-set engine stops at a safe point and tidies. */
  signal?: AbortSignal;
  state?: DeployState;
}

export interface BackendResult extends DeployResult {
  bucket: string;
  prefix: string;
  roleArn?: string;
  build: string;
  package: Pick<PackageResult, "artifacts" | "templates"> & { objects: PackageResult["objects"]; ms: number };
}

const OUTPUT_BUCKET = "ArtifactsBucket";
const OUTPUT_ROLE = "CloudFormationExecutionRoleArn";
const RESOURCE_BUCKET = "ArtifactsBucket";
const RESOURCE_ROLE = "CloudFormationExecutionRole";

/**
 * Bucket and role from the settings, else from the stage's pipeline stack (only when needed): its
 * outputs, else its ArtifactsBucket and CloudFormationExecutionRole resources (a pipeline stack made
 * before those outputs existed, or by a tool that keeps no outputs).
 */
async function whereTo(s: BackendSettings, deps: BackendDeps): Promise<{ bucket: Sourced; roleArn?: Sourced }> {
  let bucket = s.bucket, roleArn = s.roleArn;
  if (bucket && roleArn) return { bucket, roleArn };
  const pipeline = await deps.cfn.describeStack(s.pipelineStack);
  if (pipeline) {
    const out = (key: string) => pipeline.outputs.find((o) => o.key === key)?.value;
    const needResources = (!bucket && !out(OUTPUT_BUCKET)) || (!roleArn && !out(OUTPUT_ROLE));
    const resources = needResources ? await deps.cfn.stackResources(s.pipelineStack) : {};
    bucket ??= sourced(out(OUTPUT_BUCKET) ?? resources[RESOURCE_BUCKET]);
    // a role's physical id is its name; its ARN is in the stack's account and partition
    const [, partition, , , account] = pipeline.stackId.split(":");
    const roleName = resources[RESOURCE_ROLE];
    roleArn ??= sourced(out(OUTPUT_ROLE) ?? (roleName && account ? `arn:${partition}:iam::${account}:role/${roleName}` : undefined));
  }
  if (!bucket) {
    throw new HdocError(
      pipeline ? "FAILED" : "NOT_FOUND",
      pipeline
        ? `pipeline stack ${s.pipelineStack} (${pipeline.status}) has no ${OUTPUT_BUCKET} output or resource, so there is no artifacts bucket for stage ${s.stage.stage}`
        : `no artifacts bucket for stage ${s.stage.stage}: pipeline stack ${s.pipelineStack} does not exist`,
      `deploy it first (\`hdoc pipeline deploy --stage ${s.stage.stage}\`), or pass --s3-bucket <bucket>`,
    );
  }
  checkBucket(bucket);
  checkRole(roleArn);
  return { bucket, ...(roleArn ? { roleArn } : {}) };
}

/** The commands the engine's messages point to for the backend stack. */
export const backendCommands = (stage: string, stackName: string) => ({
  watch: `hdoc pipeline status --stage ${stage} --stack-name ${stackName} --watch`,
  deploy: `hdoc deploy --stage ${stage}`,
});

const sourced = (value: string | undefined): Sourced | undefined => (value ? { value, source: "pipeline stack" } : undefined);

export async function deployBackend(input: BackendDeployInput, deps: BackendDeps): Promise<BackendResult> {
  const { settings: s, execute } = input;
  const { io } = deps;
  // A confirmation that cannot be given is refused before anything is built, uploaded or asked of AWS.
  const mustAsk = execute && (s.stage.stage === "prod" || s.confirmChangeset) && !io.yes;
  if (mustAsk && !io.interactive) {
    throw new HdocError("ABORTED", `deploying stage ${s.stage.stage} needs a confirmation, and this is not an interactive terminal`, `re-run with --yes to confirm, or preview first with \`hdoc diff --stage ${s.stage.stage}\``);
  }

  const built = await deps.build();
  if (!built.ok || !built.template) {
    throw new HdocError("FAILED", `the build failed (${built.summary}): ${built.error ?? "the templates were not written"}`, "fix it (`hdoc build` shows every error), then deploy again");
  }
  io.info(`build: ${built.summary}`);

  const { bucket, roleArn } = await whereTo(s, deps);
  const from = (v: Sourced, flag: string, variable: string) => (v.source === "flag" ? flag : v.source === "environment" ? `$${variable}` : v.source);
  io.info(`artifacts: s3://${bucket.value}/${s.prefix.value}${s.prefix.value ? "/" : ""} (bucket from ${from(bucket, "--s3-bucket", "ARTIFACTS_BUCKET")})`);
  if (roleArn) io.info(`execution role: ${roleArn.value} (from ${from(roleArn, "--role-arn", "CFN_EXECUTION_ROLE_ARN")})`);
  else io.warn(`no CloudFormation execution role known for stage ${s.stage.stage}: CloudFormation acts with your own credentials`);

  const started = deps.now().getTime();
  const packaged = await packageTemplates({ rootTemplate: built.template, repoRoot: s.root, bucket: bucket.value, prefix: s.prefix.value }, { store: deps.store });
  const ms = deps.now().getTime() - started;
  const a = packaged.artifacts, t = packaged.templates;
  io.info(`packaged ${a.uploaded + a.unchanged} artifact${a.uploaded + a.unchanged === 1 ? "" : "s"} (${a.uploaded} uploaded, ${a.unchanged} unchanged) and ${t.uploaded + t.unchanged} nested template${t.uploaded + t.unchanged === 1 ? "" : "s"} (${t.uploaded} uploaded, ${t.unchanged} unchanged) in ${ms} ms`);

  const result = await deploy(
    {
      stage: s.stage.stage,
      stackName: s.stackName,
      region: input.region,
      templateFile: "the packaged template",
      templateBody: packaged.templateBody,
      parameters: s.parameters,
      capabilities: s.capabilities,
      tags: s.tags,
      confirmChangeset: s.confirmChangeset,
      bucket: bucket.value,
      bucketPrefix: s.prefix.value,
      includeNestedStacks: true,
      ...(roleArn ? { roleArn: roleArn.value } : {}),
      description: changeSetDescription(execute ? "deploy" : "diff"),
      ...(execute ? {} : { preview: { keep: input.keep } }),
      timeoutMs: input.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      commands: backendCommands(s.stage.stage, s.stackName),
    },
    {
      cfn: deps.cfn, templates: deps.templates, view: deps.view, io, sleep: deps.sleep, now: deps.now,
      ...(deps.pollDelays ? { pollDelays: deps.pollDelays } : {}),
      ...(deps.signal ? { signal: deps.signal } : {}),
      ...(deps.state ? { state: deps.state } : {}),
    },
  );
  return {
    ...result,
    bucket: bucket.value,
    prefix: s.prefix.value,
    ...(roleArn ? { roleArn: roleArn.value } : {}),
    build: built.summary,
    package: { artifacts: a, templates: t, objects: packaged.objects, ms },
  };
}
