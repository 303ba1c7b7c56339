/** `hdoc diff --stage S`: the nested preview of what `hdoc deploy` would change, executing nothing. */
import type { CommandDef } from "../command.ts";
import type { DeployOptions } from "../../core/deploy/settings.ts";
import { backendOptions } from "./options.ts";

export const diffCommand: CommandDef<DeployOptions> = {
  path: ["diff"],
  summary: "Show what `hdoc deploy` would change, inside every nested stack, without executing it",
  description:
    "Builds and packages like `hdoc deploy` (unchanged code is not uploaded again), creates the change set with the nested stacks " +
    "included and prints every change inside each one (stack, action, logical id, type, replacement). The change set is deleted " +
    "afterwards unless --keep. Exit 0 whether or not there are changes.",
  examples: ["hdoc diff --stage dev", "hdoc diff --stage prod --json", "hdoc diff --stage staging --keep"],
  configure(cmd) {
    backendOptions(cmd).option("--keep", "keep the change set (to execute it later in the console) instead of deleting it");
  },
  async run(opts, ctx) {
    const { runBackend } = await import("./run.ts");
    return runBackend({ ...opts, execute: false }, ctx);
  },
};
