/** The work of `hdoc mfa login`, loaded only when it runs (it brings in the STS client). */
import type { Context } from "../../context.ts";
import type { MfaLoginOptions } from "./login-command.ts";
import { parseDuration, SESSION_DURATION } from "../../core/mfa/duration.ts";
import { login } from "../../core/mfa/session.ts";
import { clientConfig, describeTarget, endpointFrom, resolveRegion, type AwsTarget } from "../../aws/clients.ts";
import { stsApi } from "../../aws/sts.ts";
import { formatDuration, formatLocal } from "../../ui/time.ts";
import { refuseGlobalProfile, sessionFiles, sourceProfile, targetProfile } from "./profiles.ts";

export async function runMfaLogin(opts: MfaLoginOptions, ctx: Context): Promise<number> {
  const { io } = ctx;
  refuseGlobalProfile(ctx, "mfa login");
  const durationSeconds = parseDuration(opts.duration, { flag: "--duration", ...SESSION_DURATION });
  const minRemainingSeconds = parseDuration(opts.minRemaining, { flag: "--min-remaining", minSeconds: 0, maxSeconds: SESSION_DURATION.maxSeconds });
  const source = await sourceProfile(ctx, opts.sourceProfile);
  const target = await targetProfile(ctx, opts.targetProfile);
  const endpoint = endpointFrom(ctx);

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
        const t: AwsTarget = { region: await resolveRegion(ctx, source.value), profile: source, credentials, ...(endpoint ? { endpoint } : {}) };
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
