/**
 * What every loopback endpoint for an AWS JSON-protocol service shares: `POST /` with
 * `X-Amz-Target: <prefix>.<Operation>`, a SigV4 signature scoped to the service, a JSON body of the
 * protocol's content type, and errors as a JSON document with `__type`. Requests for another
 * target (or query-protocol calls such as STS `Action=...`) are proxied unchanged to `proxyTo`, so
 * endpoints chain (CodeBuild -> CodeConnections -> moto) behind the one --endpoint-url hdoc has.
 *
 * Each service gives its operations, its target prefixes, its signing name and how its errors are
 * written (CodeBuild: `{"__type": "InvalidInputException", "message": ...}`; CodeConnections:
 * `{"__type": "com.amazonaws.codeconnections#ResourceNotFoundException", "Message": ...}`).
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { forward } from "./proxy.ts";

export class ApiError extends Error {
  constructor(readonly type: string, message: string, readonly status = 400) {
    super(message);
  }
}

export interface RecordedRequest {
  operation: string;
  region: string;
  body: Record<string, unknown>;
  status: number;
}

export interface InjectedError {
  /** e.g. "AccessDeniedException", "InvalidInputException", "ThrottlingException". */
  type: string;
  message: string;
  /** HTTP status (default 400). */
  status?: number;
}

export interface JsonService {
  /** Every accepted X-Amz-Target prefix, without the trailing dot. */
  targetPrefixes: string[];
  contentType: "application/x-amz-json-1.0" | "application/x-amz-json-1.1";
  signingName: string;
  errorBody(type: string, message: string): Record<string, string>;
  operations: Record<string, (body: Record<string, unknown>, region: string) => unknown>;
}

export interface JsonEndpoint {
  url: string;
  /** Every call to this service, in order. Proxied calls are counted in `proxied`. */
  readonly requests: RecordedRequest[];
  readonly proxied: number;
  failNext(operation: string, error: InjectedError, times?: number): void;
  /** Forgets recorded requests and injected failures. */
  resetRecording(): void;
  close(): Promise<void>;
}

/** The region and service of a SigV4-signed request (`Credential=AKID/20240101/us-east-1/codebuild/aws4_request`). */
function signedScope(auth: string | undefined): { region: string; service: string } | undefined {
  const m = /Credential=[^/]+\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request/.exec(auth ?? "");
  return m ? { region: m[1]!, service: m[2]! } : undefined;
}

export async function startJsonEndpoint(service: JsonService, opts: { proxyTo?: string; port?: number } = {}): Promise<JsonEndpoint> {
  let requests: RecordedRequest[] = [];
  let failures: Array<{ operation: string; error: InjectedError; times: number }> = [];
  let proxied = 0;
  const error = (status: number, type: string, message: string) => ({ status, body: service.errorBody(type, message) as unknown });

  function handle(operation: string, raw: string, req: http.IncomingMessage): { status: number; body: unknown } {
    const scope = signedScope(req.headers.authorization);
    if (!scope) return error(400, "MissingAuthenticationTokenException", "Missing Authentication Token");
    if (scope.service !== service.signingName) return error(403, "InvalidSignatureException", `Credential should be scoped to correct service: '${service.signingName}'.`);
    if (!String(req.headers["content-type"] ?? "").startsWith(service.contentType)) return error(400, "SerializationException", `Unexpected content type; expected ${service.contentType}`);
    let body: Record<string, unknown>;
    try {
      body = raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
    } catch {
      return error(400, "SerializationException", "Request body is not valid JSON");
    }
    const record = (status: number) => requests.push({ operation, region: scope.region, body, status });
    const injected = failures.find((f) => f.operation === operation && f.times > 0);
    if (injected) {
      injected.times -= 1;
      const status = injected.error.status ?? 400;
      record(status);
      return error(status, injected.error.type, injected.error.message);
    }
    const op = service.operations[operation];
    if (!op) {
      record(400);
      return error(400, "UnknownOperationException", `Operation ${operation} is not supported by this test endpoint`);
    }
    try {
      const out = op(body, scope.region);
      record(200);
      return { status: 200, body: out };
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      record(e.status);
      return error(e.status, e.type, e.message);
    }
  }

  function proxy(req: http.IncomingMessage, raw: Buffer, res: http.ServerResponse): void {
    if (!opts.proxyTo) {
      res.writeHead(404, { "content-type": "text/plain" }).end(`not a ${service.signingName} call, and no proxyTo endpoint configured`);
      return;
    }
    proxied += 1;
    forward(req, raw, res, opts.proxyTo);
  }

  const operationOf = (target: string): string | undefined => {
    for (const prefix of service.targetPrefixes) if (target.startsWith(`${prefix}.`)) return target.slice(prefix.length + 1);
    return undefined;
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const raw = Buffer.concat(chunks);
      const operation = req.method === "POST" ? operationOf(String(req.headers["x-amz-target"] ?? "")) : undefined;
      if (operation === undefined) {
        proxy(req, raw, res);
        return;
      }
      const { status, body } = handle(operation, raw.toString("utf8"), req);
      const text = JSON.stringify(body);
      res.writeHead(status, { "content-type": service.contentType, "content-length": Buffer.byteLength(text), "x-amzn-requestid": `req-${requests.length}` }).end(text);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, "127.0.0.1", resolve);
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    get requests() {
      return requests;
    },
    get proxied() {
      return proxied;
    },
    failNext(operation, error, times = 1) {
      failures.push({ operation, error, times });
    },
    resetRecording() {
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
