/**
 * What `hdoc mfa login` and `hdoc mfa status` share: which profiles, which files. Imported lazily
 * by both commands (it pulls in the credentials-file module and the shared-file loader).
 */
import os from "node:os";
import path from "node:path";
import type { Context } from "../../context.ts";
import { HdocError } from "../../errors.ts";
import { DEFAULTS, resolveSetting, type Resolved } from "../../core/settings.ts";
import { credentialsFilePath, readCredentialsFile, updateCredentialsFile } from "../../core/mfa/credentials-file.ts";
import type { SessionFiles } from "../../core/mfa/session.ts";
import { sharedProfiles } from "../../aws/clients.ts";

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

export function sessionFiles(ctx: Context): SessionFiles {
  const home = ctx.env.HOME || os.homedir();
  const credentialsPath = credentialsFilePath(ctx.env, home);
  const configFile = ctx.env.AWS_CONFIG_FILE;
  const configPath = configFile ? path.resolve(configFile.startsWith("~/") ? path.join(home, configFile.slice(2)) : configFile) : path.join(home, ".aws", "config");
  return {
    credentialsPath,
    configPath,
    profiles: () => sharedProfiles(),
    readCredentials: () => readCredentialsFile(credentialsPath),
    updateCredentials: (edit) => updateCredentialsFile(credentialsPath, edit),
  };
}
