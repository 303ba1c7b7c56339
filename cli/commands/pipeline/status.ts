/** `hdoc pipeline status`: the stack, its outputs and drift (read-only). */
import type { Context } from "../../context.ts";
import type { CommandDef } from "../command.ts";
import type { PipelineOptions } from "../../core/pipeline/settings.ts";
import { pipelineOptions } from "./options.ts";

export const pipelineStatus: CommandDef<PipelineOptions> = {
  path: ["pipeline", "status"],
  summary: "Show a stage's pipeline stack, outputs and drift",
  description: "Prints the stack's status, last update and outputs, and whether the local template differs from the deployed one.\nExit 0 when the stack is usable, 9 when it is rolled back or failed, 6 when it does not exist.",
  examples: ["hdoc pipeline status", "hdoc pipeline status --stage prod --json"],
  configure(cmd) {
    pipelineOptions(cmd);
  },
  async run(opts, ctx) {
    return runPipelineStatus(opts, ctx);
  },
};

async function runPipelineStatus(opts: PipelineOptions, ctx: Context): Promise<number> {
  const [{ preparePipeline, pipelineCloudFormation }, { stackStatus }, { EXIT_CODES }, { formatDuration, formatLocal }, { outputsTable }] = await Promise.all([
    import("./options.ts"),
    import("../../core/pipeline/status.ts"),
    import("../../errors.ts"),
    import("../../ui/time.ts"),
    import("./view.ts"),
  ]);
  const { settings, target, templateBody } = await preparePipeline(opts, ctx);
  const { io } = ctx;
  const s = await stackStatus(
    { stage: settings.stage.stage, stackName: settings.stackName, region: target.region.value, templateFile: settings.templateLabel, templateBody },
    { cfn: await pipelineCloudFormation(target, ctx) },
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
  io.out(outputsTable(s.outputs));
  return code;
}
