/** `hdoc pipeline diff`: preview a deploy (the change set it would execute), then delete it. */
import type { CommandDef } from "../command.ts";
import type { ChangeSetCommandOptions } from "./change-set-run.ts";
import { changeSetOptions, pipelineOptions } from "./options.ts";

export const pipelineDiff: CommandDef<ChangeSetCommandOptions> = {
  path: ["pipeline", "diff"],
  summary: "Show what a deploy of a stage's pipeline stack would change",
  description:
    "Creates the change set `hdoc pipeline deploy` would execute, prints its resource changes, parameter " +
    "changes (old -> new, NoEcho and secret-looking values masked) and tag changes, then deletes it (keeps it " +
    "with --keep). Executes nothing; needs no confirmation. Exit 0 whether or not there are changes.",
  examples: ["hdoc pipeline diff --stage dev", "hdoc pipeline diff --stage prod --parameter-overrides BuildComputeType=BUILD_GENERAL1_MEDIUM", "hdoc pipeline diff --stage staging --json"],
  configure(cmd) {
    changeSetOptions(pipelineOptions(cmd)).option("--keep", "keep the change set (to execute it later or look at it in the console)");
  },
  async run(opts, ctx) {
    const { runChangeSet } = await import("./change-set-run.ts");
    return runChangeSet(opts, ctx, "preview");
  },
};
