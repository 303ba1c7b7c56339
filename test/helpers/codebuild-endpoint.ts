/**
 * A loopback CodeBuild endpoint for the source-credential calls moto lacks, speaking CodeBuild's
 * real JSON 1.1 protocol: `POST /` with `X-Amz-Target: CodeBuild_20161006.<Operation>` and
 * `Content-Type: application/x-amz-json-1.1`; errors as HTTP 400 `{"__type": ..., "message": ...}`.
 *
 * One endpoint for the whole CLI: hdoc has a single --endpoint-url, so every request that is not
 * a CodeBuild call (another service's X-Amz-Target such as `AmazonSSM.GetParameter`, or a
 * query-protocol call such as STS `Action=GetCallerIdentity`) is proxied unchanged to `proxyTo`
 * (moto, or the CodeConnections endpoint in front of it). Tests pass `--endpoint-url <this url>`
 * and CodeBuild lands here while STS and SSM land on moto, with no test-only seam in hdoc.
 *
 * State is kept across calls like the real service: per region, one credential per server type
 * (a second import fails with ResourceAlreadyExistsException when shouldOverwrite is false; AWS
 * documents true as the default).
 * As in AWS's model (botocore codebuild 2016-10-06), a CODECONNECTIONS import carries the
 * connection ARN as its `token`, and ListSourceCredentials returns it as `resource`.
 * `failNext` injects an error into the next call(s) of an operation; `requests` records every
 * CodeBuild call (the body included, so tests can check what was imported).
 */
import { ApiError, startJsonEndpoint, type InjectedError, type JsonEndpoint, type RecordedRequest } from "./aws-json-endpoint.ts";

export type { InjectedError, RecordedRequest } from "./aws-json-endpoint.ts";
export const CODEBUILD_TARGET_PREFIX = "CodeBuild_20161006.";
const SERVER_TYPES = ["GITHUB", "GITHUB_ENTERPRISE", "BITBUCKET", "GITLAB", "GITLAB_SELF_MANAGED"];
const AUTH_TYPES = ["OAUTH", "BASIC_AUTH", "PERSONAL_ACCESS_TOKEN", "CODECONNECTIONS", "SECRETS_MANAGER"];
/** A connection's ARN, under either service prefix (codestar-connections before the 2024 rename). */
export const CONNECTION_ARN = /^arn:aws(-[a-z]+)*:(codeconnections|codestar-connections):[a-z0-9-]+:\d{12}:connection\/[A-Za-z0-9-]+$/;

export type CodeBuildOperation = "ListSourceCredentials" | "DeleteSourceCredentials" | "ImportSourceCredentials";

export interface StoredCredential {
  arn: string;
  region: string;
  serverType: string;
  authType: string;
  /** What was imported (tests compare it; never printed by the helper). For CODECONNECTIONS: the connection ARN. */
  token: string;
  /** The connection (or secret) ARN of a CODECONNECTIONS (or SECRETS_MANAGER) credential. */
  resource?: string;
  username?: string;
}

export interface CodeBuildEndpoint {
  url: string;
  accountId: string;
  /** Every CodeBuild call, in order. Proxied calls are counted in `proxied`. */
  requests: RecordedRequest[];
  proxied: number;
  /** The credentials stored now (all regions). */
  credentials(): StoredCredential[];
  /** Stores a credential directly, as if imported earlier; returns its ARN. */
  seed(c: { serverType: string; authType?: string; token?: string; region?: string }): string;
  /** The next `times` calls of `operation` fail with `error` (state unchanged). */
  failNext(operation: CodeBuildOperation, error: InjectedError, times?: number): void;
  /** Forgets credentials, recorded requests and injected failures. */
  reset(): void;
  close(): Promise<void>;
}

const invalid = (message: string) => new ApiError("InvalidInputException", message);

export async function startCodeBuildEndpoint(opts: { proxyTo?: string; accountId?: string; port?: number } = {}): Promise<CodeBuildEndpoint> {
  const accountId = opts.accountId ?? "123456789012"; // moto's account, so STS and the ARNs agree
  let stored: StoredCredential[] = [];

  const arnFor = (region: string, serverType: string) => `arn:aws:codebuild:${region}:${accountId}:token/${serverType.toLowerCase()}`;
  const store = (c: Omit<StoredCredential, "arn" | "resource">): string => {
    const arn = arnFor(c.region, c.serverType);
    const resource = c.authType === "CODECONNECTIONS" || c.authType === "SECRETS_MANAGER" ? { resource: c.token } : {};
    stored = stored.filter((s) => !(s.region === c.region && s.serverType === c.serverType));
    stored.push({ arn, ...c, ...resource });
    return arn;
  };

  const endpoint = await startJsonEndpoint(
    {
      targetPrefixes: [CODEBUILD_TARGET_PREFIX.slice(0, -1)],
      contentType: "application/x-amz-json-1.1",
      signingName: "codebuild",
      errorBody: (type, message) => ({ __type: type, message }),
      operations: {
        ListSourceCredentials(_body, region) {
          return {
            sourceCredentialsInfos: stored
              .filter((c) => c.region === region)
              .map((c) => ({ arn: c.arn, serverType: c.serverType, authType: c.authType, ...(c.resource ? { resource: c.resource } : {}) })),
          };
        },
        DeleteSourceCredentials(body, region) {
          const arn = body.arn;
          if (typeof arn !== "string" || arn.length === 0) throw invalid("1 validation error detected: Value null at 'arn' failed to satisfy constraint: Member must not be null");
          if (!/^arn:aws:codebuild:[a-z0-9-]+:\d{12}:token\/[a-z_]+$/.test(arn)) throw invalid(`Invalid ARN: ${arn}`);
          const found = stored.find((c) => c.arn === arn && c.region === region);
          if (!found) throw new ApiError("ResourceNotFoundException", `Could not find source credentials with ARN: ${arn}`);
          stored = stored.filter((c) => c !== found);
          return { arn };
        },
        ImportSourceCredentials(body, region) {
          const { token, serverType, authType, shouldOverwrite, username } = body;
          if (typeof token !== "string" || token.length === 0) throw invalid("1 validation error detected: Value at 'token' failed to satisfy constraint: Member must have length greater than or equal to 1");
          if (typeof serverType !== "string" || !SERVER_TYPES.includes(serverType)) throw invalid(`1 validation error detected: Value '${String(serverType)}' at 'serverType' failed to satisfy constraint: Member must satisfy enum value set: [${SERVER_TYPES.join(", ")}]`);
          if (typeof authType !== "string" || !AUTH_TYPES.includes(authType)) throw invalid(`1 validation error detected: Value '${String(authType)}' at 'authType' failed to satisfy constraint: Member must satisfy enum value set: [${AUTH_TYPES.join(", ")}]`);
          if (authType === "BASIC_AUTH" && typeof username !== "string") throw invalid("Username is required for BASIC_AUTH");
          if (authType === "OAUTH") throw invalid("OAUTH source credentials cannot be imported through the API; connect in the CodeBuild console");
          if (authType === "CODECONNECTIONS" && !CONNECTION_ARN.test(token)) throw invalid(`Invalid connection ARN: ${token}`);
          const existing = stored.find((c) => c.region === region && c.serverType === serverType);
          if (existing && shouldOverwrite === false) {
            throw new ApiError("ResourceAlreadyExistsException", `Access token with server type ${serverType} already exists. Delete its source credential and try again.`);
          }
          return { arn: store({ region, serverType, authType, token, ...(typeof username === "string" ? { username } : {}) }) };
        },
      },
    },
    opts,
  );

  return Object.assign(endpoint, {
    accountId,
    credentials: () => stored.map((c) => ({ ...c })),
    seed: ({ serverType, authType = "PERSONAL_ACCESS_TOKEN", token = "seeded-token", region = "us-east-1" }) => store({ region, serverType, authType, token }),
    reset() {
      stored = [];
      endpoint.resetRecording();
    },
  } satisfies Omit<CodeBuildEndpoint, keyof JsonEndpoint>);
}
