/**
 * The authorization SAM gives an `Api` event of an AWS::Serverless::Function, as the translator
 * does it: the event's `Auth.Authorizer` (`NONE`, `AWS_IAM` or the name of one of the Api's
 * `Auth.Authorizers`), else the Api's `Auth.DefaultAuthorizer`, else none. Used by `hdoc dev` to
 * enforce it and by the template checks to refuse a write route left public by mistake: a non-GET
 * route must have an authorizer unless the function's `Metadata.hdoc.publicRoutes` names the event
 * (with the reason it is public).
 */
import { isObj, type Json } from "./json.ts";
import type { FunctionInfo, Problem, StackNode } from "./templates.ts";
import { resourcesOf, withGlobals } from "./template-body.ts";

export type RouteAuth =
  | { kind: "public" }
  | { kind: "cognito"; authorizer: string; header: string; userPoolArn: Json | undefined }
  | { kind: "iam" }
  /** An authorizer hdoc does not emulate (a Lambda authorizer), or one that is not defined. */
  | { kind: "unsupported"; authorizer: string; why: string };

const READ_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/** The route's authorization from its event's Auth and its Api's Auth (Globals.Api merged). */
export function routeAuth(eventAuth: Json | undefined, apiAuth: Json | undefined): RouteAuth {
  const api = isObj(apiAuth) ? apiAuth : {};
  const ev = isObj(eventAuth) ? eventAuth : {};
  const name = typeof ev.Authorizer === "string" ? ev.Authorizer : typeof api.DefaultAuthorizer === "string" ? api.DefaultAuthorizer : undefined;
  if (name === undefined || name === "NONE") return { kind: "public" };
  if (name === "AWS_IAM") return { kind: "iam" };
  const defs = isObj(api.Authorizers) ? api.Authorizers : {};
  const def = defs[name];
  if (!isObj(def)) return { kind: "unsupported", authorizer: name, why: `the Api defines no authorizer ${name} (Auth.Authorizers: ${Object.keys(defs).join(", ") || "none"})` };
  if (def.UserPoolArn !== undefined) {
    const identity = isObj(def.Identity) ? def.Identity : {};
    return { kind: "cognito", authorizer: name, header: typeof identity.Header === "string" ? identity.Header : "Authorization", userPoolArn: def.UserPoolArn };
  }
  return { kind: "unsupported", authorizer: name, why: `${name} is a Lambda authorizer, which hdoc dev does not run` };
}

/** The Auth of an Api resource (or, without a logical id, the stack's implicit API), Globals.Api merged. */
export function apiAuthOf(stack: StackNode, logicalId: string | undefined): Json | undefined {
  const globals = isObj(stack.body.Globals) && isObj(stack.body.Globals.Api) ? stack.body.Globals.Api : undefined;
  const res = logicalId ? resourcesOf(stack.body).find(([id]) => id === logicalId)?.[1] : undefined;
  return withGlobals(globals, (res?.Properties ?? {}) as { [k: string]: Json }).Auth;
}

/** Events the function's `Metadata.hdoc.publicRoutes` declares public on purpose (event id -> reason). */
export function declaredPublic(meta: Json | undefined): Record<string, string> {
  const hdoc = isObj(meta) && isObj(meta.hdoc) ? meta.hdoc : {};
  const routes = isObj(hdoc.publicRoutes) ? hdoc.publicRoutes : {};
  return Object.fromEntries(Object.entries(routes).filter(([, why]) => typeof why === "string" && why.trim()).map(([k, v]) => [k, v as string]));
}

/** Every non-GET Api route without an authorizer that is not declared public, and every authorizer that does not exist. */
export function routeAuthProblems(functions: FunctionInfo[], stacks: StackNode[]): Problem[] {
  const problems: Problem[] = [];
  for (const fn of functions) {
    const stack = stacks.find((s) => s.file === fn.template && s.path.join("/") === fn.stackPath.join("/"));
    if (!stack || !isObj(fn.properties.Events)) continue;
    const resource = resourcesOf(stack.body).find(([id]) => id === fn.logicalId)?.[1];
    const publicOnPurpose = declaredPublic(resource?.Metadata);
    for (const [eventId, ev] of Object.entries(fn.properties.Events)) {
      if (!isObj(ev) || ev.Type !== "Api" || !isObj(ev.Properties)) continue;
      const p = ev.Properties;
      const method = typeof p.Method === "string" ? p.Method.toUpperCase() : "";
      const apiId = isObj(p.RestApiId) && typeof p.RestApiId.Ref === "string" ? p.RestApiId.Ref : undefined;
      if (p.RestApiId !== undefined && !resourcesOf(stack.body).some(([id]) => id === apiId)) continue; // an Api of another stack: checked there
      const auth = routeAuth(p.Auth, apiAuthOf(stack, apiId));
      const where = { template: fn.template, logicalId: `${fn.logicalId} ${eventId}` };
      if (auth.kind === "unsupported" && auth.why.startsWith("the Api defines no")) problems.push({ ...where, message: `Auth.Authorizer ${auth.authorizer}: ${auth.why}` });
      if (auth.kind === "public" && !READ_METHODS.has(method) && !(eventId in publicOnPurpose)) {
        problems.push({
          ...where,
          message: `${method} ${String(p.Path)} has no authorizer: anyone could call it. Give the event Auth.Authorizer (e.g. CognitoAuthorizer or AWS_IAM), or declare it public on purpose in the function's Metadata: hdoc: { publicRoutes: { ${eventId}: "<why>" } }`,
        });
      }
    }
  }
  return problems;
}
