/**
 * The options `hdoc mfa login` and `hdoc mfa exec` share, declared cheaply (commander only). The AWS
 * CLI v2 spellings are accepted too: `--update-profile` for --target-profile and `--duration-seconds`
 * for --duration, as in `aws configure mfa-login`.
 */
import { Option, type Command } from "commander";

export interface SessionOptions {
  sourceProfile?: string;
  targetProfile?: string;
  updateProfile?: string;
  serialNumber?: string;
  tokenCode?: string;
  duration?: string;
  durationSeconds?: string;
  minRemaining: string;
  force?: boolean;
}

export function declareSessionOptions(cmd: Command): Command {
  return cmd
    .option("--source-profile <name>", "profile with your IAM user's long-term keys (default: HDOC_SOURCE_PROFILE, hdoc.config.json, 'default')")
    .option("--target-profile <name>", "profile the session is written to (default: HDOC_TARGET_PROFILE, hdoc.config.json, 'mfa'; alias --update-profile)")
    .addOption(new Option("--update-profile <name>", "same as --target-profile (the AWS CLI's name)").hideHelp())
    .option("--serial-number <arn>", "MFA device (default: mfa_serial of the source profile, else derived from your IAM user)")
    .option("--token-code <code>", "the 6-digit code from your MFA device, spaces allowed ('123 456'; asked for when omitted)")
    .option("--duration <duration>", "session length: seconds or 12h / 90m, from 15m to 36h (default: 12h; alias --duration-seconds)")
    .addOption(new Option("--duration-seconds <seconds>", "same as --duration (the AWS CLI's name)").hideHelp())
    .option("--min-remaining <duration>", "keep an existing session with more than this left", "15m")
    .option("--force", "get a new session even when the current one is still valid");
}
