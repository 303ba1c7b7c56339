/**
 * The wiring of `hdoc pipeline deploy|status` (loaded only when one of them runs): settings, the AWS
 * target, the CloudFormation adapter, then the core; rendering of the result.
 */
import type { Context } from "../../context.ts";
import { EXIT_CODES } from "../../errors.ts";
import { describeTarget, sessionTarget, type AwsTarget } from "../../aws/clients.ts";
import { cloudFormationApi, s3TemplateStore } from "../../aws/cloudformation.ts";
import { deploy, renderOutputs } from "../../core/pipeline/deploy.ts";
import { stackStatus } from "../../core/pipeline/status.ts";
import { readTemplate, regionWithSamconfig, resolvePipeline, type PipelineOptions, type PipelineSettings } from "../../core/pipeline/settings.ts";
import { formatDuration, formatLocal } from "../../ui/time.ts";

const SECRET_PARAM = /token|secret|password/i;

async function prepare(opts: PipelineOptions, ctx: Context): Promise<{ settings: PipelineSettings; target: AwsTarget; templateBody: string }> {
  const settings = await resolvePipeline(opts, ctx);
  const templateBody = await readTemplate(settings);
  const base = await sessionTarget(ctx);
  const target: AwsTarget = { ...base, region: regionWithSamconfig(base.region, settings.samRegion) };
  ctx.io.verbose(describeTarget(target));
  return { settings, target, templateBody };
}

const cfnFor = (target: AwsTarget, ctx: Context) =>
  cloudFormationApi(target, { onParameter: (key, value) => SECRET_PARAM.test(key) && ctx.io.redactor.add(value) });

export async function runPipelineDeploy(opts: PipelineOptions, ctx: Context): Promise<number> {
  const { settings, target, templateBody } = await prepare(opts, ctx);
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
      cfn: cfnFor(target, ctx),
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
  io.out(renderOutputs(result.outputs));
  return EXIT_CODES.OK;
}

export async function runPipelineStatus(opts: PipelineOptions, ctx: Context): Promise<number> {
  const { settings, target, templateBody } = await prepare(opts, ctx);
  const { io } = ctx;
  const s = await stackStatus(
    { stage: settings.stage.stage, stackName: settings.stackName, region: target.region.value, templateFile: settings.templateLabel, templateBody },
    { cfn: cfnFor(target, ctx) },
  );
  const code = s.healthy ? EXIT_CODES.OK : EXIT_CODES.NOT_VALID;
  if (io.json) {
    io.result({ ...s, outputs: Object.fromEntries(s.outputs.map((o) => [o.key, o.value])) });
    return code;
  }
  const status = s.healthy ? io.color(s.status, s.status.endsWith("_IN_PROGRESS") ? "yellow" : "green") : io.color(s.status, "red");
  io.out(`stack:        ${s.stackName} (stage ${s.stage}, ${s.region})`);
  io.out(`status:       ${status}${s.statusReason ? ` (${s.statusReason})` : ""}`);
  if (s.lastUpdated) {
    const at = new Date(s.lastUpdated);
    io.out(`last update:  ${formatLocal(at)} (${formatDuration(ctx.now().getTime() - at.getTime())} ago)`);
  }
  if (s.drift.differs) {
    io.out(`template:     ${io.color("differs", "yellow")} from ${s.drift.templateFile}: run \`hdoc pipeline deploy --stage ${s.stage}\``);
    for (const d of s.drift.details) io.out(`  - ${d}`);
  } else {
    io.out(`template:     matches ${s.drift.templateFile}`);
  }
  io.out("");
  io.out(renderOutputs(s.outputs));
  return code;
}
