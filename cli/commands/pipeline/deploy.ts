/** `hdoc pipeline deploy`: declares its options; the change-set flow is imported when it runs. */
import type { Context } from "../../context.ts";
import type { CommandDef } from "../command.ts";
import type { PipelineOptions } from "../../core/pipeline/settings.ts";
import { pipelineOptions } from "./options.ts";

export const pipelineDeploy: CommandDef<PipelineOptions> = {
  path: ["pipeline", "deploy"],
  summary: "Deploy a stage's pipeline stack through a change set",
  description:
    "Creates a change set (CREATE or UPDATE), shows it, asks before executing it (always for prod, and when " +
    "confirm_changeset is true), then streams the stack's events until it settles and prints its outputs. " +
    "Flags override the stage's section of cicd/samconfig.toml.",
  examples: [
    "hdoc pipeline deploy",
    "hdoc pipeline deploy --stage staging",
    "hdoc pipeline deploy --stage dev --parameter-overrides BuildComputeType=BUILD_GENERAL1_MEDIUM",
    "hdoc pipeline deploy --stage prod --yes --json",
  ],
  configure(cmd) {
    pipelineOptions(cmd)
      .option("--parameter-overrides <pairs>", "template parameters, SAM style: 'Key=Value Key2=\"v w\"' (merged over samconfig's)")
      .option("--capabilities <list>", "e.g. 'CAPABILITY_IAM CAPABILITY_AUTO_EXPAND' (replaces samconfig's)")
      .option("--tags <pairs>", "stack tags, 'key=value k2=\"v w\"' (merged over samconfig's)")
      .option("--s3-bucket <bucket>", "bucket for a template over 51,200 bytes (default: samconfig's s3_bucket, else the stack's ArtifactsBucket output)")
      .option("--confirm-changeset", "ask before executing the change set (samconfig's confirm_changeset)")
      .option("--no-confirm-changeset", "do not ask before executing (prod still asks unless --yes)");
  },
  async run(opts, ctx) {
    return runPipelineDeploy(opts, ctx);
  },
};

async function runPipelineDeploy(opts: PipelineOptions, ctx: Context): Promise<number> {
  const [{ preparePipeline, pipelineCloudFormation }, { s3TemplateStore }, { deploy }, { EXIT_CODES }, view] = await Promise.all([
    import("./options.ts"),
    import("../../aws/s3.ts"),
    import("../../core/pipeline/deploy.ts"),
    import("../../errors.ts"),
    import("./view.ts"),
  ]);
  const { settings, target, templateBody } = await preparePipeline(opts, ctx);
  const { io } = ctx;
  const result = await deploy(
    {
      stage: settings.stage.stage,
      stackName: settings.stackName,
      region: target.region.value,
      templateFile: settings.templateLabel,
      templateBody,
      parameters: settings.parameters,
      capabilities: settings.capabilities,
      tags: settings.tags,
      confirmChangeset: settings.confirmChangeset,
      ...(settings.s3Bucket ? { bucket: settings.s3Bucket } : {}),
      ...(settings.s3Prefix ? { bucketPrefix: settings.s3Prefix } : {}),
    },
    {
      cfn: await pipelineCloudFormation(target, ctx),
      view: view.deployView(io),
      templates: s3TemplateStore(target),
      io,
      sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
      now: () => ctx.now(),
    },
  );
  if (io.json) {
    io.result({ ...result, outputs: Object.fromEntries(result.outputs.map((o) => [o.key, o.value])) });
    return EXIT_CODES.OK;
  }
  const what = result.result === "no-changes" ? `no changes (${result.status})` : result.status;
  io.out(`stack ${result.stackName}: ${what} (stage ${result.stage}, ${result.region})`);
  io.out(view.outputsTable(result.outputs));
  return EXIT_CODES.OK;
}
