/**
 * What `hdoc pipeline deploy|diff|status` share: their options, the commands their messages point to,
 * and the step that turns options into settings and an AWS target (it imports the AWS modules, so it
 * is itself loaded lazily).
 */
import type { Command } from "commander";
import type { Context } from "../../context.ts";
import type { AwsTarget } from "../../aws/clients.ts";
import type { PipelineOptions, PipelineSettings } from "../../core/pipeline/settings.ts";

/** Options shared by every pipeline command. */
export function pipelineOptions(cmd: Command): Command {
  return cmd
    .option("--stage <stage>", "dev, staging or prod (default: staging on git branch staging, else dev; prod only when given)")
    .option("--template <file>", "pipeline template (default: cicd/pipeline.template.yml in the project)")
    .option("--config-file <file>", "SAM config file with a [<stage>.deploy.parameters] section (default: cicd/samconfig.toml)")
    .option("--stack-name <name>", "stack name (default: samconfig's stack_name, else hdoc-backend-<stage>-codepipeline)")
    .option("--timeout <duration>", "bound on each wait: 90s, 20m, 2h (default 60m; making a change set: at most 15m)");
}

/** Options of the commands that make a change set (deploy, diff). */
export function changeSetOptions(cmd: Command): Command {
  return cmd
    .option("--parameter-overrides <pairs>", "template parameters, SAM style: 'Key=Value Key2=\"v w\"' (merged over samconfig's)")
    .option("--capabilities <list>", "e.g. 'CAPABILITY_IAM CAPABILITY_AUTO_EXPAND' (replaces samconfig's)")
    .option("--tags <pairs>", "stack tags, 'key=value k2=\"v w\"' (merged over samconfig's)")
    .option("--s3-bucket <bucket>", "bucket for a template over 51,200 bytes (default: samconfig's s3_bucket, else the stack's ArtifactsBucket output)");
}

/** The commands messages point to, for a stage. */
export const pipelineCommands = (stage: string) => ({ watch: `hdoc pipeline status --stage ${stage} --watch`, deploy: `hdoc pipeline deploy --stage ${stage}` });

const SECRET_PARAM = /token|secret|password/i;
export const isSecretParameter = (key: string): boolean => SECRET_PARAM.test(key);

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
  return cloudFormationApi(target, { onParameter: (key, value) => isSecretParameter(key) && ctx.io.redactor.add(value) });
}

/** A sleep that ends early when the signal aborts (Ctrl-C), so waits stop at once. */
export function abortableSleep(signal: AbortSignal): (ms: number) => Promise<void> {
  return (ms) =>
    new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener("abort", done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      if (signal.aborted) done();
      else signal.addEventListener("abort", done, { once: true });
    });
}
