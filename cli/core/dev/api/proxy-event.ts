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
import { randomBytes, randomUUID } from "node:crypto";
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

/** A trace header of X-Ray's shape: Root=1-<epoch seconds, hex>-<96 random bits, hex>. */
export const traceId = (now: Date): string => `Root=1-${Math.floor(now.getTime() / 1000).toString(16).padStart(8, "0")}-${randomBytes(12).toString("hex")}`;

/**
 * Request headers as API Gateway hands them on: names compared without case, the first spelling
 * kept, every value in order in the multi-value form and the last one in the single form; then the
 * headers API Gateway adds (X-Forwarded-For gets the client's address appended).
 */
export function proxyHeaders(req: RequestParts, now: Date): { headers: Record<string, string>; multiValueHeaders: Record<string, string[]> } {
  const spelling = new Map<string, string>();
  const multi: Record<string, string[]> = {};
  const add = (name: string, value: string) => {
    const key = spelling.get(name.toLowerCase()) ?? name;
    spelling.set(name.toLowerCase(), key);
    (multi[key] ??= []).push(value);
  };
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) add(req.rawHeaders[i]!, req.rawHeaders[i + 1]!);
  const forwarded = spelling.get("x-forwarded-for");
  if (forwarded) multi[forwarded] = [[...multi[forwarded]!, req.sourceIp].join(", ")];
  else multi["X-Forwarded-For"] = [req.sourceIp];
  if (!spelling.has("x-forwarded-port")) multi["X-Forwarded-Port"] = [String(req.localPort ?? 80)];
  if (!spelling.has("x-forwarded-proto")) multi["X-Forwarded-Proto"] = ["http"];
  if (!spelling.has("x-amzn-trace-id")) multi["X-Amzn-Trace-Id"] = [traceId(now)];
  const headers = Object.fromEntries(Object.entries(multi).map(([k, vs]) => [k, vs.at(-1)!]));
  return { headers, multiValueHeaders: multi };
}

/** An API Gateway REST proxy event (payload 1.0) for a matched request. */
export function toProxyEvent(req: RequestParts, route: Route, pathParameters: Record<string, string>, now: Date, requestId: string = randomUUID(), ctx: EventContext = {}): APIGatewayProxyEvent {
  const u = new URL(req.url, "http://local");
  const path = ctx.path ?? u.pathname;
  const { headers, multiValueHeaders } = proxyHeaders(req, now);
  const query: Record<string, string> = {};
  const multiQuery: Record<string, string[]> = {};
  for (const [k, v] of u.searchParams) {
    query[k] = v;
    (multiQuery[k] ??= []).push(v);
  }
  const contentType = Object.entries(headers).find(([k]) => k.toLowerCase() === "content-type")?.[1] ?? "";
  let body: string | null = null, isBase64Encoded = false;
  if (req.body.length) {
    const text = req.body.toString("utf8");
    const binaryType = contentType && mediaMatches(contentType, route.api.binaryMediaTypes) && !TEXT_TYPES.test(contentType);
    if (binaryType || !Buffer.from(text, "utf8").equals(req.body)) {
      body = req.body.toString("base64");
      isBase64Encoded = true;
    } else body = text;
  }
  const userAgent = Object.entries(headers).find(([k]) => k.toLowerCase() === "user-agent")?.[1] ?? null;
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
      domainName: Object.entries(headers).find(([k]) => k.toLowerCase() === "host")?.[1] ?? "localhost",
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
/** 09/Apr/2015:12:34:56 +0000 */
function apiGatewayTime(d: Date): string {
  const p = (n: number) => String(n).padStart(2, "0");
  return `${p(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
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

