import type { CommandDef } from "../../context.ts";
import type { PipelineOptions } from "../../core/pipeline/settings.ts";
import { pipelineOptions } from "./deploy.ts";

export const pipelineStatus: CommandDef<PipelineOptions> = {
  path: ["pipeline", "status"],
  summary: "Show a stage's pipeline stack, outputs and drift",
  description: "Prints the stack's status, last update and outputs, and whether the local template differs from the deployed one.\nExit 0 when the stack is usable, 9 when it is rolled back or failed, 6 when it does not exist.",
  examples: ["hdoc pipeline status", "hdoc pipeline status --stage prod --json"],
  configure(cmd) {
    pipelineOptions(cmd);
  },
  async run(opts, ctx) {
    const { runPipelineStatus } = await import("./run.ts");
    return runPipelineStatus(opts, ctx);
  },
};
