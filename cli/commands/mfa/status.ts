/** The work of `hdoc mfa status`: reads the credentials file only (no AWS call). */
import type { Context } from "../../context.ts";
import type { MfaStatusOptions } from "./status-command.ts";
import { HdocError } from "../../errors.ts";
import { sessionsIn } from "../../core/mfa/session.ts";
import { table } from "../../ui/table.ts";
import { formatDuration, formatLocal } from "../../ui/time.ts";
import { refuseGlobalProfile, sessionFiles, targetProfile } from "./profiles.ts";

export async function runMfaStatus(opts: MfaStatusOptions, ctx: Context): Promise<number> {
  const { io } = ctx;
  refuseGlobalProfile(ctx, "mfa status");
  const target = await targetProfile(ctx, opts.targetProfile);
  const files = sessionFiles(ctx);
  const sessions = sessionsIn((await files.readCredentials()) ?? "", ctx.now());
  const selected = sessions.find((s) => s.profile === target.value);

  if (io.json) {
    io.result({
      credentialsFile: files.credentialsPath,
      selected: { profile: target.value, valid: Boolean(selected?.valid), expiry: selected?.expiration.toISOString() ?? null, secondsLeft: selected?.secondsLeft ?? 0 },
      profiles: sessions.map((s) => ({
        profile: s.profile,
        valid: s.valid,
        expiry: Number.isNaN(s.expiration.getTime()) ? null : s.expiration.toISOString(),
        secondsLeft: s.secondsLeft,
        sourceProfile: s.sourceProfile ?? null,
        account: s.account ?? null,
        serial: s.serialNumber ?? null,
      })),
    });
  } else if (sessions.length === 0) {
    io.out(`no MFA sessions written by hdoc in ${files.credentialsPath}`);
  } else {
    const rows = sessions.map((s) => [
      s.profile === target.value ? `${s.profile} *` : s.profile,
      s.valid ? io.color(`${formatDuration(s.secondsLeft * 1000)} left`, "green") : io.color(s.secondsLeft > 0 ? "incomplete (keys missing)" : "expired", "red"),
      Number.isNaN(s.expiration.getTime()) ? "(unreadable)" : formatLocal(s.expiration),
      s.sourceProfile ?? "",
    ]);
    io.out(table(["PROFILE", "STATUS", "EXPIRES", "SOURCE PROFILE"], rows));
  }

  if (!selected) {
    throw new HdocError("NOT_VALID", `no MFA session in profile '${target.value}'`, "run `hdoc mfa login`");
  }
  if (!selected.valid) {
    const why = selected.secondsLeft > 0 ? "is missing its keys" : "has expired";
    throw new HdocError("NOT_VALID", `the MFA session in profile '${target.value}' ${why}`, "run `hdoc mfa login`");
  }
  io.info(`MFA session '${target.value}' valid until ${formatLocal(selected.expiration)} (${formatDuration(selected.secondsLeft * 1000)} left)`);
  return 0;
}
