/** Runs `hdoc pipeline status` (and --watch) and renders it; the exit code says what state the stack is in. */
import type { Context } from "../../context.ts";
import type { PipelineOptions } from "../../core/pipeline/settings.ts";
import { EXIT_CODES, HdocError } from "../../errors.ts";
import { formatAgo, formatLocal } from "../../ui/time.ts";
import { abortableSleep, pipelineCloudFormation, pipelineCommands, preparePipeline } from "./options.ts";
import { deployView, outputsTable } from "./view.ts";

export interface StatusOptions extends PipelineOptions {
  watch?: boolean;
}

export async function runPipelineStatus(opts: StatusOptions, ctx: Context): Promise<number> {
  const [{ stackStatus }, { watchStack }, { stackState }] = await Promise.all([import("../../core/pipeline/status.ts"), import("../../core/pipeline/follow.ts"), import("../../core/pipeline/stack-state.ts")]);
  const { settings, target, templateBody } = await preparePipeline(opts, ctx);
  const { io } = ctx;
  const cfn = await pipelineCloudFormation(target, ctx);
  const stage = settings.stage.stage;
  const input = { stage, stackName: settings.stackName, region: target.region.value, templateFile: settings.templateLabel, templateBody };
  if (opts.watch) {
    const view = deployView(io, { stackName: settings.stackName, now: () => ctx.now().getTime() });
    const aborter = new AbortController();
    const off = ctx.onInterrupt({ interrupt: () => aborter.abort() });
    try {
      await watchStack({ stackName: settings.stackName, timeoutMs: settings.timeoutMs, commands: pipelineCommands(stage) }, { cfn, view, sleep: abortableSleep(aborter.signal), now: () => ctx.now(), signal: aborter.signal });
    } finally {
      off();
      view.stop();
    }
  }
  let s;
  try {
    s = await stackStatus(input, { cfn });
  } catch (e) {
    if (!(io.json && e instanceof HdocError && e.code === "NOT_FOUND")) throw e;
    io.result({ stage, stackName: settings.stackName, region: input.region, status: null, ...stackState(undefined), healthy: false });
    io.info(`error: ${e.message}`);
    return EXIT_CODES.NOT_FOUND;
  }
  if (io.json) {
    io.result({ ...s, outputs: Object.fromEntries(s.outputs.map((o) => [o.key, o.value])) });
    return s.exitCode;
  }
  const colour = s.state === "healthy" ? "green" : s.state === "busy" || s.state === "not-deployed" ? "yellow" : "red";
  io.out(`stack:        ${s.stackName} (stage ${s.stage}, ${s.region})`);
  io.out(`status:       ${io.color(s.status, colour)}${s.statusReason ? ` (${s.statusReason})` : ""}`);
  io.out(`meaning:      ${s.meaning}`);
  if (s.lastUpdated) {
    const at = new Date(s.lastUpdated);
    io.out(`last update:  ${formatLocal(at)} (${formatAgo(ctx.now().getTime() - at.getTime())})`);
  }
  if (s.drift.differs) {
    io.out(`template:     ${io.color("differs", "yellow")} from ${s.drift.templateFile}: run \`hdoc pipeline diff --stage ${s.stage}\` to see the change set`);
    for (const d of s.drift.details) io.out(`  - ${d}`);
  } else {
    io.out(`template:     matches ${s.drift.templateFile}`);
  }
  io.out("");
  io.out(outputsTable(s.outputs));
  if (s.state === "busy") io.info(`hint: follow it with \`${pipelineCommands(stage).watch}\``);
  if (s.state === "not-deployed") io.info(`hint: deploy it with \`hdoc pipeline deploy --stage ${stage}\``);
  return s.exitCode;
}
