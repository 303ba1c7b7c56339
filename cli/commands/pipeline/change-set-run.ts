/**
 * Runs the change-set flow for `hdoc pipeline deploy` and `hdoc pipeline diff`: settings in, the live
 * view and Ctrl-C wired (through ctx.onInterrupt), the result rendered (one summary line and the
 * outputs, the preview, or one JSON document).
 */
import type { Context } from "../../context.ts";
import type { PipelineOptions } from "../../core/pipeline/settings.ts";
import type { DeployResult } from "../../core/pipeline/deploy.ts";
import { EXIT_CODES } from "../../errors.ts";
import { formatElapsed } from "../../ui/time.ts";
import { isSecretParameter, pipelineCloudFormation, pipelineCommands, preparePipeline } from "./options.ts";
import { outputsTable, previewText } from "./view.ts";
import { withLiveDeploy } from "./live-deploy.ts";

export interface ChangeSetCommandOptions extends PipelineOptions {
  /** --no-execute / --no-execute-changeset */
  execute?: boolean;
  executeChangeset?: boolean;
  keep?: boolean;
}

export async function runChangeSet(opts: ChangeSetCommandOptions, ctx: Context, mode: "deploy" | "preview"): Promise<number> {
  const [{ deploy }, { changeSetDescription }] = await Promise.all([import("../../core/pipeline/deploy.ts"), import("../../core/pipeline/preflight.ts")]);
  const { settings, target, templateBody } = await preparePipeline(opts, ctx);
  const { io } = ctx;
  // the stage's GitHub connection must be usable before any change set is made
  if (mode === "deploy") await (await import("./connection.ts")).requireConnection(settings, templateBody, target, ctx);
  const stage = settings.stage.stage;
  const commands = pipelineCommands(stage);
  const preview = mode === "preview" ? { keep: Boolean(opts.keep) } : undefined;
  const result: DeployResult = await withLiveDeploy(ctx, { stackName: settings.stackName, commands, showChangeSet: !preview }, async (live) =>
    deploy(
      {
        stage,
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
        ...(preview ? { preview } : {}),
        timeoutMs: settings.timeoutMs,
        commands,
        description: changeSetDescription(mode === "preview" ? "pipeline diff" : "pipeline deploy"),
        isSecret: isSecretParameter,
      },
      {
        cfn: await pipelineCloudFormation(target, ctx),
        // @aws-sdk/client-s3 is a fifth of a deploy's start-up: loaded only for a template over the inline limit
        templates: { upload: async (bucket, key, body) => (await import("../../aws/s3.ts")).s3TemplateStore(target).upload(bucket, key, body) },
        io,
        ...live,
      },
    ),
  );
  if (io.json) {
    io.result({ ...result, outputs: Object.fromEntries(result.outputs.map((o) => [o.key, o.value])) });
    return EXIT_CODES.OK;
  }
  const where = `(stage ${result.stage}, ${result.region})`;
  if (result.result === "preview") {
    if (result.changeSetName) {
      io.out(previewText({ name: result.changeSetName, type: result.changeSetType ?? "UPDATE", stackName: result.stackName, changes: result.changes, parameters: result.parameterChanges, tags: result.tagChanges }));
      io.out("");
    }
    io.out(
      result.kept
        ? `change set ${result.changeSetName} kept on stack ${result.stackName} ${where}: execute it with \`aws cloudformation execute-change-set --stack-name ${result.stackName} --change-set-name ${result.changeSetName}\``
        : `nothing executed: change set deleted ${where}; deploy it with \`${commands.deploy}\``,
    );
    return EXIT_CODES.OK;
  }
  if (result.result === "no-changes") io.out(`stack ${result.stackName}: no changes (${result.status}) ${where}`);
  else io.out(`stack ${result.stackName}: ${result.status} in ${formatElapsed(result.durationMs)} ${where}`);
  io.out(outputsTable(result.outputs));
  return EXIT_CODES.OK;
}
