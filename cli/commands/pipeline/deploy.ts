import type { Command } from "commander";
import type { CommandDef } from "../../context.ts";
import type { PipelineOptions } from "../../core/pipeline/settings.ts";

/** Options shared by `pipeline deploy` and `pipeline status`. */
export function pipelineOptions(cmd: Command): Command {
  return cmd
    .option("--stage <stage>", "dev, staging or prod (default: from the git branch: dev->dev, staging->staging, main->prod, else dev)")
    .option("--template <file>", "pipeline template (default: cicd/pipeline.template.yml in the project)")
    .option("--config-file <file>", "SAM config file with a [<stage>.deploy.parameters] section (default: cicd/samconfig.toml)")
    .option("--stack-name <name>", "stack name (default: samconfig's stack_name, else hdoc-backend-<stage>-codepipeline)");
}

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
    const { runPipelineDeploy } = await import("./run.ts");
    return runPipelineDeploy(opts, ctx);
  },
};
