/**
 * The local API Gateway's HTTP side: a request read, its route chosen (router.ts), the proxy event
 * built (proxy-event.ts), the function invoked through the injected `invoke`, and the reply sent as
 * API Gateway would (403 Missing Authentication Token for an unknown route or method; 502 Internal
 * server error for a function that throws, times out or runs out of memory, for a malformed result
 * and for a function hdoc cannot run; 504 Endpoint request timed out after the 29 s integration
 * timeout; 413 over the payload quota, 431 over the header quota). What
 * the gateway itself answers carries the Api's gateway responses (gateway-responses.ts: the
 * template's headers, e.g. CORS on a 401). No AWS SDK here.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import { randomUUID } from "node:crypto";
import type { APIGatewayProxyEvent } from "aws-lambda";
import type { Route } from "./routes.ts";
import { matchRoute, preflightHeaders } from "./router.ts";
import { fromProxyResult, splitUrl, toProxyEvent, type EventContext, type HttpReply, type RequestParts } from "./proxy-event.ts";
import type { AuthOutcome } from "../auth/authorizer.ts";
import { gatewayAnswer, type GatewayResponseType } from "./gateway-responses.ts";
import type { ApiInfo } from "./routes.ts";
import { loggedUrl } from "../request-log.ts";

const jsonReply = (status: number, doc: unknown, extra: Array<[string, string]> = []): HttpReply => ({
  status,
  headers: [["Content-Type", "application/json"], ...extra],
  body: Buffer.from(JSON.stringify(doc)),
});

/** What API Gateway would answer itself (the Api's gateway responses applied when the Api is known). */
function gatewayReply(type: GatewayResponseType, status: number, message: string | null, api: ApiInfo | undefined, req: RequestParts, requestId: string, extra: Array<[string, string]> = [], found?: { pathParameters: Record<string, string> }): HttpReply {
  const query: Record<string, string> = {};
  let params: URLSearchParams | undefined;
  try {
    params = splitUrl(req.url).query;
  } catch {
    params = undefined; // a URL that does not parse has no query values to offer
  }
  for (const [k, v] of params ?? []) query[k] = v;
  const answer = gatewayAnswer(type, { status, message }, api?.gatewayResponses, {
    header: (name) => {
      const n = name.toLowerCase();
      let value: string | undefined;
      for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) if (req.rawHeaders[i]!.toLowerCase() === n) value = req.rawHeaders[i + 1];
      return value;
    },
    query,
    path: found?.pathParameters ?? {},
    stageVariables: api?.variables ?? null,
    requestId,
  });
  return { status: answer.status, headers: [...answer.headers, ...extra], body: answer.body };
}

/**
 * The Api a request that matched no route was for: the one deployed at the stage its path starts
 * with, or the only one; undefined when that cannot be told.
 */
function apiOfUnmatched(routes: Route[], pathname: string): ApiInfo | undefined {
  const apis = [...new Set(routes.map((r) => r.api))];
  const first = pathname.split("/").find(Boolean);
  const staged = apis.filter((a) => a.stage === first);
  return staged.length === 1 ? staged[0] : apis.length === 1 ? apis[0] : undefined;
}

export interface LocalApiDeps {
  routes: Route[];
  /** Runs the function with the event; resolves with its result, rejects when it throws. */
  invoke(functionId: string, event: APIGatewayProxyEvent, requestId: string): Promise<unknown>;
  /** One line per request: method, path, status, ms. */
  log(line: string): void;
  /** Handler failures, with the stack: the console only, never the client. */
  error(line: string): void;
  now(): Date;
  /** API Gateway's integration timeout for REST APIs (29 s by default); a test may shorten it. */
  integrationTimeoutMs?: number;
  /** API Gateway's authorizer step (dev/auth); without it every route is public. */
  authorize?(route: Route, req: RequestParts): Promise<AuthOutcome>;
}

/** Answers one request (already read) as API Gateway would. */
export async function handleRequest(req: RequestParts, deps: LocalApiDeps): Promise<HttpReply> {
  const pathname = req.url.split("?")[0]!;
  const match = matchRoute(deps.routes, req.method, pathname);
  const requestId = randomUUID();
  const idHeader: [string, string] = ["x-amzn-RequestId", requestId];
  if (!match) return gatewayReply("MISSING_AUTHENTICATION_TOKEN", 403, "Missing Authentication Token", apiOfUnmatched(deps.routes, pathname), req, requestId, [idHeader, ["x-amzn-ErrorType", "MissingAuthenticationTokenException"]]);
  if ("preflight" in match) {
    return { status: 200, headers: [["Content-Type", "application/json"], idHeader, ...Object.entries(preflightHeaders(match.preflight.api, match.preflight.methods))], body: Buffer.alloc(0) };
  }
  const api = match.route.api;
  const internalError = (status: number, errorType?: string) => gatewayReply("DEFAULT_5XX", status, "Internal server error", api, req, requestId, errorType ? [idHeader, ["x-amzn-ErrorType", errorType]] : [idHeader], match);
  if (match.route.unavailable) {
    deps.error(`${match.route.functionId} cannot run locally (${match.route.unavailable}): ${req.method} ${pathname} answers 502`);
    return internalError(502);
  }
  const granted: AuthOutcome = deps.authorize ? await deps.authorize(match.route, req) : { ok: true };
  if (!granted.ok) return { ...gatewayReply(denialType(granted.errorType), granted.status, granted.body.message, api, req, requestId, [idHeader, ["x-amzn-ErrorType", granted.errorType]], match), note: granted.why };
  const context: EventContext = { path: match.path, ...(granted.authorizer ? { authorizer: granted.authorizer } : {}), ...(granted.identity ? { identity: granted.identity } : {}) };
  const event = toProxyEvent(req, match.route, match.pathParameters, deps.now(), requestId, context);
  let result: unknown;
  const limit = deps.integrationTimeoutMs ?? INTEGRATION_TIMEOUT_MS;
  let timer: NodeJS.Timeout | undefined;
  const timedOut = Symbol("timed out");
  try {
    // API Gateway stops waiting for the function after its integration timeout and answers 504; the
    // function itself runs on to its own Timeout (its result is dropped), as on AWS
    const invocation = deps.invoke(match.route.functionId, event, requestId);
    result = await Promise.race([invocation, new Promise<typeof timedOut>((resolve) => (timer = setTimeout(resolve, limit, timedOut)))]);
    if (result === timedOut) {
      invocation.catch(() => undefined);
      deps.error(`${match.route.functionId} did not answer within API Gateway's integration timeout (${limit / 1000} s; request ${requestId}): 504`);
      return gatewayReply("INTEGRATION_TIMEOUT", 504, "Endpoint request timed out", api, req, requestId, [idHeader], match);
    }
  } catch (e) {
    const err = e as Error;
    deps.error(`${match.route.functionId} failed (request ${requestId}): ${err?.stack ?? String(e)}`);
    // Lambda's function error through a proxy integration: API Gateway answers 502
    return internalError(502, "InternalServerErrorException");
  } finally {
    clearTimeout(timer);
  }
  const reply = fromProxyResult(result);
  if ("error" in reply) {
    deps.error(`${match.route.functionId} returned a malformed proxy response (request ${requestId}): ${reply.error}`);
    return internalError(502);
  }
  reply.headers.push(idHeader);
  // Kept for the case where Node refuses the function's headers (send() answers 502 then).
  reply.gatewayError = () => internalError(502);
  return reply;
}

/** API Gateway's default integration timeout for REST APIs. */
export const INTEGRATION_TIMEOUT_MS = 29_000;

/** The gateway response type of an authorizer's refusal. */
function denialType(errorType: string): GatewayResponseType {
  switch (errorType) {
    case "UnauthorizedException": return "UNAUTHORIZED";
    case "MissingAuthenticationTokenException": return "MISSING_AUTHENTICATION_TOKEN";
    case "AuthorizerConfigurationException": return "AUTHORIZER_CONFIGURATION_ERROR";
    case "AccessDeniedException": return "ACCESS_DENIED";
    default: return "INVALID_SIGNATURE"; // SigV4: a bad, incomplete or unknown signature
  }
}

/** API Gateway's payload quota for REST APIs: a larger request answers 413 and is never buffered. */
export const MAX_REQUEST_BYTES = 10 * 1024 * 1024;
/** API Gateway's quota on the request line and the header values together (REST APIs): more answers 431. */
export const MAX_REQUEST_HEADER_BYTES = 10240;
/** What a handler's response headers may add up to (names and values); more answers 502, as a malformed response. */
export const MAX_RESPONSE_HEADER_BYTES = 10 * 1024;
/**
 * What API Gateway answers to headers over its quota: 431, with the text its front end gives (seen
 * in the field: the quota's message, "HTTP header is larger than 10240 bytes."). It is not a gateway
 * response of the Api (the request never reached one), so the template's headers are not added.
 */
export const HEADERS_TOO_LARGE = { status: 431, message: `HTTP header is larger than ${MAX_REQUEST_HEADER_BYTES} bytes.` };

/** The request line and every header value, in bytes (Node reads both as latin1: one byte per character). */
export function requestHeaderBytes(method: string, url: string, httpVersion: string, rawHeaders: string[]): number {
  let n = method.length + 1 + url.length + 6 + httpVersion.length;
  for (let i = 1; i < rawHeaders.length; i += 2) n += rawHeaders[i]!.length;
  return n;
}

/** The node:http listener around handleRequest, with the request log line. */
export function requestListener(deps: LocalApiDeps): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const started = performance.now();
    const method = req.method ?? "GET", url = req.url ?? "/";
    const logged = () => `${method} ${loggedUrl(url)}`;
    const partsOf = (body: Buffer): RequestParts => ({
      method, url, rawHeaders: req.rawHeaders, body,
      sourceIp: (req.socket.remoteAddress ?? "127.0.0.1").replace(/^::ffff:/, ""), localPort: req.socket.localPort,
    });
    /** Answers before the body is read; the rest of it is read and dropped (not buffered), so the client gets to read the answer. */
    const refuse = (reply: HttpReply, why: string) => {
      req.removeAllListeners("data");
      req.removeAllListeners("end");
      req.resume();
      const status = send(res, reply, method === "HEAD", deps);
      deps.log(`${logged()} ${status} ${(performance.now() - started).toFixed(1)}ms (${why})`);
    };
    const headerBytes = requestHeaderBytes(method, url, req.httpVersion, req.rawHeaders);
    if (headerBytes > MAX_REQUEST_HEADER_BYTES) {
      return refuse(jsonReply(HEADERS_TOO_LARGE.status, { message: HEADERS_TOO_LARGE.message }), `request line and header values of ${headerBytes} bytes, over ${MAX_REQUEST_HEADER_BYTES}`);
    }
    const tooLarge = () => {
      const parts = partsOf(Buffer.alloc(0));
      const pathname = url.split("?")[0]!;
      const m = matchRoute(deps.routes, method, pathname);
      const api = m ? ("route" in m ? m.route.api : m.preflight.api) : apiOfUnmatched(deps.routes, pathname);
      const requestId = randomUUID();
      const reply = gatewayReply("REQUEST_TOO_LARGE", 413, "Request Too Long", api, parts, requestId, [["x-amzn-RequestId", requestId], ["x-amzn-ErrorType", "RequestEntityTooLargeException"]], m && "route" in m ? m : undefined);
      refuse(reply, `body over ${MAX_REQUEST_BYTES} bytes`);
    };
    if (Number(req.headers["content-length"]) > MAX_REQUEST_BYTES) return tooLarge();
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > MAX_REQUEST_BYTES) {
        chunks.length = 0;
        tooLarge();
      } else chunks.push(c);
    });
    req.on("end", () => {
      const parts = partsOf(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks));
      handleRequest(parts, deps)
        .catch((e: unknown): HttpReply => {
          deps.error(`local API failure: ${(e as Error)?.stack ?? String(e)}`);
          return jsonReply(500, { message: "Internal server error" });
        })
        .then((reply) => {
          const status = send(res, reply, method === "HEAD", deps);
          deps.log(`${logged()} ${status} ${(performance.now() - started).toFixed(1)}ms${reply.note ? ` (${reply.note})` : ""}`);
        })
        .catch((e: unknown) => deps.error(`local API failure while answering: ${(e as Error)?.stack ?? String(e)}`));
    });
  };
}

/**
 * Answers a request whose headers Node's own parser refused as too large (beyond the server's
 * maxHeaderSize) as API Gateway does, instead of Node's bare 431; other parse errors as Node does.
 */
export function clientErrorListener(err: Error & { code?: string }, socket: Duplex): void {
  if (err.code === "ECONNRESET" || !socket.writable) {
    socket.destroy();
    return;
  }
  if (err.code === "HPE_HEADER_OVERFLOW") {
    const body = JSON.stringify({ message: HEADERS_TOO_LARGE.message });
    socket.end(`HTTP/1.1 431 Request Header Fields Too Large\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
    return;
  }
  socket.end("HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n");
}

/**
 * Writes the reply. Node refuses some headers a handler may return (a newline in a value, a bad name):
 * API Gateway answers those with 502, and so does this; the server itself never goes down for it.
 */
function send(res: ServerResponse, reply: HttpReply, head: boolean, deps: LocalApiDeps): number {
  try {
    let headerBytes = 0;
    for (const [k, v] of reply.headers) headerBytes += Buffer.byteLength(k) + Buffer.byteLength(v);
    if (headerBytes > MAX_RESPONSE_HEADER_BYTES) throw new Error(`headers of ${headerBytes} bytes, over ${MAX_RESPONSE_HEADER_BYTES}`);
    res.writeHead(reply.status, reply.headers.flat());
  } catch (e) {
    deps.error(`the function returned a header Node cannot send (${(e as Error).message}): answering 502`);
    const bad = reply.gatewayError?.() ?? jsonReply(502, { message: "Internal server error" });
    res.writeHead(bad.status, bad.headers.flat());
    res.end(head ? undefined : bad.body);
    return bad.status;
  }
  res.end(head ? undefined : reply.body);
  return reply.status;
}
