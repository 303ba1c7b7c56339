/**
 * API Gateway's gateway responses: what a REST API answers when it, not the function, ends a request
 * (no route, the authorizer said no, a body over the quota, a function that failed or answered
 * something malformed). A template customises them with the AWS::Serverless::Api `GatewayResponses`
 * property or AWS::ApiGateway::GatewayResponse resources: per response type a status code, headers
 * (`'literal'`, or a value of the request: `method.request.header|querystring|path.<name>`,
 * `stageVariables.<name>`) and a body template. As API Gateway does, a type without its own entry
 * takes DEFAULT_4XX or DEFAULT_5XX by its status class, keeping its own status unless that entry
 * sets one; without either it is the built-in answer. In a body template `$context.error.message`,
 * `$context.error.messageString` (quoted), `$context.error.responseType` and `$context.requestId`
 * are filled in.
 */
import type { Json, StackNode } from "../../cfn/templates.ts";
import { resourcesOf } from "../../cfn/template-body.ts";
import { isObj } from "../../cfn/json.ts";
import type { StackResolver } from "../../cfn/stack-refs.ts";

export type GatewayResponseType =
  | "DEFAULT_4XX" | "DEFAULT_5XX" | "ACCESS_DENIED" | "API_CONFIGURATION_ERROR" | "AUTHORIZER_CONFIGURATION_ERROR" | "AUTHORIZER_FAILURE"
  | "BAD_REQUEST_PARAMETERS" | "BAD_REQUEST_BODY" | "EXPIRED_TOKEN" | "INTEGRATION_FAILURE" | "INTEGRATION_TIMEOUT" | "INVALID_API_KEY"
  | "INVALID_SIGNATURE" | "MISSING_AUTHENTICATION_TOKEN" | "QUOTA_EXCEEDED" | "REQUEST_TOO_LARGE" | "RESOURCE_NOT_FOUND" | "THROTTLED"
  | "UNAUTHORIZED" | "UNSUPPORTED_MEDIA_TYPE" | "WAF_FILTERED";

const TYPES = new Set<string>(["DEFAULT_4XX", "DEFAULT_5XX", "ACCESS_DENIED", "API_CONFIGURATION_ERROR", "AUTHORIZER_CONFIGURATION_ERROR", "AUTHORIZER_FAILURE", "BAD_REQUEST_PARAMETERS", "BAD_REQUEST_BODY", "EXPIRED_TOKEN", "INTEGRATION_FAILURE", "INTEGRATION_TIMEOUT", "INVALID_API_KEY", "INVALID_SIGNATURE", "MISSING_AUTHENTICATION_TOKEN", "QUOTA_EXCEEDED", "REQUEST_TOO_LARGE", "RESOURCE_NOT_FOUND", "THROTTLED", "UNAUTHORIZED", "UNSUPPORTED_MEDIA_TYPE", "WAF_FILTERED"]);

/** A header value: a literal, or taken from the request. */
export type HeaderValue = { literal: string } | { from: "header" | "querystring" | "path" | "stageVariables"; name: string };

export interface GatewayResponseConfig {
  statusCode?: number;
  headers: Array<[string, HeaderValue]>;
  /** The application/json body template, if one is set. */
  template?: string;
}

export type GatewayResponses = Partial<Record<GatewayResponseType, GatewayResponseConfig>>;

/** What a request offers to header values taken from it. */
export interface ResponseContext {
  header(name: string): string | undefined;
  query: Record<string, string>;
  path: Record<string, string>;
  stageVariables: Record<string, string> | null;
  requestId: string;
}

function headerValue(expr: string): HeaderValue | undefined {
  if (expr.length >= 2 && expr.startsWith("'") && expr.endsWith("'")) return { literal: expr.slice(1, -1) };
  const m = /^method\.request\.(header|querystring|path)\.(.+)$/.exec(expr) ?? /^(stageVariables)\.(.+)$/.exec(expr);
  return m ? { from: m[1] as "header" | "querystring" | "path" | "stageVariables", name: m[2]! } : undefined;
}

/** One response type's entry; `notes` gets what hdoc leaves out (and why). */
function entryOf(type: string, raw: { [k: string]: Json }, headersOf: () => Array<[string, Json]>, text: (v: Json | undefined) => string | undefined, notes: string[]): GatewayResponseConfig {
  const status = text(raw.StatusCode);
  const headers: Array<[string, HeaderValue]> = [];
  for (const [name, v] of headersOf()) {
    const expr = text(v);
    const value = expr === undefined ? undefined : headerValue(expr);
    if (value) headers.push([name, value]);
    // the value as written, never what a !Ref resolved to (a parameter's value may be a secret)
    else notes.push(`gateway response ${type}: header ${name} = ${JSON.stringify(v)} is not a value hdoc dev can fill in; it is not sent`);
  }
  const templates = isObj(raw.ResponseTemplates) ? raw.ResponseTemplates : {};
  const template = text(templates["application/json"]);
  return { ...(status && /^\d{3}$/.test(status) ? { statusCode: Number(status) } : {}), headers, ...(template !== undefined ? { template } : {}) };
}

/**
 * The gateway responses of one Api: its `GatewayResponses` property (SAM) and the
 * AWS::ApiGateway::GatewayResponse resources of its stack whose RestApiId is this Api.
 */
export function gatewayResponsesOf(props: { [k: string]: Json }, stack: StackNode, apiLogicalId: string | undefined, resolver: StackResolver, notes: string[]): GatewayResponses {
  const out: GatewayResponses = {};
  const text = (v: Json | undefined): string | undefined => {
    if (v === undefined || v === null) return undefined;
    const r = resolver.text(stack, v);
    return r.kind === "value" ? r.value : undefined;
  };
  if (isObj(props.GatewayResponses)) {
    for (const [type, raw] of Object.entries(props.GatewayResponses)) {
      if (!TYPES.has(type) || !isObj(raw)) {
        notes.push(`gateway response ${type} is not a response type of REST APIs; ignored`);
        continue;
      }
      const params = isObj(raw.ResponseParameters) ? raw.ResponseParameters : {};
      out[type as GatewayResponseType] = entryOf(type, raw, () => (isObj(params.Headers) ? Object.entries(params.Headers) : []), text, notes);
    }
  }
  if (apiLogicalId) {
    for (const [, res] of resourcesOf(stack.body)) {
      if (res.Type !== "AWS::ApiGateway::GatewayResponse" || !isObj(res.Properties)) continue;
      const p = res.Properties;
      const api = resolver.resolve(stack, p.RestApiId as Json);
      const type = text(p.ResponseType);
      if (api.kind !== "resource" || api.ref.logicalId !== apiLogicalId || !type || !TYPES.has(type)) continue;
      const params = isObj(p.ResponseParameters) ? p.ResponseParameters : {};
      const headers = () => Object.entries(params).flatMap(([k, v]): Array<[string, Json]> => (k.startsWith("gatewayresponse.header.") ? [[k.slice("gatewayresponse.header.".length), v]] : []));
      out[type as GatewayResponseType] = entryOf(type, p, headers, text, notes);
    }
  }
  return out;
}

export interface GatewayAnswer {
  status: number;
  headers: Array<[string, string]>;
  body: Buffer;
}

const jsonString = (s: string) => JSON.stringify(s);

/**
 * The answer API Gateway sends for a response of `type`, given the built-in status and message and
 * the Api's configured responses (none: the built-in answer).
 */
export function gatewayAnswer(type: GatewayResponseType, builtIn: { status: number; message: string | null }, responses: GatewayResponses | undefined, ctx: ResponseContext): GatewayAnswer {
  const own = responses?.[type];
  const fallback = builtIn.status >= 500 ? responses?.DEFAULT_5XX : responses?.DEFAULT_4XX;
  const config = own ?? fallback;
  const status = config?.statusCode ?? builtIn.status;
  const headers: Array<[string, string]> = [["Content-Type", "application/json"]];
  for (const [name, v] of config?.headers ?? []) {
    const value = "literal" in v ? v.literal
      : v.from === "header" ? ctx.header(v.name)
      : v.from === "querystring" ? ctx.query[v.name]
      : v.from === "path" ? ctx.path[v.name]
      : ctx.stageVariables?.[v.name];
    if (value !== undefined) headers.push([name, value]);
  }
  const message = builtIn.message;
  const body = config?.template !== undefined
    ? config.template
      .replace(/\$context\.error\.messageString/g, message === null ? "null" : jsonString(message))
      .replace(/\$context\.error\.message/g, message ?? "")
      .replace(/\$context\.error\.responseType/g, type)
      .replace(/\$context\.requestId/g, ctx.requestId)
    : JSON.stringify({ message });
  return { status, headers, body: Buffer.from(body) };
}
