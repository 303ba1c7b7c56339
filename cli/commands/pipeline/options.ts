/**
 * What `hdoc pipeline deploy` and `hdoc pipeline status` share: their options, and the step that turns
 * them into settings and an AWS target (it imports the AWS modules, so it is itself loaded lazily).
 */
import type { Command } from "commander";
import type { Context } from "../../context.ts";
import type { AwsTarget } from "../../aws/clients.ts";
import type { PipelineOptions, PipelineSettings } from "../../core/pipeline/settings.ts";

/** Options shared by `pipeline deploy` and `pipeline status`. */
export function pipelineOptions(cmd: Command): Command {
  return cmd
    .option("--stage <stage>", "dev, staging or prod (default: from the git branch: dev->dev, staging->staging, main->prod, else dev)")
    .option("--template <file>", "pipeline template (default: cicd/pipeline.template.yml in the project)")
    .option("--config-file <file>", "SAM config file with a [<stage>.deploy.parameters] section (default: cicd/samconfig.toml)")
    .option("--stack-name <name>", "stack name (default: samconfig's stack_name, else hdoc-backend-<stage>-codepipeline)");
}

const SECRET_PARAM = /token|secret|password/i;

export async function preparePipeline(opts: PipelineOptions, ctx: Context): Promise<{ settings: PipelineSettings; target: AwsTarget; templateBody: string }> {
  const [{ describeTarget, sessionTarget }, { readTemplate, regionWithSamconfig, resolvePipeline }] = await Promise.all([import("../../aws/clients.ts"), import("../../core/pipeline/settings.ts")]);
  const settings = await resolvePipeline(opts, ctx);
  const templateBody = await readTemplate(settings);
  const base = await sessionTarget(ctx);
  const target: AwsTarget = { ...base, region: regionWithSamconfig(base.region, settings.samRegion) };
  ctx.io.verbose(describeTarget(target));
  return { settings, target, templateBody };
}

/** The CloudFormation adapter, with parameters that look secret masked in all output. */
export async function pipelineCloudFormation(target: AwsTarget, ctx: Context) {
  const { cloudFormationApi } = await import("../../aws/cloudformation.ts");
  return cloudFormationApi(target, { onParameter: (key, value) => SECRET_PARAM.test(key) && ctx.io.redactor.add(value) });
}
