/**
 * The route table of the local API Gateway (REST, Lambda proxy integration), built from every `Api`
 * event across the nested stacks: each route belongs to one Api (the implicit ServerlessRestApi or
 * the AWS::Serverless::Api its RestApiId names), which carries its stage, stage variables
 * (`Variables`), Cors and binary media types as SAM deploys them. Ids are shaped as API Gateway's
 * (a 10-character api id, a 6-character resource id), stable for the same template.
 */
import { createHash } from "node:crypto";
import type { Json, Problem, StackNode } from "../../cfn/templates.ts";
import { resourcesOf, withGlobals } from "../../cfn/template-body.ts";
import { isObj } from "../../cfn/json.ts";
import type { StackResolver } from "../../cfn/stack-refs.ts";
import { apiAuthOf, routeAuth, type RouteAuth } from "../../cfn/route-auth.ts";
import { gatewayResponsesOf, type GatewayResponses } from "./gateway-responses.ts";

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
  /** API Gateway's id shape: 10 lowercase letters and digits. */
  apiId: string;
  stage: string;
  /** The stage's variables (the Api's `Variables`), or null when it has none, as in the event. */
  variables: Record<string, string> | null;
  cors?: CorsConfig;
  binaryMediaTypes: string[];
  /** What the Api answers when API Gateway itself ends a request (gateway-responses.ts). */
  gatewayResponses: GatewayResponses;
  /** Parts of its configuration hdoc dev leaves out, to warn about once. */
  notes: string[];
}

export type Segment = { kind: "literal"; text: string } | { kind: "param"; name: string } | { kind: "greedy"; name: string };

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
  /** API Gateway's id shape for the resource: 6 lowercase letters and digits. */
  resourceId: string;
  /** Set when hdoc cannot run the function (an image function...): the route answers 502 and says why on the console. */
  unavailable?: string;
}

/** The functions whose events make routes: the ones hdoc runs, and the ones it cannot (with the reason). */
export interface RoutedFunction {
  id: string;
  logicalId: string;
  template: string;
  stackPath: string[];
  properties: { [k: string]: Json };
  /** Why the function cannot run locally, when it cannot. */
  unavailable?: string;
}

/** A stable id of API Gateway's shape (lowercase letters and digits) for a name. */
export function idShaped(name: string, length: number): string {
  const digest = createHash("sha256").update(name).digest();
  const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
  return Array.from(digest.subarray(0, length), (b) => alphabet[b % alphabet.length]).join("");
}

export const ALL_METHODS = ["DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT"];

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
  let variables: Record<string, string> | null = null;
  if (isObj(props.Variables)) {
    variables = {};
    for (const [k, v] of Object.entries(props.Variables)) {
      const r = resolver.text(stack, v);
      if (r.kind === "value") variables[k] = r.value;
      else problems.push({ template: stack.file, logicalId: logicalId ?? "ServerlessRestApi", message: `stage variable ${k} cannot be resolved locally: ${r.why}` });
    }
  }
  const notes: string[] = [];
  const gatewayResponses = gatewayResponsesOf(props, stack, logicalId, resolver, notes);
  return { id, apiId: idShaped(id, 10), stage, variables, cors: corsOf(props.Cors, stack, resolver, problems, logicalId ?? "ServerlessRestApi"), binaryMediaTypes: binary, gatewayResponses, notes };
}

/** Every `Api` event of every function, across the nested stacks. Problems for the ones that cannot be served. */
export function collectRoutes(functions: RoutedFunction[], stacks: StackNode[], resolver: StackResolver): { routes: Route[]; problems: Problem[] } {
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
      const clash = routes.find((r) => r.method === method && r.resource === normalized && r.api === api);
      if (clash) { problem(`route ${method} ${normalized} is already served by ${clash.functionId}`); continue; }
      routes.push({ method, resource: normalized, segments, functionId: fn.id, api, auth: routeAuth(p.Auth, apiAuthOf(apiStack, apiId)), resourceId: idShaped(`${api.id} ${normalized}`, 6), ...(fn.unavailable ? { unavailable: fn.unavailable } : {}) });
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

