/**
 * AWS SDK errors mapped by name to HdocErrors that say what to do next. Messages from AWS are
 * passed through the caller's redactor by Io; they never contain credential values anyway.
 */
import { HdocError } from "../errors.ts";

interface SdkLikeError {
  name?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
  $fault?: string;
}

const NETWORK_CODES = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "ETIMEDOUT", "ECONNRESET", "EHOSTUNREACH", "ENETUNREACH", "EPIPE"]);

export interface AwsCallInfo {
  /** e.g. "codebuild:DeleteSourceCredentials", named in access-denied messages. */
  action: string;
  endpoint?: string;
}

/** Maps any error thrown by an SDK call to an HdocError (HdocErrors pass through). */
export function mapAwsError(err: unknown, call: AwsCallInfo): HdocError {
  if (err instanceof HdocError) return err;
  const e = (err ?? {}) as SdkLikeError;
  const name = e.name ?? "Error";
  const msg = (e.message ?? String(err)).split("\n")[0]!.trim();
  const code = e.code ?? (err as { cause?: { code?: string } })?.cause?.code;
  const where = call.endpoint ? ` at ${call.endpoint}` : "";

  if ((code && NETWORK_CODES.has(code)) || name === "TimeoutError" || name === "RequestTimeout" || /ECONNREFUSED|ENOTFOUND|socket hang up/.test(msg)) {
    return new HdocError("NETWORK", `cannot reach the AWS endpoint${where} for ${call.action} (${code ?? name})`, "check your network, --endpoint-url and --region", { cause: err });
  }
  switch (name) {
    case "ExpiredToken":
    case "ExpiredTokenException":
    case "RequestExpired":
    case "TokenRefreshRequired":
      return new HdocError("AUTH", `the AWS session has expired (${call.action})`, "run `hdoc mfa login` for a new MFA session", { cause: err });
    case "InvalidClientTokenId":
    case "UnrecognizedClientException":
    case "InvalidAccessKeyId":
    case "SignatureDoesNotMatch":
    case "IncompleteSignature":
      return new HdocError("AUTH", `AWS rejected the credentials for ${call.action} (${name})`, "the keys are invalid or deactivated: check the profile's keys, or run `hdoc mfa login`", { cause: err });
    case "CredentialsProviderError":
      return new HdocError("AUTH", `no AWS credentials found (${msg})`, "run `hdoc mfa login`, or pass --profile with a profile that has keys", { cause: err });
    case "AccessDenied":
    case "AccessDeniedException":
    case "UnauthorizedOperation":
      return new HdocError("AWS", `access denied: ${call.action} is not allowed for these credentials (${msg})`, `grant ${call.action} to the caller, or use a profile that has it`, { cause: err });
    case "ThrottlingException":
    case "Throttling":
    case "TooManyRequestsException":
      return new HdocError("AWS", `AWS is throttling ${call.action}: ${msg}`, "wait a moment and retry", { cause: err });
    case "ResourceNotFoundException":
    case "ParameterNotFound":
    case "NoSuchEntity":
    case "NoSuchBucket":
      return new HdocError("NOT_FOUND", `${call.action}: not found (${msg})`, undefined, { cause: err });
    case "InvalidInputException":
    case "ValidationError":
    case "ValidationException":
    case "InvalidParameterValueException":
      return new HdocError("AWS", `${call.action} rejected the request: ${msg}`, undefined, { cause: err });
  }
  const status = e.$metadata?.httpStatusCode;
  if (status !== undefined && status >= 500) {
    return new HdocError("AWS", `the AWS endpoint${where} answered ${call.action} with HTTP ${status} (a server-side error)`, "retry in a moment; with a local endpoint, check its log", { cause: err });
  }
  return new HdocError("AWS", `${call.action} failed: ${name}${status ? ` (HTTP ${status})` : ""}: ${msg}`, undefined, { cause: err });
}

/** Runs one SDK call, mapping its failure. */
export async function awsCall<T>(call: AwsCallInfo, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw mapAwsError(e, call);
  }
}
