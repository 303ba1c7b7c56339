/**
 * The local API Gateway (REST, Lambda proxy integration): the route table built from every `Api`
 * event across the nested stacks, requests turned into proxy events, handler results turned back
 * into HTTP responses, CORS preflight answered from the Api's `Cors` setting as SAM deploys it.
 * No AWS SDK here: the function runtime is injected as `invoke`.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { randomUUID } from "node:crypto";
import type { APIGatewayProxyEvent } from "aws-lambda";
import type { FunctionInfo, Json, Problem, StackNode } from "../../cfn/templates.ts";
import { resourcesOf, withGlobals } from "../../cfn/templates.ts";
import { isObj } from "../../cfn/json.ts";
import type { StackResolver } from "../../cfn/stack-refs.ts";
import { apiAuthOf, routeAuth, type RouteAuth } from "../../cfn/route-auth.ts";
import type { AuthOutcome } from "../auth/authorizer.ts";

export interface CorsConfig {
  allowOrigin: string;
  allowMethods?: string;
  allowHeaders?: string;
  maxAge?: string;
  allowCredentials: boolean;
}

export interface ApiInfo {
  /** "Api/Api" (stack path + logical id) or "<stack>/ServerlessRestApi" for SAM's implicit API. */
  id: string;
  stage: string;
  cors?: CorsConfig;
  binaryMediaTypes: string[];
}

type Segment = { kind: "literal"; text: string } | { kind: "param"; name: string } | { kind: "greedy"; name: string };

export interface Route {
  /** Upper case, or "ANY". */
  method: string;
  /** The resource path as written in the template: /users/{username}. */
  resource: string;
  segments: Segment[];
  functionId: string;
  /** Who may call it (the event's or the Api's authorizer; absent = public), enforced by `authorize`. */
  auth?: RouteAuth;
  api: ApiInfo;
}

const ALL_METHODS = ["DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT"];

export function parseResourcePath(resource: string): Segment[] | undefined {
  if (!resource.startsWith("/")) return undefined;
  const parts = resource.split("/").filter(Boolean);
  const segs: Segment[] = [];
  for (const [i, p] of parts.entries()) {
    const greedy = /^\{([A-Za-z0-9._-]+)\+\}$/.exec(p);
    const param = /^\{([A-Za-z0-9._-]+)\}$/.exec(p);
    if (greedy) {
      if (i !== parts.length - 1) return undefined;
      segs.push({ kind: "greedy", name: greedy[1]! });
    } else if (param) segs.push({ kind: "param", name: param[1]! });
    else if (/[{}]/.test(p)) return undefined;
    else segs.push({ kind: "literal", text: p });
  }
  return segs;
}

/** Removes the single quotes SAM requires around Cors values ("'*'" -> "*"). */
const unquote = (s: string) => (s.length >= 2 && s.startsWith("'") && s.endsWith("'") ? s.slice(1, -1) : s);

function corsOf(value: Json | undefined, stack: StackNode, resolver: StackResolver, problems: Problem[], logicalId: string): CorsConfig | undefined {
  if (value === undefined || value === null) return undefined;
  const text = (v: Json | undefined): string | undefined => {
    if (v === undefined) return undefined;
    const r = resolver.text(stack, v);
    if (r.kind === "value") return unquote(r.value);
    problems.push({ template: stack.file, logicalId, message: `Cors value cannot be resolved locally: ${r.why}` });
    return undefined;
  };
  if (!isObj(value) || "Fn::Sub" in value || "Ref" in value || "Fn::Join" in value) {
    const origin = text(value);
    return origin === undefined ? undefined : { allowOrigin: origin, allowCredentials: false };
  }
  return {
    allowOrigin: text(value.AllowOrigin) ?? "*",
    allowMethods: text(value.AllowMethods),
    allowHeaders: text(value.AllowHeaders),
    maxAge: text(value.MaxAge),
    allowCredentials: value.AllowCredentials === true || value.AllowCredentials === "true",
  };
}

function apiInfo(stack: StackNode, logicalId: string | undefined, resolver: StackResolver, problems: Problem[]): ApiInfo {
  const globals = isObj(stack.body.Globals) && isObj(stack.body.Globals.Api) ? stack.body.Globals.Api : undefined;
  const res = logicalId ? resourcesOf(stack.body).find(([id]) => id === logicalId)?.[1] : undefined;
  const props = withGlobals(globals, (res?.Properties ?? {}) as { [k: string]: Json });
  const id = [...stack.path, logicalId ?? "ServerlessRestApi"].join("/");
  const stageR = props.StageName === undefined ? undefined : resolver.text(stack, props.StageName);
  const stage = stageR?.kind === "value" ? stageR.value : "Prod";
  const binary = Array.isArray(props.BinaryMediaTypes) ? props.BinaryMediaTypes.filter((t): t is string => typeof t === "string").map((t) => t.replace(/~1/g, "/")) : [];
  return { id, stage, cors: corsOf(props.Cors, stack, resolver, problems, logicalId ?? "ServerlessRestApi"), binaryMediaTypes: binary };
}

/** Every `Api` event of every function, across the nested stacks. Problems for the ones that cannot be served. */
export function collectRoutes(functions: FunctionInfo[], stacks: StackNode[], resolver: StackResolver): { routes: Route[]; problems: Problem[] } {
  const problems: Problem[] = [];
  const routes: Route[] = [];
  const apis = new Map<string, ApiInfo>();
  for (const fn of functions) {
    const stack = stacks.find((s) => s.file === fn.template && s.path.join("/") === fn.stackPath.join("/"));
    if (!stack || !isObj(fn.properties.Events)) continue;
    for (const [eventId, ev] of Object.entries(fn.properties.Events)) {
      if (!isObj(ev) || ev.Type !== "Api") continue;
      const p = isObj(ev.Properties) ? ev.Properties : {};
      const problem = (message: string) => problems.push({ template: fn.template, logicalId: `${fn.logicalId} ${eventId}`, message });
      const pathR = resolver.text(stack, p.Path);
      const methodR = resolver.text(stack, p.Method);
      if (pathR.kind !== "value") { problem(`Api event has no usable Path (${pathR.why})`); continue; }
      if (methodR.kind !== "value") { problem(`Api event has no usable Method (${methodR.why})`); continue; }
      const segments = parseResourcePath(pathR.value);
      if (!segments) { problem(`Api event Path ${JSON.stringify(pathR.value)} is not a valid resource path`); continue; }
      const method = methodR.value.toUpperCase();
      if (method !== "ANY" && !ALL_METHODS.includes(method)) { problem(`Api event Method ${JSON.stringify(methodR.value)} is not an HTTP method`); continue; }
      let apiStack = stack, apiId: string | undefined;
      if (p.RestApiId !== undefined) {
        const r = resolver.resolve(stack, p.RestApiId);
        if (r.kind !== "resource" || r.ref.attr) { problem(`RestApiId does not name an AWS::Serverless::Api (${r.kind === "unresolved" ? r.why : "not a Ref"})`); continue; }
        apiStack = r.ref.stack;
        apiId = r.ref.logicalId;
      }
      const key = [...apiStack.path, apiId ?? "ServerlessRestApi"].join("/");
      let api = apis.get(key);
      if (!api) apis.set(key, (api = apiInfo(apiStack, apiId, resolver, problems)));
      const normalized = "/" + pathR.value.split("/").filter(Boolean).join("/");
      const clash = routes.find((r) => r.method === method && r.resource === normalized);
      if (clash) { problem(`route ${method} ${normalized} is already served by ${clash.functionId}`); continue; }
      routes.push({ method, resource: normalized, segments, functionId: fn.id, api, auth: routeAuth(p.Auth, apiAuthOf(apiStack, apiId)) });
    }
  }
  return { routes: sortRoutes(routes), problems };
}

/** API Gateway's precedence: literal segments before {param}, {param} before {proxy+}; a method before ANY. */
export function sortRoutes(routes: Route[]): Route[] {
  const rank = (s: Segment | undefined) => (s === undefined ? 3 : s.kind === "literal" ? 0 : s.kind === "param" ? 1 : 2);
  return [...routes].sort((a, b) => {
    for (let i = 0; i < Math.max(a.segments.length, b.segments.length); i++) {
      const d = rank(a.segments[i]) - rank(b.segments[i]);
      if (d) return d;
    }
    return (a.method === "ANY" ? 1 : 0) - (b.method === "ANY" ? 1 : 0);
  });
}

function matchSegments(segs: Segment[], parts: string[]): Record<string, string> | undefined {
  const params: Record<string, string> = {};
  for (let i = 0; i < segs.length; i++) {
    const s = segs[i]!;
    if (s.kind === "greedy") {
      if (i >= parts.length) return undefined;
      params[s.name] = parts.slice(i).map(safeDecode).join("/");
      return params;
    }
    const part = parts[i];
    if (part === undefined) return undefined;
    if (s.kind === "literal" && s.text !== part) return undefined;
    if (s.kind === "param") params[s.name] = safeDecode(part);
  }
  return segs.length === parts.length ? params : undefined;
}

const safeDecode = (s: string) => {
  try { return decodeURIComponent(s); } catch { return s; }
};

export type Match = { route: Route; pathParameters: Record<string, string> } | { preflight: { api: ApiInfo; methods: string[] } } | undefined;

/**
 * Finds the route for a request. The stage may prefix the path (/Prod/users), as in a deployed URL.
 * OPTIONS on a path without its own OPTIONS method is a CORS preflight when the Api has Cors.
 */
export function matchRoute(routes: Route[], method: string, pathname: string): Match {
  const parts = pathname.split("/").filter(Boolean);
  const attempt = (ps: string[]): Match => {
    const onPath = routes.map((route) => ({ route, params: matchSegments(route.segments, ps) })).filter((m) => m.params);
    if (!onPath.length) return undefined;
    const hit = onPath.find((m) => m.route.method === method) ?? onPath.find((m) => m.route.method === "ANY");
    if (hit && !(method === "OPTIONS" && hit.route.method === "ANY" && hit.route.api.cors)) return { route: hit.route, pathParameters: hit.params! };
    if (method === "OPTIONS") {
      const best = onPath[0]!.route;
      const same = onPath.filter((m) => m.route.resource === best.resource).map((m) => m.route);
      if (best.api.cors) return { preflight: { api: best.api, methods: same.flatMap((r) => (r.method === "ANY" ? ALL_METHODS : [r.method])) } };
    }
    return undefined;
  };
  const direct = attempt(parts);
  if (direct) return direct;
  const first = parts[0];
  if (first && routes.some((r) => r.api.stage === first)) {
    const m = attempt(parts.slice(1));
    if (m && ("preflight" in m ? m.preflight.api.stage === first : m.route.api.stage === first)) return m;
  }
  return undefined;
}

/** The headers of SAM's generated OPTIONS method (a mock integration answering 200). */
export function preflightHeaders(api: ApiInfo, methods: string[]): Record<string, string> {
  const cors = api.cors!;
  const allowed = cors.allowMethods ?? [...new Set([...methods, "OPTIONS"])].sort().join(",");
  const h: Record<string, string> = { "Access-Control-Allow-Origin": cors.allowOrigin, "Access-Control-Allow-Methods": allowed };
  if (cors.allowHeaders) h["Access-Control-Allow-Headers"] = cors.allowHeaders;
  if (cors.maxAge) h["Access-Control-Max-Age"] = cors.maxAge;
  if (cors.allowCredentials) h["Access-Control-Allow-Credentials"] = "true";
  return h;
}

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
}

/** An API Gateway REST proxy event (payload 1.0) for a matched request. */
export function toProxyEvent(req: RequestParts, route: Route, pathParameters: Record<string, string>, now: Date, requestId: string = randomUUID()): APIGatewayProxyEvent {
  const u = new URL(req.url, "http://local");
  const headers: Record<string, string> = {};
  const multiValueHeaders: Record<string, string[]> = {};
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i]!, value = req.rawHeaders[i + 1]!;
    headers[name] = value;
    (multiValueHeaders[name] ??= []).push(value);
  }
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
  return {
    resource: route.resource,
    path: u.pathname,
    httpMethod: req.method,
    headers,
    multiValueHeaders,
    queryStringParameters: hasQuery ? query : null,
    multiValueQueryStringParameters: hasQuery ? multiQuery : null,
    pathParameters: Object.keys(pathParameters).length ? pathParameters : null,
    stageVariables: null,
    body,
    isBase64Encoded,
    requestContext: {
      accountId: "123456789012",
      apiId: "local",
      resourceId: route.resource,
      stage: route.api.stage,
      requestId,
      extendedRequestId: requestId,
      requestTime: apiGatewayTime(now),
      requestTimeEpoch: now.getTime(),
      path: `/${route.api.stage}${u.pathname}`,
      resourcePath: route.resource,
      httpMethod: req.method,
      protocol: "HTTP/1.1",
      domainName: Object.entries(headers).find(([k]) => k.toLowerCase() === "host")?.[1] ?? "localhost",
      authorizer: undefined,
      identity: {
        sourceIp: req.sourceIp,
        userAgent,
        accessKey: null, accountId: null, apiKey: null, apiKeyId: null, caller: null, clientCert: null,
        cognitoAuthenticationProvider: null, cognitoAuthenticationType: null, cognitoIdentityId: null,
        cognitoIdentityPoolId: null, principalOrgId: null, user: null, userArn: null,
      },
    },
  };
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
  if (!match) return jsonReply(404, { message: "Missing Authentication Token" }, [idHeader, ["x-amzn-ErrorType", "MissingAuthenticationTokenException"]]);
  if ("preflight" in match) {
    return { status: 200, headers: [["Content-Type", "application/json"], idHeader, ...Object.entries(preflightHeaders(match.preflight.api, match.preflight.methods))], body: Buffer.alloc(0) };
  }
  const granted: AuthOutcome = deps.authorize ? await deps.authorize(match.route, req) : { ok: true };
  if (!granted.ok) return { ...jsonReply(granted.status, granted.body, [idHeader, ["x-amzn-ErrorType", granted.errorType]]), note: granted.why };
  const event = toProxyEvent(req, match.route, match.pathParameters, deps.now(), requestId);
  if (granted.authorizer) event.requestContext.authorizer = granted.authorizer;
  if (granted.identity) Object.assign(event.requestContext.identity, granted.identity);
  let result: unknown;
  try {
    result = await deps.invoke(match.route.functionId, event, requestId);
  } catch (e) {
    const err = e as Error;
    deps.error(`${match.route.functionId} failed (request ${requestId}): ${err?.stack ?? String(e)}`);
    return jsonReply(500, { message: "Internal server error" }, [idHeader, ["x-amzn-ErrorType", "InternalServerErrorException"]]);
  }
  const reply = fromProxyResult(result);
  if ("error" in reply) {
    deps.error(`${match.route.functionId} returned a malformed proxy response (request ${requestId}): ${reply.error}`);
    return jsonReply(502, { message: "Internal server error" }, [idHeader]);
  }
  reply.headers.push(idHeader);
  return reply;
}

/** The node:http listener around handleRequest, with the request log line. */
export function requestListener(deps: LocalApiDeps): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const started = performance.now();
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const parts: RequestParts = { method: req.method ?? "GET", url: req.url ?? "/", rawHeaders: req.rawHeaders, body: Buffer.concat(chunks), sourceIp: (req.socket.remoteAddress ?? "127.0.0.1").replace(/^::ffff:/, "") };
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
