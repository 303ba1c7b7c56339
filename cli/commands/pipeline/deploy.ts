/** `hdoc pipeline deploy`: declares its options; the change-set flow is imported when it runs. */
import type { CommandDef } from "../command.ts";
import type { ChangeSetCommandOptions } from "./change-set-run.ts";
import { changeSetOptions, pipelineOptions } from "./options.ts";

export const pipelineDeploy: CommandDef<ChangeSetCommandOptions> = {
  path: ["pipeline", "deploy"],
  summary: "Deploy a stage's pipeline stack through a change set",
  description:
    "Creates a change set (CREATE or UPDATE), shows it (resources, parameters old -> new, tags), asks before " +
    "executing it (always for prod, and when confirm_changeset is true), then follows the stack's events until " +
    "it settles and prints its outputs. Prod is deployed only with --stage prod. A deploy that needs a " +
    "confirmation it cannot get (no terminal, no --yes) is refused before any AWS call; a busy stack is " +
    "refused; every wait is bounded (--timeout). Ctrl-C stops at a safe point, tidies this run's change set " +
    "and says what state the stack is in (a second Ctrl-C forces). Flags override the stage's section of " +
    "cicd/samconfig.toml.",
  examples: [
    "hdoc pipeline deploy --stage dev",
    "hdoc pipeline deploy --stage staging --no-execute",
    "hdoc pipeline deploy --stage dev --parameter-overrides BuildComputeType=BUILD_GENERAL1_MEDIUM",
    "hdoc pipeline deploy --stage prod --yes --json",
  ],
  configure(cmd) {
    changeSetOptions(pipelineOptions(cmd))
      .option("--confirm-changeset", "ask before executing the change set (samconfig's confirm_changeset)")
      .option("--no-confirm-changeset", "do not ask before executing (prod still asks unless --yes)")
      .option("--no-execute", "make the change set, show it and delete it (like hdoc pipeline diff)")
      .option("--no-execute-changeset", "the same as --no-execute (SAM's name)")
      .option("--keep", "with --no-execute: keep the change set (to execute it later or look at it in the console)");
  },
  async run(opts, ctx) {
    const { runChangeSet } = await import("./change-set-run.ts");
    return runChangeSet(opts, ctx, opts.execute === false || opts.executeChangeset === false ? "preview" : "deploy");
  },
};
