/** `hdoc mfa login`: declares its options; the work (STS, the credentials file) is imported when it runs. */
import type { Context } from "../../context.ts";
import type { CommandDef } from "../command.ts";
import { declareSessionOptions, type SessionOptions } from "./options.ts";

export const mfaLogin: CommandDef<SessionOptions> = {
  path: ["mfa", "login"],
  summary: "Get an MFA session from STS and write it to a profile in the shared credentials file",
  description:
    "Signs STS GetSessionToken with the source profile's long-term keys and your MFA code, then writes the " +
    "temporary keys into the target profile (only that section of the file changes). A session with more " +
    "than --min-remaining left is kept without asking for a code. When the target profile has no region, " +
    "the source profile's is written to its [profile <target>] section of the AWS config file.",
  examples: [
    "hdoc mfa login",
    "hdoc mfa login --token-code 123456",
    "hdoc mfa login --source-profile alice@100daysofcloud --target-profile mfa --duration 8h",
    "hdoc mfa login --serial-number arn:aws:iam::123456789012:mfa/alice --force",
    "hdoc mfa login --update-profile mfa --duration-seconds 43200   # the AWS CLI's spellings",
    "hdoc mfa login --json --token-code 123456",
  ],
  configure: (cmd) => void declareSessionOptions(cmd),
  async run(opts, ctx) {
    return runMfaLogin(opts, ctx);
  },
};

async function runMfaLogin(opts: SessionOptions, ctx: Context): Promise<number> {
  const [{ login }, { formatDuration, formatLocal }, { loginDeps, loginInput, refuseGlobalProfile }, { sourceSts }] = await Promise.all([
    import("../../core/mfa/session.ts"),
    import("../../ui/time.ts"),
    import("./profiles.ts"),
    import("./source-sts.ts"),
  ]);
  const { io } = ctx;
  refuseGlobalProfile(ctx, "mfa login");
  const input = await loginInput(opts, ctx);
  const result = await login(input, loginDeps(ctx, "mfa login", sourceSts(ctx, input.source.value)));

  const left = result.expiration.getTime() - ctx.now().getTime();
  if (io.json) {
    io.result({
      profile: result.profile,
      expiry: result.expiration.toISOString(),
      account: result.account ?? null,
      serial: result.serialNumber ?? null,
      sourceProfile: result.sourceProfile ?? null,
      region: result.region ?? null,
      renewed: result.renewed,
      secondsLeft: Math.max(0, Math.floor(left / 1000)),
    });
  }
  io.out(`MFA session '${result.profile}' valid until ${formatLocal(result.expiration)} (${formatDuration(left)} left)`);
  if (!result.renewed) io.info(`kept the current session (more than ${formatDuration(input.minRemainingSeconds * 1000)} left); --force gets a new one`);
  else io.info(`use it with --profile ${result.profile} (e.g. aws s3 ls --profile ${result.profile}), or run a command in it: hdoc mfa exec -- <command>`);
  return 0;
}
