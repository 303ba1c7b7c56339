/** API Gateway proxy event fixtures (functions/<name>/events/*.json), cloned and adjusted per test. */
import { readFileSync } from "node:fs";
import path from "node:path";
import { expect } from "vitest";

export type ProxyEvent = Record<string, unknown> & {
  pathParameters: Record<string, string> | null;
  queryStringParameters: Record<string, string> | null;
  body: string | null;
};

export function loadEvent(dir: string, name: string, patch: Partial<ProxyEvent> = {}): ProxyEvent {
  const ev = JSON.parse(readFileSync(path.join(dir, "events", `${name}.json`), "utf8")) as ProxyEvent;
  return { ...ev, ...patch };
}

export interface Parsed {
  status: number;
  headers: Record<string, string>;
  body: { error?: { code: string; message: string; requestId?: string; field?: string } } & Record<string, unknown>;
  text: string;
}

/** Checks the response shape every route promises (CORS headers, JSON body) and parses it. */
export function parse(res: { statusCode: number; headers?: Record<string, unknown>; body: string }): Parsed {
  const headers = (res.headers ?? {}) as Record<string, string>;
  expect(headers["Access-Control-Allow-Origin"]).toBe("*");
  expect(headers["Access-Control-Allow-Methods"]).toContain("GET");
  expect(headers["Access-Control-Allow-Headers"]).toContain("Content-Type");
  expect(headers["Content-Type"]).toMatch(/^application\/json/);
  return { status: res.statusCode, headers, body: JSON.parse(res.body), text: res.body };
}

/** The event with the Cognito authorizer's claims replaced (values as API Gateway passes them: strings). */
export function withClaims(event: ProxyEvent, claims: Record<string, string> | undefined): ProxyEvent {
  const rc = { ...(event.requestContext as Record<string, unknown>) };
  if (claims === undefined) delete rc.authorizer;
  else rc.authorizer = { claims: { ...((rc.authorizer as { claims?: object } | undefined)?.claims ?? {}), ...claims } };
  return { ...event, requestContext: rc };
}
