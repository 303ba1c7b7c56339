import type { CommandDef, Context } from "../../context.ts";

export interface MfaLoginOptions {
  sourceProfile?: string;
  targetProfile?: string;
  serialNumber?: string;
  tokenCode?: string;
  duration: string;
  minRemaining: string;
  force?: boolean;
}

export const mfaLogin: CommandDef<MfaLoginOptions> = {
  path: ["mfa", "login"],
  summary: "Get an MFA session from STS and write it to a profile in the shared credentials file",
  description:
    "Signs STS GetSessionToken with the source profile's long-term keys and your MFA code, then writes the " +
    "temporary keys into the target profile (only that section of the file changes). A session with more " +
    "than --min-remaining left is kept without asking for a code.",
  examples: [
    "hdoc mfa login",
    "hdoc mfa login --token-code 123456",
    "hdoc mfa login --source-profile alice@100daysofcloud --target-profile mfa --duration 8h",
    "hdoc mfa login --serial-number arn:aws:iam::123456789012:mfa/alice --force",
    "hdoc mfa login --json --token-code 123456",
  ],
  configure(cmd) {
    cmd
      .option("--source-profile <name>", "profile with your IAM user's long-term keys (default: HDOC_SOURCE_PROFILE, hdoc.config.json, 'default')")
      .option("--target-profile <name>", "profile the session is written to (default: HDOC_TARGET_PROFILE, hdoc.config.json, 'mfa')")
      .option("--serial-number <arn>", "MFA device (default: mfa_serial of the source profile, else derived from your IAM user)")
      .option("--token-code <code>", "the 6-digit code from your MFA device (asked for when omitted)")
      .option("--duration <duration>", "session length: seconds or 12h / 90m, from 15m to 36h", "12h")
      .option("--min-remaining <duration>", "keep an existing session with more than this left", "15m")
      .option("--force", "get a new session even when the current one is still valid", false);
  },
  async run(opts, ctx) {
    const { runMfaLogin } = await import("./login.ts");
    return runMfaLogin(opts, ctx as Context);
  },
};
