/**
 * A loopback AWS CodeConnections endpoint (moto has none), speaking the service's real protocol as
 * botocore's model (codeconnections 2023-12-01) gives it: awsJson 1.0, `POST /` with
 * `Content-Type: application/x-amz-json-1.0` and `X-Amz-Target: <prefix>.<Operation>`, where the
 * prefix is `com.amazonaws.codeconnections.CodeConnections_20231201` (botocore, the C++ SDK) or
 * `CodeConnections_20231201` (the JavaScript SDK v3); SigV4 scoped to `codeconnections`. Errors are
 * `{"__type": "com.amazonaws.codeconnections#<Type>", "Message": ...}` (the `Message` member of the
 * modelled exception shapes); clients strip the namespace.
 *
 * Operations: GetConnection, ListConnections (ProviderTypeFilter, HostArnFilter, MaxResults 0..100,
 * NextToken), CreateConnection (a new connection is PENDING until someone completes the handshake in
 * the console) and DeleteConnection. Statuses: PENDING, AVAILABLE, ERROR. Unknown or deleted ARNs,
 * and ARNs of another region or account, are ResourceNotFoundException, as in AWS. Input that breaks
 * a modelled constraint is a ValidationException ("1 validation error detected: ..."): AWS's framework
 * answer, not listed in the model.
 *
 * Tests drive the handshake with `setStatus` (now) or `setStatusAfter` (after N more GetConnection
 * calls, for polling). Requests for another service are proxied to `proxyTo`.
 */
import { randomUUID } from "node:crypto";
import { ApiError, startJsonEndpoint, type InjectedError, type JsonEndpoint, type RecordedRequest } from "./aws-json-endpoint.ts";

export const CODECONNECTIONS_TARGET_PREFIX = "com.amazonaws.codeconnections.CodeConnections_20231201";
const SHORT_PREFIX = "CodeConnections_20231201";
const PROVIDER_TYPES = ["Bitbucket", "GitHub", "GitHubEnterpriseServer", "GitLab", "GitLabSelfManaged", "AzureDevOps"];
const ARN_PATTERN = "arn:aws(-[\\w]+)*:.+:.+:[0-9]{12}:.+";

export type ConnectionStatus = "PENDING" | "AVAILABLE" | "ERROR";
export type CodeConnectionsOperation = "GetConnection" | "ListConnections" | "CreateConnection" | "DeleteConnection";

export interface StoredConnection {
  ConnectionName: string;
  ConnectionArn: string;
  ProviderType: string;
  OwnerAccountId: string;
  ConnectionStatus: ConnectionStatus;
  region: string;
}

export interface CodeConnectionsEndpoint {
  url: string;
  accountId: string;
  readonly requests: RecordedRequest[];
  readonly proxied: number;
  connections(): StoredConnection[];
  /** Creates a connection directly (as CreateConnection would, but in any status); returns its ARN. */
  seed(c?: { name?: string; status?: ConnectionStatus; provider?: string; region?: string; /** the ARN's last part (default: a new UUID) */ id?: string }): string;
  /** The handshake's outcome, now. */
  setStatus(arn: string, status: ConnectionStatus): void;
  /** The status becomes `status` once `gets` more GetConnection calls for this ARN have been answered. */
  setStatusAfter(arn: string, status: ConnectionStatus, gets: number): void;
  failNext(operation: CodeConnectionsOperation, error: InjectedError, times?: number): void;
  reset(): void;
  close(): Promise<void>;
}

const notFound = (arn: string) => new ApiError("ResourceNotFoundException", `Connection ${arn} does not exist`);
const invalid = (member: string, value: unknown, constraint: string) =>
  new ApiError("ValidationException", `1 validation error detected: Value '${String(value)}' at '${member}' failed to satisfy constraint: ${constraint}`);

function arnInput(body: Record<string, unknown>): string {
  const arn = body.ConnectionArn;
  if (typeof arn !== "string") throw invalid("connectionArn", null, "Member must not be null");
  if (arn.length > 256) throw invalid("connectionArn", arn, "Member must have length less than or equal to 256");
  if (!new RegExp(`^${ARN_PATTERN}$`).test(arn)) throw invalid("connectionArn", arn, `Member must satisfy regular expression pattern: ${ARN_PATTERN}`);
  return arn;
}

export async function startCodeConnectionsEndpoint(opts: { proxyTo?: string; accountId?: string; port?: number } = {}): Promise<CodeConnectionsEndpoint> {
  const accountId = opts.accountId ?? "123456789012"; // moto's account, so STS and the ARNs agree
  let stored: StoredConnection[] = [];
  let pending: Array<{ arn: string; status: ConnectionStatus; gets: number }> = [];

  const create = (name: string, provider: string, region: string, status: ConnectionStatus, id: string = randomUUID()): StoredConnection => {
    const c: StoredConnection = {
      ConnectionName: name,
      ConnectionArn: `arn:aws:codeconnections:${region}:${accountId}:connection/${id}`,
      ProviderType: provider,
      OwnerAccountId: accountId,
      ConnectionStatus: status,
      region,
    };
    stored.push(c);
    return c;
  };
  const find = (arn: string, region: string) => stored.find((c) => c.ConnectionArn === arn && c.region === region);
  const wire = ({ region: _region, ...c }: StoredConnection) => c;
  const advance = (c: StoredConnection) => {
    for (const p of pending.filter((x) => x.arn === c.ConnectionArn)) {
      if (p.gets <= 0) c.ConnectionStatus = p.status;
      p.gets -= 1;
    }
    pending = pending.filter((p) => p.gets >= 0);
  };

  const endpoint = await startJsonEndpoint(
    {
      targetPrefixes: [CODECONNECTIONS_TARGET_PREFIX, SHORT_PREFIX],
      contentType: "application/x-amz-json-1.0",
      signingName: "codeconnections",
      errorBody: (type, message) => ({ __type: `com.amazonaws.codeconnections#${type}`, Message: message }),
      operations: {
        GetConnection(body, region) {
          const arn = arnInput(body);
          const c = find(arn, region);
          if (!c) throw notFound(arn);
          advance(c);
          return { Connection: wire(c) };
        },
        ListConnections(body, region) {
          const { ProviderTypeFilter: provider, HostArnFilter: host, MaxResults: max, NextToken: token } = body;
          if (provider !== undefined && !PROVIDER_TYPES.includes(String(provider))) {
            throw invalid("providerTypeFilter", provider, `Member must satisfy enum value set: [${PROVIDER_TYPES.join(", ")}]`);
          }
          if (max !== undefined && (typeof max !== "number" || !Number.isInteger(max) || max < 0 || max > 100)) throw invalid("maxResults", max, "Member must be between 0 and 100");
          const all = stored.filter((c) => c.region === region && (provider === undefined || c.ProviderType === provider) && host === undefined);
          const start = token === undefined ? 0 : Number.parseInt(Buffer.from(String(token), "base64url").toString("utf8"), 10);
          if (!Number.isInteger(start) || start < 0 || start > all.length) throw new ApiError("ValidationException", "Invalid pagination token");
          const size = typeof max === "number" && max > 0 ? max : 50;
          const page = all.slice(start, start + size);
          const next = start + size < all.length ? { NextToken: Buffer.from(String(start + size)).toString("base64url") } : {};
          return { Connections: page.map(wire), ...next };
        },
        CreateConnection(body, region) {
          const { ConnectionName: name, ProviderType: provider, HostArn: host } = body;
          if (typeof name !== "string") throw invalid("connectionName", null, "Member must not be null");
          if (name.length < 1 || name.length > 32) throw invalid("connectionName", name, "Member must have length between 1 and 32");
          if (host !== undefined) throw new ApiError("ResourceUnavailableException", `Host ${String(host)} is not available in this test endpoint`);
          if (typeof provider !== "string" || !PROVIDER_TYPES.includes(provider)) throw invalid("providerType", provider, `Member must satisfy enum value set: [${PROVIDER_TYPES.join(", ")}]`);
          return { ConnectionArn: create(name, provider, region, "PENDING").ConnectionArn };
        },
        DeleteConnection(body, region) {
          const arn = arnInput(body);
          if (!find(arn, region)) throw notFound(arn);
          stored = stored.filter((c) => c.ConnectionArn !== arn);
          return {};
        },
      },
    },
    opts,
  );

  const existing = (arn: string) => {
    const c = stored.find((x) => x.ConnectionArn === arn);
    if (!c) throw new Error(`test set-up: no connection ${arn}`);
    return c;
  };

  return Object.assign(endpoint, {
    accountId,
    connections: () => stored.map((c) => ({ ...c })),
    seed: ({ name = "hdoc-github", status = "AVAILABLE", provider = "GitHub", region = "us-east-1", id } = {}) => create(name, provider, region, status, id).ConnectionArn,
    setStatus(arn, status) {
      existing(arn).ConnectionStatus = status;
    },
    setStatusAfter(arn, status, gets) {
      existing(arn);
      pending.push({ arn, status, gets });
    },
    reset() {
      stored = [];
      pending = [];
      endpoint.resetRecording();
    },
  } satisfies Omit<CodeConnectionsEndpoint, keyof JsonEndpoint>);
}
