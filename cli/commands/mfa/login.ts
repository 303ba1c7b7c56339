/** `hdoc mfa login`: declares its options; the work (STS, the credentials file) is imported when it runs. */
import type { Context } from "../../context.ts";
import type { CommandDef } from "../command.ts";
import type { AwsTarget } from "../../aws/clients.ts";

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
      .option("--force", "get a new session even when the current one is still valid");
  },
  async run(opts, ctx) {
    return runMfaLogin(opts, ctx);
  },
};

async function runMfaLogin(opts: MfaLoginOptions, ctx: Context): Promise<number> {
  const [{ parseDuration, SESSION_DURATION }, { login }, { clientConfig, describeTarget, endpointFrom, resolveRegion }, { stsApi }, { formatDuration, formatLocal }, profiles] =
    await Promise.all([import("../../core/mfa/duration.ts"), import("../../core/mfa/session.ts"), import("../../aws/clients.ts"), import("../../aws/sts.ts"), import("../../ui/time.ts"), import("./profiles.ts")]);
  const { refuseGlobalProfile, sessionFiles, sourceProfile, targetProfile } = profiles;
  const { io } = ctx;
  refuseGlobalProfile(ctx, "mfa login");
  const durationSeconds = parseDuration(opts.duration, { flag: "--duration", ...SESSION_DURATION });
  const minRemainingSeconds = parseDuration(opts.minRemaining, { flag: "--min-remaining", minSeconds: 0, maxSeconds: SESSION_DURATION.maxSeconds });
  const source = await sourceProfile(ctx, opts.sourceProfile);
  const target = await targetProfile(ctx, opts.targetProfile);
  // everything about the STS client is settled before the flow starts
  const endpoint = endpointFrom(ctx);
  const region = await resolveRegion(ctx, source.value);

  const result = await login(
    {
      source,
      target,
      durationSeconds,
      minRemainingSeconds,
      force: Boolean(opts.force),
      ...(opts.serialNumber !== undefined ? { serialNumber: opts.serialNumber } : {}),
      ...(opts.tokenCode !== undefined ? { tokenCode: opts.tokenCode } : {}),
    },
    {
      now: () => ctx.now(),
      files: sessionFiles(ctx),
      interactive: io.interactive,
      async promptTokenCode(validate) {
        return io.input("MFA code (6 digits):", "--token-code", validate);
      },
      secret: (v) => io.redactor.add(v),
      note: (line) => io.info(line),
      detail: (line) => io.verbose(line),
      sts: async (credentials) => {
        const t: AwsTarget = { region, profile: source, credentials, ...(endpoint ? { endpoint } : {}) };
        io.verbose(describeTarget(t));
        return stsApi(clientConfig(t), { credentialsLabel: `source profile '${source.value}'`, ...(endpoint ? { endpoint } : {}) });
      },
    },
  );

  const left = result.expiration.getTime() - ctx.now().getTime();
  if (io.json) {
    io.result({
      profile: result.profile,
      expiry: result.expiration.toISOString(),
      account: result.account ?? null,
      serial: result.serialNumber ?? null,
      sourceProfile: result.sourceProfile ?? null,
      renewed: result.renewed,
      secondsLeft: Math.max(0, Math.floor(left / 1000)),
    });
  }
  io.out(`MFA session '${result.profile}' valid until ${formatLocal(result.expiration)} (${formatDuration(left)} left)`);
  if (!result.renewed) io.info(`kept the current session (more than ${formatDuration(minRemainingSeconds * 1000)} left); --force gets a new one`);
  else io.info(`use it with --profile ${result.profile} (e.g. aws s3 ls --profile ${result.profile})`);
  return 0;
}
