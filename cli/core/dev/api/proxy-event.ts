/**
 * API Gateway's REST proxy event (payload 1.0) for a matched request, and a handler's result back
 * as the HTTP reply API Gateway would send. The event's shape follows the official samples (the
 * AWS Lambda Go library's events/testdata/apigw-request.json and the API Gateway developer guide):
 * `path` without the stage, `requestContext.path` with it, `stageVariables` from the Api, id-shaped
 * `resourceId`/`apiId`, no `authorizer` key unless an authorizer ran (its context is passed in),
 * the X-Forwarded-For/-Port/-Proto and X-Amzn-Trace-Id headers API Gateway adds, and repeated headers
 * merged case-insensitively under the first spelling (the last value in `headers`, all of them in
 * `multiValueHeaders`).
 */
import { randomFillSync, randomUUID } from "node:crypto";
import type { APIGatewayProxyEvent } from "aws-lambda";
import { isObj } from "../../cfn/json.ts";
import type { Route } from "./routes.ts";

const TEXT_TYPES = /^(text\/|application\/(json|xml|javascript|x-www-form-urlencoded|[\w.+-]+\+(json|xml)))/i;

function mediaMatches(contentType: string, patterns: string[]): boolean {
  const ct = contentType.split(";")[0]!.trim().toLowerCase();
  return patterns.some((p) => {
    const [pt, ps] = p.toLowerCase().split("/");
    const [ct1, cs] = ct.split("/");
    return (pt === "*" || pt === ct1) && (ps === "*" || ps === cs);
  });
}

export interface RequestParts {
  method: string;
  /** The raw path and query: /users/octocat?x=1 */
  url: string;
  /** Node's rawHeaders: name, value, name, value... (original case, repeats kept). */
  rawHeaders: string[];
  body: Buffer;
  sourceIp: string;
  /** The port the client connected to (X-Forwarded-Port). */
  localPort?: number;
}

/** What the caller knows beyond the request: the path the Api sees, and an authorizer's context. */
export interface EventContext {
  /** The request path without a stage prefix (router.ts's Match.path). */
  path?: string;
  /** `requestContext.authorizer` as the authorizer produced it (claims, principalId...); absent when none ran. */
  authorizer?: Record<string, unknown>;
  /** `requestContext.identity` fields an authorizer set (cognitoIdentityId, userArn...). */
  identity?: Partial<APIGatewayProxyEvent["requestContext"]["identity"]>;
}

/** Random bytes drawn in blocks (one system call per 256 trace ids instead of one each). */
const entropy = Buffer.alloc(12 * 256);
let drawn = entropy.length;
const random96 = (): string => {
  if (drawn >= entropy.length) {
    randomFillSync(entropy);
    drawn = 0;
  }
  drawn += 12;
  return entropy.toString("hex", drawn - 12, drawn);
};

/** A trace header of X-Ray's shape: Root=1-<epoch seconds, hex>-<96 random bits, hex>. */
export const traceId = (now: Date): string => `Root=1-${Math.floor(now.getTime() / 1000).toString(16).padStart(8, "0")}-${random96()}`;

/** Characters of a path that `new URL()` leaves as they are: with no dot segment (`.`, `%2e`) either, the path is the raw one. */
const PLAIN_PATH = /^\/[A-Za-z0-9\-._~!$&'()*+,;=:@%/]*$/;
const DOT_SEGMENT = /\/(?:\.|%2e)/i;
/** A query `new URL()` keeps as it is: printable ASCII, no fragment. */
const PRINTABLE = /^[\x21-\x22\x24-\x7e]*$/;

/** The path and query parameters of a request URL, as `new URL(url, base)` gives them; without parsing a URL in the common case. */
export function splitUrl(url: string): { path: string; query: URLSearchParams | undefined } {
  const q = url.indexOf("?");
  const rawPath = q < 0 ? url : url.slice(0, q);
  const rawQuery = q < 0 ? "" : url.slice(q + 1);
  if (PLAIN_PATH.test(rawPath) && rawPath[1] !== "/" && !DOT_SEGMENT.test(rawPath) && PRINTABLE.test(rawQuery)) return { path: rawPath, query: rawQuery ? new URLSearchParams(`?${rawQuery}`) : undefined }; // (a leading "?" of its own would be dropped)
  const u = new URL(url, "http://local");
  return { path: u.pathname, query: u.search ? u.searchParams : undefined };
}

/**
 * Request headers as API Gateway hands them on: names compared without case, the first spelling
 * kept, every value in order in the multi-value form and the last one in the single form; then the
 * headers API Gateway adds (X-Forwarded-For gets the client's address appended).
 */
export function proxyHeaders(req: RequestParts, now: Date): { headers: Record<string, string>; multiValueHeaders: Record<string, string[]>; spelling: Map<string, string> } {
  const spelling = new Map<string, string>();
  const multi: Record<string, string[]> = {};
  const add = (name: string, value: string) => {
    const lower = name.toLowerCase();
    const key = spelling.get(lower) ?? name;
    spelling.set(lower, key);
    (multi[key] ??= []).push(value);
  };
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) add(req.rawHeaders[i]!, req.rawHeaders[i + 1]!);
  const forwarded = spelling.get("x-forwarded-for");
  if (forwarded) multi[forwarded] = [[...multi[forwarded]!, req.sourceIp].join(", ")];
  else multi["X-Forwarded-For"] = [req.sourceIp];
  if (!spelling.has("x-forwarded-port")) multi["X-Forwarded-Port"] = [String(req.localPort ?? 80)];
  if (!spelling.has("x-forwarded-proto")) multi["X-Forwarded-Proto"] = ["http"];
  if (!spelling.has("x-amzn-trace-id")) multi["X-Amzn-Trace-Id"] = [traceId(now)];
  const headers: Record<string, string> = {};
  for (const k in multi) headers[k] = multi[k]![multi[k]!.length - 1]!;
  return { headers, multiValueHeaders: multi, spelling };
}

/** An API Gateway REST proxy event (payload 1.0) for a matched request. */
export function toProxyEvent(req: RequestParts, route: Route, pathParameters: Record<string, string>, now: Date, requestId: string = randomUUID(), ctx: EventContext = {}): APIGatewayProxyEvent {
  const u = splitUrl(req.url);
  const path = ctx.path ?? u.path;
  const { headers, multiValueHeaders, spelling } = proxyHeaders(req, now);
  const header = (lower: string): string | undefined => {
    const key = spelling.get(lower);
    return key === undefined ? undefined : headers[key];
  };
  const query: Record<string, string> = {};
  const multiQuery: Record<string, string[]> = {};
  if (u.query) {
    for (const [k, v] of u.query) {
      query[k] = v;
      (multiQuery[k] ??= []).push(v);
    }
  }
  const contentType = header("content-type") ?? "";
  let body: string | null = null, isBase64Encoded = false;
  if (req.body.length) {
    const text = req.body.toString("utf8");
    const binaryType = contentType && mediaMatches(contentType, route.api.binaryMediaTypes) && !TEXT_TYPES.test(contentType);
    if (binaryType || !Buffer.from(text, "utf8").equals(req.body)) {
      body = req.body.toString("base64");
      isBase64Encoded = true;
    } else body = text;
  }
  const userAgent = header("user-agent") ?? null;
  const hasQuery = Object.keys(query).length > 0;
  const event: APIGatewayProxyEvent = {
    resource: route.resource,
    path,
    httpMethod: req.method,
    headers,
    multiValueHeaders,
    queryStringParameters: hasQuery ? query : null,
    multiValueQueryStringParameters: hasQuery ? multiQuery : null,
    pathParameters: Object.keys(pathParameters).length ? pathParameters : null,
    stageVariables: route.api.variables ? { ...route.api.variables } : null,
    body,
    isBase64Encoded,
    requestContext: {
      accountId: "123456789012",
      apiId: route.api.apiId,
      resourceId: route.resourceId,
      stage: route.api.stage,
      requestId,
      extendedRequestId: requestId,
      requestTime: apiGatewayTime(now),
      requestTimeEpoch: now.getTime(),
      path: `/${route.api.stage}${path}`,
      resourcePath: route.resource,
      httpMethod: req.method,
      protocol: "HTTP/1.1",
      domainName: header("host") ?? "localhost",
      identity: {
        sourceIp: req.sourceIp,
        userAgent,
        accessKey: null, accountId: null, apiKey: null, apiKeyId: null, caller: null, clientCert: null,
        cognitoAuthenticationProvider: null, cognitoAuthenticationType: null, cognitoIdentityId: null,
        cognitoIdentityPoolId: null, principalOrgId: null, user: null, userArn: null,
        ...ctx.identity,
      },
    } as APIGatewayProxyEvent["requestContext"],
  };
  if (ctx.authorizer) event.requestContext.authorizer = ctx.authorizer;
  return event;
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
let lastTime = { second: NaN, text: "" };
/** 09/Apr/2015:12:34:56 +0000 (made once per second: many requests share it). */
function apiGatewayTime(d: Date): string {
  const second = Math.floor(d.getTime() / 1000);
  if (second === lastTime.second) return lastTime.text;
  const p = (n: number) => String(n).padStart(2, "0");
  lastTime = { second, text: `${p(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000` };
  return lastTime.text;
}

export interface HttpReply {
  status: number;
  /** name, value pairs (repeats kept, e.g. several Set-Cookie). */
  headers: Array<[string, string]>;
  body: Buffer;
  /** For the request log only (e.g. why the authorizer refused); never sent. */
  note?: string;
  /** What to answer instead when Node refuses these headers (the Api's 502 gateway response). */
  gatewayError?: () => HttpReply;
}

/** A handler's result as API Gateway returns it; `error` when API Gateway would answer 502 (malformed). */
export function fromProxyResult(result: unknown): HttpReply | { error: string } {
  if (!isObj(result)) return { error: `the handler returned ${result === undefined ? "nothing" : typeof result}, not an object with statusCode` };
  const status = typeof result.statusCode === "number" ? result.statusCode : typeof result.statusCode === "string" && /^\d{3}$/.test(result.statusCode) ? Number(result.statusCode) : NaN;
  if (!Number.isInteger(status) || status < 100 || status > 599) return { error: `statusCode ${JSON.stringify(result.statusCode)} is not an HTTP status` };
  if (result.body !== undefined && result.body !== null && typeof result.body !== "string") return { error: "body must be a string (JSON.stringify it)" };
  const headers: Array<[string, string]> = [];
  const multi = isObj(result.multiValueHeaders) ? result.multiValueHeaders : {};
  const multiNames = new Set(Object.keys(multi).map((k) => k.toLowerCase()));
  if (isObj(result.headers)) {
    for (const [k, v] of Object.entries(result.headers)) if (!multiNames.has(k.toLowerCase()) && v !== null) headers.push([k, String(v)]);
  }
  for (const [k, vs] of Object.entries(multi)) for (const v of Array.isArray(vs) ? vs : [vs]) if (v !== null) headers.push([k, String(v)]);
  if (!headers.some(([k]) => k.toLowerCase() === "content-type")) headers.push(["Content-Type", "application/json"]);
  const raw = typeof result.body === "string" ? result.body : "";
  const body = result.isBase64Encoded === true ? Buffer.from(raw, "base64") : Buffer.from(raw, "utf8");
  return { status, headers, body };
}

