/** `hdoc pipeline status`: the stack, what its status means, outputs and drift (read-only); --watch follows it. */
import type { CommandDef } from "../command.ts";
import type { StatusOptions } from "./status-run.ts";
import { pipelineOptions } from "./options.ts";

export const pipelineStatus: CommandDef<StatusOptions> = {
  path: ["pipeline", "status"],
  summary: "Show a stage's pipeline stack, what its status means, outputs and drift",
  description:
    "Prints the stack's status and what it means, last update and outputs, and whether the local template differs " +
    "from the deployed one. --watch follows a stack that is changing (its events, live) until it settles.\n" +
    "Exit 0 only for a stable stack (CREATE_COMPLETE, UPDATE_COMPLETE, IMPORT_COMPLETE); 10 busy (*_IN_PROGRESS), " +
    "11 nothing deployed (REVIEW_IN_PROGRESS), 9 failed (*_FAILED), 12 rolled back (ROLLBACK_*, " +
    "UPDATE_ROLLBACK_COMPLETE), 6 does not exist. --json carries the same (state, exitCode, meaning).",
  examples: ["hdoc pipeline status --stage dev", "hdoc pipeline status --stage staging --watch", "hdoc pipeline status --stage prod --json"],
  configure(cmd) {
    pipelineOptions(cmd).option("--watch", "follow the stack's events until it settles (bounded by --timeout)");
  },
  async run(opts, ctx) {
    const { runPipelineStatus } = await import("./status-run.ts");
    return runPipelineStatus(opts, ctx);
  },
};
