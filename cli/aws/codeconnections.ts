/**
 * AWS CodeConnections behind the narrow interface hdoc uses (GetConnection, ListConnections).
 *
 * The registry hdoc installs from has no `@aws-sdk/client-codeconnections`, so this is a small
 * client of the service's real protocol, as botocore's model (codeconnections 2023-12-01) gives it:
 * awsJson 1.0, `POST /`, `X-Amz-Target: com.amazonaws.codeconnections.CodeConnections_20231201.<Op>`,
 * SigV4 (`@smithy/signature-v4`, the SDK's own signer) scoped to `codeconnections`. Endpoint,
 * region and credentials come from the same AwsTarget as every SDK client. Failures are thrown as
 * SDK-shaped errors (`name` = the error type without its namespace, `$metadata.httpStatusCode`), so
 * awsCall maps them like any other service's.
 */
import { Hash } from "@smithy/hash-node";
import { SignatureV4 } from "@smithy/signature-v4";
import type { AwsTarget } from "./clients.ts";
import { awsCall } from "./errors.ts";

export const TARGET_PREFIX = "com.amazonaws.codeconnections.CodeConnections_20231201";
const CONTENT_TYPE = "application/x-amz-json-1.0";
const MAX_ATTEMPTS = 3;
const TIMEOUT_MS = 30_000;

export type ConnectionStatus = "PENDING" | "AVAILABLE" | "ERROR";

/** The service's Connection shape. */
export interface Connection {
  ConnectionName?: string;
  ConnectionArn?: string;
  ProviderType?: string;
  OwnerAccountId?: string;
  ConnectionStatus?: ConnectionStatus | string;
  HostArn?: string;
}

export interface CodeConnectionsApi {
  getConnection(input: { ConnectionArn: string }): Promise<{ Connection?: Connection }>;
  listConnections(input: { ProviderTypeFilter?: string; MaxResults?: number; NextToken?: string }): Promise<{ Connections?: Connection[]; NextToken?: string }>;
}

/** The service's public endpoint for a region (the model's rule set, standard and China partitions). */
export function defaultEndpoint(region: string): string {
  return `https://codeconnections.${region}.${region.startsWith("cn-") ? "amazonaws.com.cn" : "amazonaws.com"}`;
}

interface ServiceError extends Error {
  $metadata: { httpStatusCode: number; requestId?: string };
  $fault: "client" | "server";
}

/** An error answer as the SDK would raise it: `com.amazonaws.codeconnections#Type` or `Type:url` -> `Type`. */
export function serviceError(status: number, headers: Headers, text: string): ServiceError {
  let doc: Record<string, unknown> = {};
  try {
    doc = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // not JSON (a proxy's HTML page, an empty body): named by its status below
  }
  const raw = headers.get("x-amzn-errortype") ?? (typeof doc.__type === "string" ? doc.__type : undefined) ?? (typeof doc.code === "string" ? doc.code : undefined);
  const name = raw ? raw.split(":")[0]!.split("#").pop()! : status >= 500 ? "InternalServerException" : "UnknownError";
  const message = [doc.message, doc.Message, doc.errorMessage].find((m): m is string => typeof m === "string") ?? `HTTP ${status}`;
  const err = new Error(message) as ServiceError;
  err.name = name;
  err.$metadata = { httpStatusCode: status, ...(headers.get("x-amzn-requestid") ? { requestId: headers.get("x-amzn-requestid")! } : {}) };
  err.$fault = status >= 500 ? "server" : "client";
  return err;
}

const retryable = (e: unknown) => {
  const err = e as Partial<ServiceError>;
  if (err.$metadata) return err.$metadata.httpStatusCode >= 500 || /Throttling|TooManyRequests/.test(err.name ?? "");
  return e instanceof TypeError; // fetch's network failure (its cause has the code)
};

export function codeConnections(target: AwsTarget): CodeConnectionsApi {
  const endpoint = new URL(target.endpoint ?? defaultEndpoint(target.region.value));
  const signer = new SignatureV4({ service: "codeconnections", region: target.region.value, credentials: target.credentials, sha256: Hash.bind(null, "sha256") });
  const userAgent = `hdoc/${typeof HDOC_VERSION === "string" ? HDOC_VERSION : "dev"}`;

  async function once(operation: string, input: object): Promise<unknown> {
    const body = JSON.stringify(input);
    const signed = await signer.sign({
      method: "POST",
      protocol: endpoint.protocol,
      hostname: endpoint.hostname,
      ...(endpoint.port ? { port: Number(endpoint.port) } : {}),
      path: endpoint.pathname || "/",
      query: {},
      headers: {
        host: endpoint.host,
        "content-type": CONTENT_TYPE,
        "x-amz-target": `${TARGET_PREFIX}.${operation}`,
        "user-agent": userAgent,
      },
      body,
    });
    const res = await fetch(endpoint, { method: "POST", headers: signed.headers, body, signal: AbortSignal.timeout(TIMEOUT_MS) });
    const text = await res.text();
    if (!res.ok) throw serviceError(res.status, res.headers, text);
    return text ? JSON.parse(text) : {};
  }

  async function call<T>(operation: string, input: object): Promise<T> {
    return awsCall({ action: `codeconnections:${operation}`, endpoint: target.endpoint }, async () => {
      for (let attempt = 1; ; attempt++) {
        try {
          return (await once(operation, input)) as T;
        } catch (e) {
          if (attempt >= MAX_ATTEMPTS || !retryable(e)) throw e;
          await new Promise((r) => setTimeout(r, 100 * 2 ** attempt));
        }
      }
    });
  }

  return {
    getConnection: (input) => call("GetConnection", input),
    listConnections: (input) => call("ListConnections", input),
  };
}
