/**
 * The narrow STS port hdoc uses (GetSessionToken, GetCallerIdentity) and its SDK adapter. STS's
 * errors are translated here into what the user should do next; core/mfa/session.ts never sees the SDK.
 */
import { GetCallerIdentityCommand, GetSessionTokenCommand, STSClient } from "@aws-sdk/client-sts";
import { HdocError } from "../errors.ts";
import { awsCall, mapAwsError } from "./errors.ts";
import type { ClientConfig } from "./clients.ts";

export interface SessionCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiration: Date;
}

export interface CallerIdentity {
  account: string;
  arn: string;
  userId: string;
}

export interface StsApi {
  getCallerIdentity(): Promise<CallerIdentity>;
  getSessionToken(input: { serialNumber: string; tokenCode: string; durationSeconds: number }): Promise<SessionCredentials>;
}

/** The error getSessionToken throws when STS rejects the MFA code. */
export type MfaCodeRejected = HdocError & { mfaCodeRejected: true };

export interface StsAdapterOptions {
  /** Who the credentials belong to, for error messages, e.g. "profile 'default'". */
  credentialsLabel: string;
  endpoint?: string;
}

/** Maps an STS failure; the MFA and long-term-key cases get messages specific to `hdoc mfa login`. */
export function mapStsError(err: unknown, action: string, o: StsAdapterOptions): HdocError {
  const e = err as { name?: string; message?: string };
  const name = e?.name ?? "";
  const message = (e?.message ?? "").trim();
  if (name === "AccessDenied" && /MultiFactorAuthentication failed/i.test(message)) {
    // marked, so that core/mfa can ask for another code without importing this (SDK) module
    const rejected: MfaCodeRejected = Object.assign(
      new HdocError("AUTH", "STS rejected the MFA code (wrong or already used code, or a different MFA device)", "wait for the next code on your device and run `hdoc mfa login` again; check the device with --serial-number if it keeps failing", { cause: err }),
      { mfaCodeRejected: true as const },
    );
    return rejected;
  }
  if (name === "ExpiredToken" || name === "ExpiredTokenException") {
    return new HdocError("AUTH", `the credentials of ${o.credentialsLabel} have expired (${name})`, "the source profile needs an IAM user's long-term access keys; put current keys in it (`aws configure`)", { cause: err });
  }
  if (name === "InvalidClientTokenId" || name === "SignatureDoesNotMatch" || name === "UnrecognizedClientException" || name === "InvalidAccessKeyId") {
    return new HdocError("AUTH", `AWS rejected the access keys of ${o.credentialsLabel} (${name}): they are invalid or deactivated`, "check aws_access_key_id and aws_secret_access_key of that profile, or create new access keys in IAM", { cause: err });
  }
  return mapAwsError(err, { action, ...(o.endpoint ? { endpoint: o.endpoint } : {}) });
}

export function stsApi(config: ClientConfig, o: StsAdapterOptions): StsApi {
  const client = new STSClient(config);
  const call = async <T>(action: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (e) {
      throw mapStsError(e, action, o);
    }
  };
  return {
    async getCallerIdentity() {
      const r = await call("sts:GetCallerIdentity", () => client.send(new GetCallerIdentityCommand({})));
      if (!r.Account || !r.Arn) throw new HdocError("AWS", "sts:GetCallerIdentity returned no account or ARN");
      return { account: r.Account, arn: r.Arn, userId: r.UserId ?? "" };
    },
    async getSessionToken({ serialNumber, tokenCode, durationSeconds }) {
      const r = await call("sts:GetSessionToken", () =>
        client.send(new GetSessionTokenCommand({ SerialNumber: serialNumber, TokenCode: tokenCode, DurationSeconds: durationSeconds })),
      );
      const c = r.Credentials;
      if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken || !c.Expiration) {
        throw new HdocError("AWS", "sts:GetSessionToken returned incomplete credentials");
      }
      return { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken, expiration: c.Expiration };
    },
  };
}

/**
 * The account of whoever the config's credentials belong to, for commands other than `mfa login`: STS
 * errors get the generic AWS advice here, not the source-profile advice of mapStsError.
 */
export async function callerAccount(config: ClientConfig, endpoint: string | undefined): Promise<string> {
  return (await callerIdentity(config, endpoint)).account;
}

/** Who the config's credentials belong to (generic AWS advice on errors, like callerAccount). */
export async function callerIdentity(config: ClientConfig, endpoint: string | undefined): Promise<{ account: string; arn: string }> {
  const client = new STSClient(config);
  const who = await awsCall({ action: "sts:GetCallerIdentity", endpoint }, () => client.send(new GetCallerIdentityCommand({})));
  return { account: who.Account ?? "unknown", arn: who.Arn ?? "unknown" };
}
