import type { CommandDef, Context } from "../../context.ts";

export interface MfaStatusOptions {
  targetProfile?: string;
}

export const mfaStatus: CommandDef<MfaStatusOptions> = {
  path: ["mfa", "status"],
  summary: "Show the MFA sessions hdoc wrote and their time left",
  description:
    "Lists the profiles of the shared credentials file that carry hdoc's expiry. Exits 0 when the selected " +
    "profile (--target-profile, default 'mfa') holds a valid session, 9 when it is expired or missing.",
  examples: ["hdoc mfa status", "hdoc mfa status --target-profile mfa-prod", "hdoc mfa status --json", "hdoc mfa status >/dev/null || hdoc mfa login"],
  configure(cmd) {
    cmd.option("--target-profile <name>", "the session profile to check (default: HDOC_TARGET_PROFILE, hdoc.config.json, 'mfa')");
  },
  async run(opts, ctx) {
    const { runMfaStatus } = await import("./status.ts");
    return runMfaStatus(opts, ctx as Context);
  },
};
