/**
 * The profiles of the two shared files, read the way the AWS CLI and the SDKs read them (through
 * profile-sections.ts, not the SDK's loader): the source profile's long-term keys, its MFA device, and
 * everything its STS client is configured from, taken from that profile alone.
 */
import { HdocError } from "../../errors.ts";
import { parseProfileFile } from "./profile-sections.ts";

export type ProfileMap = Map<string, Record<string, string>>;

export interface SharedProfiles {
  credentials: ProfileMap;
  config: ProfileMap;
  credentialsPath: string;
  configPath: string;
}

export function sharedProfiles(files: { credentials?: Uint8Array; config?: Uint8Array; credentialsPath: string; configPath: string }): SharedProfiles {
  return {
    credentials: parseProfileFile(files.credentials ?? "", "credentials").profiles,
    config: parseProfileFile(files.config ?? "", "config").profiles,
    credentialsPath: files.credentialsPath,
    configPath: files.configPath,
  };
}

/** A profile's keys as the SDKs merge them: the credentials file's win over the config file's. */
export function profileKeys(p: SharedProfiles, name: string): Record<string, string> | undefined {
  const config = p.config.get(name);
  const credentials = p.credentials.get(name);
  return config || credentials ? { ...config, ...credentials } : undefined;
}

/** Profiles that can be a source: those that exist and are not sessions (no aws_session_token). */
export function sourceCandidates(p: SharedProfiles): string[] {
  const names = new Set([...p.credentials.keys(), ...p.config.keys()]);
  return [...names].filter((n) => !profileKeys(p, n)?.aws_session_token).sort();
}

export interface SourceKeys {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** Fails unless the source profile exists (named in words of where the name came from). */
export function requireSourceProfile(p: SharedProfiles, name: string, origin: string): void {
  if (profileKeys(p, name)) return;
  const known = sourceCandidates(p);
  throw new HdocError(
    "AUTH",
    `unknown source profile '${name}' (${origin}): ${known.length ? `the profiles that exist are ${known.join(", ")}` : `no profiles in ${p.credentialsPath} or ${p.configPath}`}`,
    known.length ? "pick one with --source-profile (or HDOC_SOURCE_PROFILE)" : `add your IAM user's access keys with \`aws configure --profile ${name}\``,
  );
}

export function sourceKeys(p: SharedProfiles, name: string): SourceKeys {
  const keys = profileKeys(p, name) ?? {};
  if (!keys.aws_access_key_id || !keys.aws_secret_access_key) {
    throw new HdocError(
      "AUTH",
      `source profile '${name}' has no aws_access_key_id and aws_secret_access_key`,
      `hdoc mfa login needs an IAM user's long-term access keys in that profile: \`aws configure --profile ${name}\``,
    );
  }
  return { accessKeyId: keys.aws_access_key_id, secretAccessKey: keys.aws_secret_access_key, ...(keys.aws_session_token ? { sessionToken: keys.aws_session_token } : {}) };
}

/** mfa_serial of the profile, and the file it is in (the config file first, as the AWS CLI looks). */
export function mfaSerialOf(p: SharedProfiles, name: string): { value: string; file: string } | undefined {
  const inConfig = p.config.get(name)?.mfa_serial;
  if (inConfig) return { value: inConfig, file: p.configPath };
  const inCredentials = p.credentials.get(name)?.mfa_serial;
  return inCredentials ? { value: inCredentials, file: p.credentialsPath } : undefined;
}

/** The region a profile names (config file first, then the credentials file, as botocore merges them). */
export function profileRegion(p: SharedProfiles, name: string): string | undefined {
  return p.config.get(name)?.region || p.credentials.get(name)?.region || undefined;
}

/** What an STS client for this profile is configured from: the profile's own settings, nothing of [default]. */
export interface StsProfileSettings {
  profile: string;
  region?: string;
  useFipsEndpoint: boolean;
  useDualstackEndpoint: boolean;
  endpointUrl?: string;
}

const truthy = (v: string | undefined) => v?.trim().toLowerCase() === "true";

export function stsSettings(p: SharedProfiles, name: string): StsProfileSettings {
  const keys = profileKeys(p, name) ?? {};
  const region = profileRegion(p, name);
  const ignoreEndpoints = truthy(keys.ignore_configured_endpoint_urls);
  return {
    profile: name,
    ...(region ? { region } : {}),
    useFipsEndpoint: truthy(keys.use_fips_endpoint),
    useDualstackEndpoint: truthy(keys.use_dualstack_endpoint),
    ...(keys.endpoint_url && !ignoreEndpoints ? { endpointUrl: keys.endpoint_url } : {}),
  };
}
