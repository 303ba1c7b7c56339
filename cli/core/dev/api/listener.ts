/**
 * The local API Gateway's HTTP side: a request read, its route chosen (router.ts), the proxy event
 * built (proxy-event.ts), the function invoked through the injected `invoke`, and the reply sent as
 * API Gateway would (403 Missing Authentication Token for an unknown route or method; 502 Internal
 * server error for a function that throws, times out or runs out of memory, for a malformed result
 * and for a function hdoc cannot run). No AWS SDK here.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { randomUUID } from "node:crypto";
import type { APIGatewayProxyEvent } from "aws-lambda";
import type { Route } from "./routes.ts";
import { matchRoute, preflightHeaders } from "./router.ts";
import { fromProxyResult, toProxyEvent, type EventContext, type HttpReply, type RequestParts } from "./proxy-event.ts";
import type { AuthOutcome } from "../auth/authorizer.ts";

const jsonReply = (status: number, doc: unknown, extra: Array<[string, string]> = []): HttpReply => ({
  status,
  headers: [["Content-Type", "application/json"], ...extra],
  body: Buffer.from(JSON.stringify(doc)),
});

export interface LocalApiDeps {
  routes: Route[];
  /** Runs the function with the event; resolves with its result, rejects when it throws. */
  invoke(functionId: string, event: APIGatewayProxyEvent, requestId: string): Promise<unknown>;
  /** One line per request: method, path, status, ms. */
  log(line: string): void;
  /** Handler failures, with the stack: the console only, never the client. */
  error(line: string): void;
  now(): Date;
  /** API Gateway's authorizer step (dev/auth); without it every route is public. */
  authorize?(route: Route, req: RequestParts): Promise<AuthOutcome>;
}

/** Answers one request (already read) as API Gateway would. */
export async function handleRequest(req: RequestParts, deps: LocalApiDeps): Promise<HttpReply> {
  const pathname = req.url.split("?")[0]!;
  const match = matchRoute(deps.routes, req.method, pathname);
  const requestId = randomUUID();
  const idHeader: [string, string] = ["x-amzn-RequestId", requestId];
  if (!match) return jsonReply(403, { message: "Missing Authentication Token" }, [idHeader, ["x-amzn-ErrorType", "MissingAuthenticationTokenException"]]);
  if ("preflight" in match) {
    return { status: 200, headers: [["Content-Type", "application/json"], idHeader, ...Object.entries(preflightHeaders(match.preflight.api, match.preflight.methods))], body: Buffer.alloc(0) };
  }
  if (match.route.unavailable) {
    deps.error(`${match.route.functionId} cannot run locally (${match.route.unavailable}): ${req.method} ${pathname} answers 502`);
    return jsonReply(502, { message: "Internal server error" }, [idHeader]);
  }
  const granted: AuthOutcome = deps.authorize ? await deps.authorize(match.route, req) : { ok: true };
  if (!granted.ok) return { ...jsonReply(granted.status, granted.body, [idHeader, ["x-amzn-ErrorType", granted.errorType]]), note: granted.why };
  const context: EventContext = { path: match.path, ...(granted.authorizer ? { authorizer: granted.authorizer } : {}), ...(granted.identity ? { identity: granted.identity } : {}) };
  const event = toProxyEvent(req, match.route, match.pathParameters, deps.now(), requestId, context);
  let result: unknown;
  try {
    result = await deps.invoke(match.route.functionId, event, requestId);
  } catch (e) {
    const err = e as Error;
    deps.error(`${match.route.functionId} failed (request ${requestId}): ${err?.stack ?? String(e)}`);
    // Lambda's function error through a proxy integration: API Gateway answers 502
    return jsonReply(502, { message: "Internal server error" }, [idHeader, ["x-amzn-ErrorType", "InternalServerErrorException"]]);
  }
  const reply = fromProxyResult(result);
  if ("error" in reply) {
    deps.error(`${match.route.functionId} returned a malformed proxy response (request ${requestId}): ${reply.error}`);
    return jsonReply(502, { message: "Internal server error" }, [idHeader]);
  }
  reply.headers.push(idHeader);
  return reply;
}

/** API Gateway's payload quota for REST APIs: a larger request answers 413 and is never buffered. */
export const MAX_REQUEST_BYTES = 10 * 1024 * 1024;
/** What a handler's response headers may add up to (names and values); more answers 502, as a malformed response. */
export const MAX_RESPONSE_HEADER_BYTES = 10 * 1024;

/** The node:http listener around handleRequest, with the request log line. */
export function requestListener(deps: LocalApiDeps): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const started = performance.now();
    const chunks: Buffer[] = [];
    let size = 0;
    const tooLarge = () => {
      // The rest of the body is read and dropped (not buffered), so the client gets to read the answer.
      req.removeAllListeners("data");
      req.removeAllListeners("end");
      req.resume();
      const reply = jsonReply(413, { message: "Request Too Long" }, [["x-amzn-ErrorType", "RequestEntityTooLargeException"]]);
      send(res, reply, false, deps);
      deps.log(`${req.method} ${req.url} 413 ${(performance.now() - started).toFixed(1)}ms (body over ${MAX_REQUEST_BYTES} bytes)`);
    };
    if (Number(req.headers["content-length"]) > MAX_REQUEST_BYTES) return tooLarge();
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > MAX_REQUEST_BYTES) {
        chunks.length = 0;
        tooLarge();
      } else chunks.push(c);
    });
    req.on("end", () => {
      const parts: RequestParts = {
        method: req.method ?? "GET", url: req.url ?? "/", rawHeaders: req.rawHeaders, body: Buffer.concat(chunks),
        sourceIp: (req.socket.remoteAddress ?? "127.0.0.1").replace(/^::ffff:/, ""), localPort: req.socket.localPort,
      };
      handleRequest(parts, deps)
        .catch((e: unknown): HttpReply => {
          deps.error(`local API failure: ${(e as Error)?.stack ?? String(e)}`);
          return jsonReply(500, { message: "Internal server error" });
        })
        .then((reply) => {
          const status = send(res, reply, req.method === "HEAD", deps);
          deps.log(`${parts.method} ${parts.url} ${status} ${(performance.now() - started).toFixed(1)}ms${reply.note ? ` (${reply.note})` : ""}`);
        })
        .catch((e: unknown) => deps.error(`local API failure while answering: ${(e as Error)?.stack ?? String(e)}`));
    });
  };
}

/**
 * Writes the reply. Node refuses some headers a handler may return (a newline in a value, a bad name):
 * API Gateway answers those with 502, and so does this; the server itself never goes down for it.
 */
function send(res: ServerResponse, reply: HttpReply, head: boolean, deps: LocalApiDeps): number {
  try {
    const headerBytes = reply.headers.reduce((n, [k, v]) => n + Buffer.byteLength(k) + Buffer.byteLength(v), 0);
    if (headerBytes > MAX_RESPONSE_HEADER_BYTES) throw new Error(`headers of ${headerBytes} bytes, over ${MAX_RESPONSE_HEADER_BYTES}`);
    res.writeHead(reply.status, reply.headers.flat());
  } catch (e) {
    deps.error(`the function returned a header Node cannot send (${(e as Error).message}): answering 502`);
    const bad = jsonReply(502, { message: "Internal server error" });
    res.writeHead(bad.status, bad.headers.flat());
    res.end(head ? undefined : bad.body);
    return bad.status;
  }
  res.end(head ? undefined : reply.body);
  return reply.status;
}
