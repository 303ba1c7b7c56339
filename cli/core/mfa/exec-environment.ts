/**
 * The environment `hdoc mfa exec` gives its child: the session's keys, region and expiry (the names
 * the AWS CLI, the SDKs and aws-vault use), and nothing that would make the child pick other
 * credentials over them (a profile or older keys from the parent's environment).
 */
import type { StaticCredentials } from "./session.ts";

/** Variables that would override or contradict the session's, removed from what the child inherits. */
export const OVERRIDING_VARIABLES = ["AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_CREDENTIAL_EXPIRATION"] as const;

export function childEnvironment(parent: NodeJS.ProcessEnv, session: { credentials: Required<StaticCredentials>; expiration: Date }, region: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(parent)) if (v !== undefined && !(OVERRIDING_VARIABLES as readonly string[]).includes(k)) env[k] = v;
  env.AWS_ACCESS_KEY_ID = session.credentials.accessKeyId;
  env.AWS_SECRET_ACCESS_KEY = session.credentials.secretAccessKey;
  env.AWS_SESSION_TOKEN = session.credentials.sessionToken;
  env.AWS_CREDENTIAL_EXPIRATION = session.expiration.toISOString();
  env.AWS_REGION = region;
  env.AWS_DEFAULT_REGION = region;
  return env;
}
