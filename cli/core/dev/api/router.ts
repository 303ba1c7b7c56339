/**
 * Which route answers a request, as API Gateway chooses: literal segments before {param} before
 * {proxy+}, a method before ANY, OPTIONS as a CORS preflight where the Api has Cors. A URL may start
 * with a stage, as a deployed URL does (/Prod/hello): it then belongs only to the Apis deployed at
 * that stage, and the Api sees the path without it; a greedy route of another Api never takes it.
 */
import { ALL_METHODS, type ApiInfo, type Route, type Segment } from "./routes.ts";

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

export type Match =
  | { route: Route; pathParameters: Record<string, string>; /** The path as the Api sees it (without a stage prefix). */ path: string }
  | { preflight: { api: ApiInfo; methods: string[] } }
  | undefined;

function attempt(routes: Route[], method: string, parts: string[], path: string): Match {
  const onPath = routes.map((route) => ({ route, params: matchSegments(route.segments, parts) })).filter((m) => m.params);
  if (!onPath.length) return undefined;
  const hit = onPath.find((m) => m.route.method === method) ?? onPath.find((m) => m.route.method === "ANY");
  if (hit && !(method === "OPTIONS" && hit.route.method === "ANY" && hit.route.api.cors)) return { route: hit.route, pathParameters: hit.params!, path };
  if (method === "OPTIONS") {
    const best = onPath[0]!.route;
    const same = onPath.filter((m) => m.route.resource === best.resource && m.route.api === best.api).map((m) => m.route);
    if (best.api.cors) return { preflight: { api: best.api, methods: same.flatMap((r) => (r.method === "ANY" ? ALL_METHODS : [r.method])) } };
  }
  return undefined;
}

/** Finds the route for a request path (`routes` sorted by sortRoutes). */
export function matchRoute(routes: Route[], method: string, pathname: string): Match {
  const parts = pathname.split("/").filter(Boolean);
  const first = parts[0];
  const staged = first ? routes.filter((r) => r.api.stage === first) : [];
  if (staged.length) {
    const rest = pathname.slice(pathname.indexOf(first!) + first!.length) || "/";
    const m = attempt(staged, method, parts.slice(1), rest);
    if (m) return m;
  }
  return attempt(routes, method, parts, pathname);
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

