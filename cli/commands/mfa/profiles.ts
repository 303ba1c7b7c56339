/**
 * What `hdoc mfa login`, `exec` and `status` share: which profiles, which files, the login input from
 * the options. Imported lazily by those commands; free of the AWS SDK (status loads it).
 */
import os from "node:os";
import type { Context } from "../../context.ts";
import { HdocError } from "../../errors.ts";
import { DEFAULTS, resolveSetting, type Resolved } from "../../core/settings.ts";
import { configFilePath, credentialsFilePath, readProfileFile, updateProfileFile } from "../../core/mfa/credentials-file.ts";
import type { LoginDeps, LoginInput, SessionFiles } from "../../core/mfa/session.ts";
import { parseDuration, SESSION_DURATION } from "../../core/mfa/duration.ts";
import type { SessionOptions } from "./options.ts";

export function refuseGlobalProfile(ctx: Context, command: string): void {
  if (ctx.global.profile) {
    throw new HdocError(
      "USAGE",
      `hdoc ${command} does not take --profile`,
      "use --source-profile for the profile with your long-term keys and --target-profile for the session profile",
    );
  }
}

export async function sourceProfile(ctx: Context, flag: string | undefined): Promise<Resolved<string>> {
  const settings = await ctx.settings();
  return resolveSetting<string>([["flag", flag], ["environment", ctx.env.HDOC_SOURCE_PROFILE], ["project file", settings.values.sourceProfile]], DEFAULTS.sourceProfile, "sourceProfile");
}

export async function targetProfile(ctx: Context, flag: string | undefined): Promise<Resolved<string>> {
  const settings = await ctx.settings();
  return resolveSetting<string>([["flag", flag], ["environment", ctx.env.HDOC_TARGET_PROFILE], ["project file", settings.values.targetProfile]], DEFAULTS.targetProfile, "targetProfile");
}

/** Region by hdoc's precedence, the AWS config's part being `fromProfile`: --region > AWS_REGION > project file > profile > us-east-1. */
export async function regionWith(ctx: Context, fromProfile: string | undefined): Promise<Resolved<string>> {
  const settings = await ctx.settings();
  return resolveSetting<string>(
    [
      ["flag", ctx.global.region],
      ["environment", ctx.env.AWS_REGION ?? ctx.env.AWS_DEFAULT_REGION],
      ["project file", settings.values.region],
      ["AWS config", fromProfile],
    ],
    DEFAULTS.region,
  );
}

/** A flag and its AWS CLI alias: either may be given, not both with different values. */
function aliased(value: string | undefined, alias: string | undefined, flag: string, aliasFlag: string): string | undefined {
  if (value !== undefined && alias !== undefined && value !== alias) throw new HdocError("USAGE", `${flag} and ${aliasFlag} name the same thing; give one of them`);
  return value ?? alias;
}

export async function loginInput(opts: SessionOptions, ctx: Context): Promise<LoginInput> {
  const durationText = aliased(opts.duration, opts.durationSeconds, "--duration", "--duration-seconds") ?? "12h";
  const durationSeconds = parseDuration(durationText, { flag: opts.duration === undefined && opts.durationSeconds !== undefined ? "--duration-seconds" : "--duration", ...SESSION_DURATION });
  const minRemainingSeconds = parseDuration(opts.minRemaining, { flag: "--min-remaining", minSeconds: 0, maxSeconds: SESSION_DURATION.maxSeconds });
  return {
    source: await sourceProfile(ctx, opts.sourceProfile),
    target: await targetProfile(ctx, aliased(opts.targetProfile, opts.updateProfile, "--target-profile", "--update-profile")),
    durationSeconds,
    minRemainingSeconds,
    force: Boolean(opts.force),
    ...(opts.serialNumber !== undefined ? { serialNumber: opts.serialNumber } : {}),
    ...(opts.tokenCode !== undefined ? { tokenCode: opts.tokenCode } : {}),
  };
}

export function sessionFiles(ctx: Context, purpose: string): SessionFiles {
  const home = ctx.env.HOME || os.homedir();
  const credentialsPath = credentialsFilePath(ctx.env, home);
  const configPath = configFilePath(ctx.env, home);
  const update = (file: string) => (edit: (current: Buffer) => Buffer) => updateProfileFile(file, edit, { purpose, note: (line) => ctx.io.info(line), cleanup: ctx.cleanup });
  return {
    credentialsPath,
    configPath,
    readCredentials: () => readProfileFile(credentialsPath),
    readConfig: () => readProfileFile(configPath),
    updateCredentials: update(credentialsPath),
    updateConfig: update(configPath),
  };
}

/** The login dependencies every command wires the same way; `sts` is the caller's (it loads the SDK). */
export function loginDeps(ctx: Context, purpose: string, sts: LoginDeps["sts"]): LoginDeps {
  const { io } = ctx;
  return {
    now: () => ctx.now(),
    files: sessionFiles(ctx, purpose),
    interactive: io.interactive,
    promptTokenCode: (validate) => io.input("MFA code (6 digits):", "--token-code", validate),
    secret: (v) => io.redactor.add(v),
    note: (line) => io.info(line),
    warn: (line) => io.warn(line),
    detail: (line) => io.verbose(line),
    sts,
  };
}
