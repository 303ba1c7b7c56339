/**
 * The HTTP edge of every API function: one response helper (status, JSON body, CORS headers),
 * tolerant reading of API Gateway proxy events, and one wrapper that turns expected failures into
 * 4xx and anything else into a 500 that says only "internal error" plus the request id.
 */
import { randomUUID } from "node:crypto";
import type { APIGatewayProxyResult, Context } from "aws-lambda";
import { toJson } from "./json.ts";
import type { Logger } from "./log.ts";
import { ValidationError } from "./validation.ts";

/** Largest request body accepted, in bytes (after base64 decoding). */
export const MAX_BODY_BYTES = 16 * 1024;

export const CORS_HEADERS = {
  "Access-Control-Allow-Origin": "*",
  "Access-Control-Allow-Headers": "Content-Type,Authorization,X-Amz-Date,X-Api-Key,X-Amz-Security-Token",
  "Access-Control-Allow-Methods": "GET,POST,OPTIONS",
} as const;

export type HttpResponse = APIGatewayProxyResult & { headers: Record<string, string> };

export function respond(statusCode: number, body: unknown, requestId?: string): HttpResponse {
  const headers: Record<string, string> = { "Content-Type": "application/json; charset=utf-8", ...CORS_HEADERS };
  if (requestId) headers["X-Request-Id"] = requestId;
  return { statusCode, headers, body: toJson(body) };
}

export const errorBody = (code: string, message: string, extra: Record<string, string> = {}) => ({ error: { code, message, ...extra } });

/** An expected failure with its HTTP status; becomes `{ error: { code, message } }`. */
export class HttpError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
  }
}
export const notFound = (what: string) => new HttpError(404, "NOT_FOUND", `${what} was not found`);
export const conflict = (message: string) => new HttpError(409, "CONFLICT", message);

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** A read-only view of a proxy event that never throws on missing or odd-typed fields. */
export class Request {
  readonly requestId: string;
  constructor(readonly event: unknown, context?: Partial<Context>) {
    const rc = isObj(event) && isObj(event.requestContext) ? event.requestContext : {};
    const fromContext = typeof context?.awsRequestId === "string" && context.awsRequestId ? context.awsRequestId : undefined;
    const fromEvent = typeof rc.requestId === "string" && rc.requestId ? rc.requestId : undefined;
    this.requestId = fromContext ?? fromEvent ?? randomUUID();
  }
  private map(key: string): Record<string, unknown> {
    const e = this.event;
    return isObj(e) && isObj(e[key]) ? e[key] : {};
  }
  /** A path parameter, or undefined when absent or not a string. */
  path(name: string): string | undefined {
    const v = this.map("pathParameters")[name];
    return typeof v === "string" ? v : undefined;
  }
  query(name: string): string | undefined {
    const v = this.map("queryStringParameters")[name];
    return typeof v === "string" ? v : undefined;
  }
  /** The body parsed as a JSON object, or {} when there is none; 400 for an oversized or malformed body. */
  optionalJsonBody(maxBytes = MAX_BODY_BYTES): Record<string, unknown> {
    const e = isObj(this.event) ? this.event : {};
    return e.body === undefined || e.body === null || e.body === "" ? {} : this.jsonBody(maxBytes);
  }
  /** The body parsed as a JSON object; 400 for a missing, oversized or malformed body. */
  jsonBody(maxBytes = MAX_BODY_BYTES): Record<string, unknown> {
    const e = isObj(this.event) ? this.event : {};
    if (typeof e.body !== "string" || e.body === "") throw new HttpError(400, "MISSING_BODY", "the request needs a JSON body");
    const raw = e.isBase64Encoded === true ? Buffer.from(e.body, "base64").toString("utf8") : e.body;
    if (Buffer.byteLength(raw, "utf8") > maxBytes) {
      throw new HttpError(400, "BODY_TOO_LARGE", `the request body is larger than ${maxBytes} bytes`);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      throw new HttpError(400, "BAD_JSON", "the request body is not valid JSON");
    }
    if (!isObj(parsed)) throw new HttpError(400, "BAD_JSON", "the request body must be a JSON object");
    return parsed;
  }
}

export type Route = (req: Request) => Promise<HttpResponse>;
export type ApiHandler = (event: unknown, context?: Partial<Context>) => Promise<HttpResponse>;

/** Wraps a route: HttpError/ValidationError -> 4xx, anything else -> logged, 500 "internal error". */
export function httpHandler(name: string, log: Logger, route: Route): ApiHandler {
  return async (event, context) => {
    const req = new Request(event, context);
    try {
      return await route(req);
    } catch (e) {
      if (e instanceof HttpError) return respond(e.status, errorBody(e.code, e.message), req.requestId);
      if (e instanceof ValidationError) return respond(400, errorBody(e.code, e.message, { field: e.field }), req.requestId);
      log("error", `${name} failed`, { requestId: req.requestId, error: e });
      return respond(500, errorBody("INTERNAL", "internal error", { requestId: req.requestId }), req.requestId);
    }
  };
}

/**
 * The exported Lambda handler: builds the real handler once per container (clients, table names
 * from the environment) on first use; a configuration error becomes a logged 500, not a crash.
 */
export function containerHandler(name: string, log: Logger, build: () => ApiHandler): ApiHandler {
  let built: ApiHandler | undefined;
  return async (event, context) => {
    try {
      built ??= build();
    } catch (e) {
      return httpHandler(name, log, async () => { throw e; })(event, context);
    }
    return built(event, context);
  };
}
