/**
 * The one place AWS clients are made: profile, region, endpoint, user agent and retries applied
 * the same way for every service. Imported lazily (only by commands that talk to AWS).
 */
import { loadSharedConfigFiles } from "@smithy/shared-ini-file-loader";
import { fromIni, fromNodeProviderChain } from "@aws-sdk/credential-providers";
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from "@smithy/types";
import { HdocError } from "../errors.ts";
import { DEFAULTS, resolveSetting, type Resolved } from "../core/settings.ts";
import type { Context } from "../context.ts";
import type { Redactor } from "../ui/redact.ts";

/** Wraps a credential provider so every key and token it yields is masked in hdoc's output. */
export function redacting(provider: AwsCredentialIdentityProvider, redactor: Redactor): AwsCredentialIdentityProvider {
  return async (props) => {
    const c = await provider(props);
    redactor.add(c.accessKeyId);
    redactor.add(c.secretAccessKey);
    redactor.add(c.sessionToken);
    return c;
  };
}

export interface AwsTarget {
  region: Resolved<string>;
  /** The profile credentials come from; undefined means the default chain (env vars, container, instance). */
  profile?: Resolved<string>;
  endpoint?: string;
  credentials: AwsCredentialIdentityProvider | AwsCredentialIdentity;
}

export interface ClientConfig {
  region: string;
  endpoint?: string;
  credentials: AwsCredentialIdentityProvider | AwsCredentialIdentity;
  customUserAgent: string;
  maxAttempts: number;
  /** The profile the SDK reads its own settings from (instead of AWS_PROFILE or [default]). */
  profile?: string;
  useFipsEndpoint?: boolean;
  useDualstackEndpoint?: boolean;
}

export async function sharedProfiles(): Promise<{ config: Record<string, Record<string, string | undefined>>; credentials: Record<string, Record<string, string | undefined>> }> {
  const files = await loadSharedConfigFiles({ ignoreCache: true });
  return { config: files.configFile, credentials: files.credentialsFile };
}

export function endpointFrom(ctx: Context): string | undefined {
  const e = ctx.global.endpointUrl ?? ctx.env.AWS_ENDPOINT_URL;
  if (!e) return undefined;
  try {
    const u = new URL(e);
    if (u.protocol !== "http:" && u.protocol !== "https:") throw new Error("protocol");
  } catch {
    throw new HdocError("USAGE", `--endpoint-url ${JSON.stringify(e)} is not an http(s) URL`, "e.g. --endpoint-url http://127.0.0.1:5000");
  }
  return e;
}

/** Region by precedence: --region > AWS_REGION/AWS_DEFAULT_REGION > project file > the profile's AWS config > us-east-1. */
export async function resolveRegion(ctx: Context, profileName: string | undefined): Promise<Resolved<string>> {
  const settings = await ctx.settings();
  const { config } = await sharedProfiles();
  return resolveSetting<string>(
    [
      ["flag", ctx.global.region],
      ["environment", ctx.env.AWS_REGION ?? ctx.env.AWS_DEFAULT_REGION],
      ["project file", settings.values.region],
      ["AWS config", profileName ? config[profileName]?.region : undefined],
    ],
    DEFAULTS.region,
    "region",
  );
}

/** The profile the AWS commands act with (--profile > AWS_PROFILE > project file > "mfa"), and whether it exists. */
export async function sessionProfile(ctx: Context): Promise<{ profile: Resolved<string>; exists: boolean; known: string[] }> {
  const settings = await ctx.settings();
  const profile = resolveSetting<string>(
    [
      ["flag", ctx.global.profile],
      ["environment", ctx.env.AWS_PROFILE],
      ["project file", settings.values.targetProfile],
    ],
    DEFAULTS.targetProfile,
  );
  const { config, credentials } = await sharedProfiles();
  const known = [...new Set([...Object.keys(credentials), ...Object.keys(config)])].sort();
  return { profile, exists: profile.value in credentials || profile.value in config, known };
}

/**
 * The target for commands that act on the account with the MFA session: --profile > AWS_PROFILE >
 * project file's targetProfile > "mfa". When that default profile does not exist (CodeBuild, GitHub
 * Actions) the SDK's default chain is used instead; an explicitly named missing profile is an error.
 */
export async function sessionTarget(ctx: Context): Promise<AwsTarget> {
  const { profile, exists, known } = await sessionProfile(ctx);
  const endpoint = endpointFrom(ctx);
  if (!exists) {
    if (profile.source === "flag" || profile.source === "environment") {
      throw new HdocError(
        "AUTH",
        `profile '${profile.value}' (from ${profile.source === "flag" ? "--profile" : "AWS_PROFILE"}) is not in the AWS config or credentials files`,
        known.length ? `known profiles: ${known.join(", ")}; for an MFA session run \`hdoc mfa login\`` : "run `hdoc mfa login` to create an MFA session",
      );
    }
    ctx.io.verbose(`profile '${profile.value}' not found; using the default credential chain (environment, container, instance role)`);
    const region = await resolveRegion(ctx, undefined);
    return { region, endpoint, credentials: redacting(fromNodeProviderChain(), ctx.io.redactor) };
  }
  const region = await resolveRegion(ctx, profile.value);
  return { region, profile, endpoint, credentials: redacting(fromIni({ profile: profile.value, ignoreCache: true }), ctx.io.redactor) };
}

export function clientConfig(target: AwsTarget): ClientConfig {
  return {
    region: target.region.value,
    ...(target.endpoint ? { endpoint: target.endpoint } : {}),
    credentials: target.credentials,
    customUserAgent: `hdoc/${typeof HDOC_VERSION === "string" ? HDOC_VERSION : "dev"}`,
    maxAttempts: 3,
  };
}

/** Describes the target in one --verbose line (never credentials). */
export function describeTarget(t: AwsTarget): string {
  const who = t.profile ? `profile ${t.profile.value} (${t.profile.source})` : "default credential chain";
  return `AWS: ${who}, region ${t.region.value} (${t.region.source})${t.endpoint ? `, endpoint ${t.endpoint}` : ""}`;
}
