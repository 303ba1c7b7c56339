/**
 * A loopback CodeBuild endpoint for the source-credential calls moto lacks, speaking CodeBuild's
 * real JSON 1.1 protocol: `POST /` with `X-Amz-Target: CodeBuild_20161006.<Operation>` and
 * `Content-Type: application/x-amz-json-1.1`; errors as HTTP 400 `{"__type": ..., "message": ...}`.
 *
 * One endpoint for the whole CLI: hdoc has a single --endpoint-url, so every request that is not
 * a CodeBuild call (another service's X-Amz-Target such as `AmazonSSM.GetParameter`, or a
 * query-protocol call such as STS `Action=GetCallerIdentity`) is proxied unchanged to `proxyTo`
 * (moto). Tests pass `--endpoint-url <this url>` and CodeBuild lands here while STS and SSM land
 * on moto, with no test-only seam in hdoc.
 *
 * State is kept across calls like the real service: per region, one credential per server type
 * (a second import fails with ResourceAlreadyExistsException unless shouldOverwrite is true).
 * `failNext` injects an error into the next call(s) of an operation; `requests` records every
 * CodeBuild call (the body included, so tests can check what was imported).
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { forward } from "./proxy.ts";

export const CODEBUILD_TARGET_PREFIX = "CodeBuild_20161006.";
const JSON_11 = "application/x-amz-json-1.1";
const SERVER_TYPES = ["GITHUB", "GITHUB_ENTERPRISE", "BITBUCKET", "GITLAB", "GITLAB_SELF_MANAGED"];
const AUTH_TYPES = ["OAUTH", "BASIC_AUTH", "PERSONAL_ACCESS_TOKEN", "CODECONNECTIONS", "SECRETS_MANAGER"];

export type CodeBuildOperation = "ListSourceCredentials" | "DeleteSourceCredentials" | "ImportSourceCredentials";

export interface StoredCredential {
  arn: string;
  region: string;
  serverType: string;
  authType: string;
  /** What was imported (tests compare it; never printed by the helper). */
  token: string;
  username?: string;
}

export interface RecordedRequest {
  operation: string;
  region: string;
  body: Record<string, unknown>;
  status: number;
}

export interface InjectedError {
  /** e.g. "AccessDeniedException", "InvalidInputException", "ExpiredTokenException". */
  type: string;
  message: string;
  /** HTTP status (default 400). */
  status?: number;
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

class ApiError extends Error {
  constructor(readonly type: string, message: string, readonly status = 400) {
    super(message);
  }
}

/** The region of a SigV4-signed request (`Credential=AKID/20240101/us-east-1/codebuild/aws4_request`). */
function signedScope(auth: string | undefined): { region: string; service: string } | undefined {
  const m = /Credential=[^/]+\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request/.exec(auth ?? "");
  return m ? { region: m[1]!, service: m[2]! } : undefined;
}

export async function startCodeBuildEndpoint(opts: { proxyTo?: string; accountId?: string; port?: number } = {}): Promise<CodeBuildEndpoint> {
  const accountId = opts.accountId ?? "123456789012"; // moto's account, so STS and the ARNs agree
  let stored: StoredCredential[] = [];
  let requests: RecordedRequest[] = [];
  let failures: Array<{ operation: string; error: InjectedError; times: number }> = [];
  let proxied = 0;

  const arnFor = (region: string, serverType: string) => `arn:aws:codebuild:${region}:${accountId}:token/${serverType.toLowerCase()}`;

  const operations: Record<string, (body: Record<string, unknown>, region: string) => unknown> = {
    ListSourceCredentials(_body, region) {
      return {
        sourceCredentialsInfos: stored.filter((c) => c.region === region).map((c) => ({ arn: c.arn, serverType: c.serverType, authType: c.authType })),
      };
    },
    DeleteSourceCredentials(body, region) {
      const arn = body.arn;
      if (typeof arn !== "string" || arn.length === 0) throw new ApiError("InvalidInputException", "1 validation error detected: Value null at 'arn' failed to satisfy constraint: Member must not be null");
      if (!/^arn:aws:codebuild:[a-z0-9-]+:\d{12}:token\/[a-z_]+$/.test(arn)) throw new ApiError("InvalidInputException", `Invalid ARN: ${arn}`);
      const found = stored.find((c) => c.arn === arn && c.region === region);
      if (!found) throw new ApiError("ResourceNotFoundException", `Could not find source credentials with ARN: ${arn}`);
      stored = stored.filter((c) => c !== found);
      return { arn };
    },
    ImportSourceCredentials(body, region) {
      const { token, serverType, authType, shouldOverwrite, username } = body;
      if (typeof token !== "string" || token.length === 0) throw new ApiError("InvalidInputException", "1 validation error detected: Value at 'token' failed to satisfy constraint: Member must have length greater than or equal to 1");
      if (typeof serverType !== "string" || !SERVER_TYPES.includes(serverType)) throw new ApiError("InvalidInputException", `1 validation error detected: Value '${String(serverType)}' at 'serverType' failed to satisfy constraint: Member must satisfy enum value set: [${SERVER_TYPES.join(", ")}]`);
      if (typeof authType !== "string" || !AUTH_TYPES.includes(authType)) throw new ApiError("InvalidInputException", `1 validation error detected: Value '${String(authType)}' at 'authType' failed to satisfy constraint: Member must satisfy enum value set: [${AUTH_TYPES.join(", ")}]`);
      if (authType === "BASIC_AUTH" && typeof username !== "string") throw new ApiError("InvalidInputException", "Username is required for BASIC_AUTH");
      const existing = stored.find((c) => c.region === region && c.serverType === serverType);
      if (existing && shouldOverwrite !== true) {
        throw new ApiError("ResourceAlreadyExistsException", `Access token with server type ${serverType} already exists. Delete its source credential and try again.`);
      }
      if (existing) stored = stored.filter((c) => c !== existing);
      const arn = arnFor(region, serverType);
      stored.push({ arn, region, serverType, authType, token, ...(typeof username === "string" ? { username } : {}) });
      return { arn };
    },
  };

  function handleCodeBuild(operation: string, raw: string, req: http.IncomingMessage): { status: number; body: unknown } {
    const scope = signedScope(req.headers.authorization);
    if (!scope) return { status: 400, body: { __type: "MissingAuthenticationTokenException", message: "Missing Authentication Token" } };
    if (scope.service !== "codebuild") return { status: 403, body: { __type: "InvalidSignatureException", message: `Credential should be scoped to correct service: 'codebuild'.` } };
    if (!String(req.headers["content-type"] ?? "").startsWith(JSON_11)) return { status: 400, body: { __type: "SerializationException", message: `Unexpected content type; expected ${JSON_11}` } };
    let body: Record<string, unknown>;
    try {
      body = raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
    } catch {
      return { status: 400, body: { __type: "SerializationException", message: "Request body is not valid JSON" } };
    }
    const record = (status: number) => requests.push({ operation, region: scope.region, body, status });
    const injected = failures.find((f) => f.operation === operation && f.times > 0);
    if (injected) {
      injected.times -= 1;
      const status = injected.error.status ?? 400;
      record(status);
      return { status, body: { __type: injected.error.type, message: injected.error.message } };
    }
    const op = operations[operation];
    if (!op) {
      record(400);
      return { status: 400, body: { __type: "UnknownOperationException", message: `Operation ${operation} is not supported by this test endpoint` } };
    }
    try {
      const out = op(body, scope.region);
      record(200);
      return { status: 200, body: out };
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      record(e.status);
      return { status: e.status, body: { __type: e.type, message: e.message } };
    }
  }

  function proxy(req: http.IncomingMessage, raw: Buffer, res: http.ServerResponse): void {
    if (!opts.proxyTo) {
      res.writeHead(404, { "content-type": "text/plain" }).end("not a CodeBuild call, and no proxyTo endpoint configured");
      return;
    }
    proxied += 1;
    forward(req, raw, res, opts.proxyTo);
  }

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const raw = Buffer.concat(chunks);
      const target = String(req.headers["x-amz-target"] ?? "");
      if (req.method !== "POST" || !target.startsWith(CODEBUILD_TARGET_PREFIX)) {
        proxy(req, raw, res);
        return;
      }
      const { status, body } = handleCodeBuild(target.slice(CODEBUILD_TARGET_PREFIX.length), raw.toString("utf8"), req);
      const text = JSON.stringify(body);
      res.writeHead(status, { "content-type": JSON_11, "content-length": Buffer.byteLength(text), "x-amzn-requestid": `req-${requests.length}` }).end(text);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, "127.0.0.1", resolve);
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    accountId,
    get requests() {
      return requests;
    },
    get proxied() {
      return proxied;
    },
    credentials: () => stored.map((c) => ({ ...c })),
    seed({ serverType, authType = "PERSONAL_ACCESS_TOKEN", token = "seeded-token", region = "us-east-1" }) {
      const arn = arnFor(region, serverType);
      stored = stored.filter((c) => !(c.region === region && c.serverType === serverType));
      stored.push({ arn, region, serverType, authType, token });
      return arn;
    },
    failNext(operation, error, times = 1) {
      failures.push({ operation, error, times });
    },
    reset() {
      stored = [];
      requests = [];
      failures = [];
      proxied = 0;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((e) => (e ? reject(e) : resolve()));
      }),
  };
}
