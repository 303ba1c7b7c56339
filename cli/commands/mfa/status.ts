/** `hdoc mfa status`: reads the credentials file only (no AWS call, no AWS SDK module). */
import type { Context } from "../../context.ts";
import type { CommandDef } from "../command.ts";

const DEFAULT_TARGET = "mfa";

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
    return runMfaStatus(opts, ctx);
  },
};

async function runMfaStatus(opts: MfaStatusOptions, ctx: Context): Promise<number> {
  const [{ HdocError }, { sessionsIn }, { table }, { formatDuration, formatLocal }, { refuseGlobalProfile, sessionFiles, targetProfile }] =
    await Promise.all([import("../../errors.ts"), import("../../core/mfa/sessions.ts"), import("../../ui/table.ts"), import("../../ui/time.ts"), import("./profiles.ts")]);
  const { io } = ctx;
  refuseGlobalProfile(ctx, "mfa status");
  const target = await targetProfile(ctx, opts.targetProfile);
  const files = sessionFiles(ctx, "mfa status");
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

  // the exact command that fixes it: the default target needs no flag
  const fix = `run \`hdoc mfa login${target.value === DEFAULT_TARGET ? "" : ` --target-profile ${target.value}`}\``;
  if (!selected) {
    throw new HdocError("NOT_VALID", `no MFA session in profile '${target.value}'`, fix);
  }
  if (!selected.valid) {
    const why = selected.secondsLeft > 0 ? "is missing its keys" : "has expired";
    throw new HdocError("NOT_VALID", `the MFA session in profile '${target.value}' ${why}`, fix);
  }
  io.info(`MFA session '${target.value}' valid until ${formatLocal(selected.expiration)} (${formatDuration(selected.secondsLeft * 1000)} left)`);
  return 0;
}
