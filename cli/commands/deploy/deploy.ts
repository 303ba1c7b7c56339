/** `hdoc deploy --stage S`: build, package and deploy the backend's nested stacks through a change set. */
import type { CommandDef } from "../command.ts";
import type { DeployOptions } from "../../core/deploy/settings.ts";
import { backendOptions } from "./options.ts";

export const deployCommand: CommandDef<DeployOptions> = {
  path: ["deploy"],
  summary: "Build, package and deploy the backend (root and nested stacks) through a change set",
  description:
    "Builds the functions (nothing to do when the build is current), zips each one deterministically and uploads it to the " +
    "stage's artifacts bucket under its SHA-256 only when that key is not there yet, uploads the nested templates pointing at it, " +
    "then creates a change set with the nested stacks included, shows what changes inside each nested stack, asks (prod always, " +
    "else when confirm_changeset is true; --yes answers), executes it and follows the events of every stack. No SAM CLI needed.",
  examples: [
    "hdoc deploy --stage dev",
    "hdoc deploy --stage dev --yes --json",
    "hdoc deploy --stage staging --no-execute",
    "hdoc deploy --stage prod --s3-bucket my-artifacts --role-arn arn:aws:iam::123456789012:role/deployer",
  ],
  configure(cmd) {
    backendOptions(cmd)
      .option("--confirm-changeset", "ask before executing the change set (samconfig's confirm_changeset; the default)")
      .option("--no-confirm-changeset", "do not ask before executing (prod still asks unless --yes)")
      .option("--no-execute", "show the change set and stop, as `hdoc diff` does")
      .option("--keep", "with --no-execute: keep the change set instead of deleting it");
  },
  async run(opts, ctx) {
    const { runBackend } = await import("./run.ts");
    return runBackend({ ...opts, execute: opts.execute !== false }, ctx);
  },
};
