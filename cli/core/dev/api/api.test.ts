import { describe, expect, it } from "vitest";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { collectRoutes, parseResourcePath, sortRoutes, type ApiInfo, type Route } from "./routes.ts";
import { matchRoute, preflightHeaders } from "./router.ts";
import fc from "fast-check";
import { fromProxyResult, splitUrl, toProxyEvent } from "./proxy-event.ts";
import { handleRequest, INTEGRATION_TIMEOUT_MS, MAX_REQUEST_BYTES, requestListener } from "./listener.ts";
import { discoverFunctions } from "../../cfn/templates.ts";
import { StackResolver } from "../../cfn/stack-refs.ts";
import { matchesPattern } from "../stream-filter.ts";

const api: ApiInfo = { id: "Api", apiId: "abcdefghij", stage: "dev", variables: null, cors: { allowOrigin: "*", allowCredentials: false }, binaryMediaTypes: ["image/*"], gatewayResponses: {}, notes: [] };
const route = (method: string, resource: string, functionId = resource): Route => ({ method, resource, segments: parseResourcePath(resource)!, functionId, api, resourceId: "abc123" });
const req = (over: Partial<Parameters<typeof toProxyEvent>[0]> = {}) => ({ method: "GET", url: "/", rawHeaders: [], body: Buffer.alloc(0), sourceIp: "127.0.0.1", ...over });

describe("route matching", () => {
  const routes = [route("ANY", "/files/{proxy+}"), route("GET", "/users/{username}"), route("GET", "/users/me"), route("POST", "/users"), route("ANY", "/users/{username}/x")]
    .sort(() => Math.random() - 0.5); // the table's order must not matter
  const sorted = sortRoutes(routes);
  it.each([
    ["GET", "/users/me", "/users/me", {}],
    ["GET", "/users/ada", "/users/{username}", { username: "ada" }],
    ["GET", "/users/a%20b", "/users/{username}", { username: "a b" }],
    ["POST", "/users", "/users", {}],
    ["DELETE", "/users/ada/x", "/users/{username}/x", { username: "ada" }],
    ["GET", "/files/a/b/c.txt", "/files/{proxy+}", { proxy: "a/b/c.txt" }],
    ["GET", "/dev/users/ada", "/users/{username}", { username: "ada" }],
  ])("%s %s -> %s", (method, p, resource, params) => {
    const m = matchRoute(sorted, method, p);
    expect(m && "route" in m ? [m.route.resource, m.pathParameters] : m).toEqual([resource, params]);
  });
  it.each([["GET", "/nope"], ["DELETE", "/users/ada"], ["GET", "/files"], ["GET", "/users/ada/x/y"], ["GET", "/prod/users/ada"]])("%s %s matches nothing", (method, p) => {
    expect(matchRoute(sorted, method, p)).toBeUndefined();
  });
  it("treats OPTIONS on a known path as a preflight listing the path's methods", () => {
    const m = matchRoute(sorted, "OPTIONS", "/users");
    expect(m && "preflight" in m ? preflightHeaders(m.preflight.api, m.preflight.methods) : m).toEqual({ "Access-Control-Allow-Origin": "*", "Access-Control-Allow-Methods": "OPTIONS,POST" });
  });
  it("rejects resource paths API Gateway would reject", () => {
    for (const bad of ["users", "/a/{proxy+}/b", "/a/{x", "/a/b}"]) expect(parseResourcePath(bad)).toBeUndefined();
  });
});

describe("request -> proxy event", () => {
  it("reads a request URL's path and query exactly as new URL() does (property)", () => {
    const chars = fc.constantFrom(..."/./%2eE?#&=+ a\\|ü:@;~'".split(""), "%2E", "..", "//", "%20", "%zz");
    fc.assert(fc.property(fc.array(chars, { maxLength: 24 }).map((cs) => `/${cs.join("")}`), (url) => {
      let u: URL;
      try {
        u = new URL(url, "http://local");
      } catch {
        expect(() => splitUrl(url)).toThrow(); // as before: the request answers 500
        return;
      }
      const mine = splitUrl(url);
      expect(mine.path).toBe(u.pathname);
      expect([...(mine.query ?? [])]).toEqual([...u.searchParams]);
    }), { numRuns: 3000 });
  });

  const r = route("POST", "/items/{id}");
  it("keeps repeated headers and query parameters in the multi-value forms, the last value in the single ones", () => {
    const e = toProxyEvent(req({ method: "POST", url: "/items/7?a=1&a=2&b=x%20y", rawHeaders: ["Accept", "a/b", "X-Many", "1", "X-Many", "2"] }), r, { id: "7" }, new Date("2026-04-09T12:34:56Z"), "rid");
    expect(e.headers).toMatchObject({ Accept: "a/b", "X-Many": "2" });
    expect(e.multiValueHeaders).toMatchObject({ Accept: ["a/b"], "X-Many": ["1", "2"] });
    expect(e.queryStringParameters).toEqual({ a: "2", b: "x y" });
    expect(e.multiValueQueryStringParameters).toEqual({ a: ["1", "2"], b: ["x y"] });
    expect(e.pathParameters).toEqual({ id: "7" });
    expect(e.body).toBeNull();
    expect(e.requestContext).toMatchObject({ requestId: "rid", stage: "dev", resourcePath: "/items/{id}", path: "/dev/items/7", requestTime: "09/Apr/2026:12:34:56 +0000", requestTimeEpoch: Date.parse("2026-04-09T12:34:56Z") });
  });
  /**
   * The official sample REST proxy event (aws/aws-lambda-go events/testdata/apigw-request.json, the
   * same shape as the API Gateway developer guide's example and aws-powertools' test events):
   * resourceId "roq9wj" (6 characters), apiId "gy415nuibc" (10), X-Forwarded-For "client, proxy",
   * X-Forwarded-Port and -Proto, stageVariables an object, `path` without the stage.
   */
  it("gives API Gateway's headers, ids, stage variables and no authorizer key when none ran", () => {
    const withVars: Route = { ...r, api: { ...api, variables: { tableName: "t1" } } };
    const e = toProxyEvent(req({ method: "POST", url: "/items/7", rawHeaders: ["Host", "localhost:3000", "X-Forwarded-For", "10.1.1.1"], sourceIp: "127.0.0.1", localPort: 3000 }), withVars, { id: "7" }, new Date("2026-04-09T12:34:56Z"), "rid");
    expect(e.headers).toMatchObject({ "X-Forwarded-For": "10.1.1.1, 127.0.0.1", "X-Forwarded-Port": "3000", "X-Forwarded-Proto": "http" });
    expect(e.headers["X-Amzn-Trace-Id"]).toMatch(/^Root=1-[0-9a-f]{8}-[0-9a-f]{24}$/);
    expect(e.headers["X-Amzn-Trace-Id"]!.slice(7, 15)).toBe(Math.floor(Date.parse("2026-04-09T12:34:56Z") / 1000).toString(16));
    expect(e.stageVariables).toEqual({ tableName: "t1" });
    expect(e.requestContext.resourceId).toMatch(/^[a-z0-9]{6}$/);
    expect(e.requestContext.apiId).toMatch(/^[a-z0-9]{10}$/);
    expect("authorizer" in e.requestContext).toBe(false);
    expect(JSON.parse(JSON.stringify(e))).toEqual(e);
  });

  it("puts an authorizer's context into requestContext.authorizer when the caller passes one", () => {
    const e = toProxyEvent(req(), r, {}, new Date(), "rid", { authorizer: { claims: { sub: "u1" } }, identity: { cognitoIdentityId: "id-1" } });
    expect(e.requestContext.authorizer).toEqual({ claims: { sub: "u1" } });
    expect(e.requestContext.identity.cognitoIdentityId).toBe("id-1");
  });

  it("merges headers repeated with different case under the first spelling (last value single, all values multi)", () => {
    const e = toProxyEvent(req({ rawHeaders: ["X-Token", "a", "x-token", "b", "X-TOKEN", "c"] }), r, {}, new Date());
    expect(e.multiValueHeaders["X-Token"]).toEqual(["a", "b", "c"]);
    expect(e.headers["X-Token"]).toBe("c");
    expect(Object.keys(e.headers).filter((k) => k.toLowerCase() === "x-token")).toEqual(["X-Token"]);
  });

  it("gives path without the stage and requestContext.path with it, for a stage-prefixed URL (was /Prod/hello/x and /Prod/Prod/hello/x)", () => {
    const prodApi: ApiInfo = { ...api, stage: "Prod" };
    const routes = sortRoutes([{ ...route("GET", "/hello/{name}"), api: prodApi }]);
    const m = matchRoute(routes, "GET", "/Prod/hello/x");
    if (!m || !("route" in m)) throw new Error("no match");
    const e = toProxyEvent(req({ url: "/Prod/hello/x" }), m.route, m.pathParameters, new Date(), "rid", { path: m.path });
    expect([e.path, e.requestContext.path]).toEqual(["/hello/x", "/Prod/hello/x"]);
  });

  it("sends a stage-prefixed URL to the Api of that stage, not to another Api's greedy route", () => {
    const a: ApiInfo = { ...api, id: "A", stage: "dev" };
    const b: ApiInfo = { ...api, id: "B", stage: "Prod" };
    const routes = sortRoutes([{ ...route("ANY", "/{proxy+}", "greedyA"), api: a }, { ...route("GET", "/hello/{name}", "helloB"), api: b }]);
    const m = matchRoute(routes, "GET", "/Prod/hello/x");
    expect(m && "route" in m ? [m.route.functionId, m.path] : m).toEqual(["helloB", "/hello/x"]);
    const other = matchRoute(routes, "GET", "/something/else");
    expect(other && "route" in other ? other.route.functionId : other).toBe("greedyA");
  });

  it("uses null for absent query and path parameters, as API Gateway does", () => {
    const e = toProxyEvent(req(), route("GET", "/"), {}, new Date());
    expect([e.queryStringParameters, e.multiValueQueryStringParameters, e.pathParameters]).toEqual([null, null, null]);
  });
  it("base64-encodes bodies of binary media types and bodies that are not UTF-8, not text", () => {
    const png = toProxyEvent(req({ rawHeaders: ["Content-Type", "image/png"], body: Buffer.from("abc") }), r, {}, new Date());
    expect([png.body, png.isBase64Encoded]).toEqual([Buffer.from("abc").toString("base64"), true]);
    const raw = toProxyEvent(req({ body: Buffer.from([0xff, 0x00]) }), r, {}, new Date());
    expect(raw.isBase64Encoded).toBe(true);
    const json = toProxyEvent(req({ rawHeaders: ["Content-Type", "application/json"], body: Buffer.from('{"é":1}') }), r, {}, new Date());
    expect([json.body, json.isBase64Encoded]).toEqual(['{"é":1}', false]);
  });
});

describe("handler result -> HTTP response", () => {
  it("merges headers and multiValueHeaders (multi-value wins for the same name) and decodes base64 bodies", () => {
    const out = fromProxyResult({ statusCode: 201, headers: { A: "1", "Set-Cookie": "lost" }, multiValueHeaders: { "set-cookie": ["x=1", "y=2"] }, body: Buffer.from([1, 2]).toString("base64"), isBase64Encoded: true });
    expect(out).toEqual({ status: 201, headers: [["A", "1"], ["set-cookie", "x=1"], ["set-cookie", "y=2"], ["Content-Type", "application/json"]], body: Buffer.from([1, 2]) });
  });
  it.each([[undefined], ["text"], [{ statusCode: "abc" }], [{ statusCode: 200, body: { a: 1 } }]])("calls %j malformed (API Gateway answers 502)", (result) => {
    expect(fromProxyResult(result)).toHaveProperty("error");
  });
  it("answers 502 for a malformed result and for a throw (API Gateway's answer to a function error), the details to the console only", async () => {
    const errors: string[] = [];
    const deps = (invoke: () => Promise<unknown>) => ({ routes: [route("GET", "/x")], invoke, log: () => undefined, error: (l: string) => errors.push(l), now: () => new Date() });
    const bad = await handleRequest(req({ url: "/x" }), deps(async () => ({ body: "no status" })));
    expect([bad.status, bad.body.toString()]).toEqual([502, '{"message":"Internal server error"}']);
    const thrown = await handleRequest(req({ url: "/x" }), deps(async () => { throw new Error("secret detail"); }));
    expect([thrown.status, thrown.body.toString()]).toEqual([502, '{"message":"Internal server error"}']);
    expect(errors.join("\n")).toContain("secret detail");
  });

  it("answers 504 Endpoint request timed out once the integration timeout passes, while a quicker function answers (found in review: 200 after 40 s)", async () => {
    const errors: string[] = [];
    const deps = (invoke: () => Promise<unknown>) => ({ routes: [route("GET", "/x")], invoke, log: () => undefined, error: (l: string) => errors.push(l), now: () => new Date(), integrationTimeoutMs: 50 });
    const slow = await handleRequest(req({ url: "/x" }), deps(() => new Promise((r) => setTimeout(r, 500, { statusCode: 200, body: "late" }))));
    expect([slow.status, slow.body.toString()]).toEqual([504, '{"message":"Endpoint request timed out"}']);
    expect(errors.join("\n")).toMatch(/did not answer within API Gateway's integration timeout \(0\.05 s; request .+\): 504/);
    const slowFailing = await handleRequest(req({ url: "/x" }), deps(() => new Promise((_, reject) => setTimeout(reject, 200, new Error("after the answer")))));
    expect(slowFailing.status).toBe(504);
    const quick = await handleRequest(req({ url: "/x" }), deps(async () => ({ statusCode: 200, body: "ok" })));
    expect([quick.status, quick.body.toString()]).toEqual([200, "ok"]);
    expect(INTEGRATION_TIMEOUT_MS).toBe(29_000);
    await new Promise((r) => setTimeout(r, 300)); // the late rejection is handled (no unhandled rejection fails the run)
  });

  it("answers 502 for a function hdoc cannot run (an image function), saying why on the console, without invoking", async () => {
    const errors: string[] = [];
    let invoked = false;
    const reply = await handleRequest(req({ url: "/img" }), {
      routes: [{ ...route("GET", "/img", "Api/ImageFn"), unavailable: "image: PackageType Image (repo:latest)" }],
      invoke: async () => { invoked = true; return {}; }, log: () => undefined, error: (l: string) => errors.push(l), now: () => new Date(),
    });
    expect([reply.status, invoked]).toEqual([502, false]);
    expect(errors).toEqual(["Api/ImageFn cannot run locally (image: PackageType Image (repo:latest)): GET /img answers 502"]);
  });
});

describe("requestListener", () => {
  /** A real HTTP server around the listener; `result` is what the handler returns next. */
  async function serve(result: () => unknown) {
    const errors: string[] = [], lines: string[] = [];
    let invoked = 0;
    const listener = requestListener({
      routes: [route("ANY", "/x")],
      invoke: async () => (invoked++, result()),
      log: (l) => lines.push(l),
      error: (l) => errors.push(l),
      now: () => new Date(),
    });
    const server = createServer(listener);
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/x`;
    return { url, errors, lines, invoked: () => invoked, close: () => new Promise((r) => server.close(r)) };
  }

  // Each of these made writeHead throw (or sent what API Gateway refuses); the server must answer 502, say why, and keep serving.
  it.each([
    ["a header value with a newline (was: writeHead threw and ended hdoc dev)", { statusCode: 200, headers: { "x-note": "one\ntwo" }, body: "ok" }, /header Node cannot send/],
    ["an invalid header name", { statusCode: 200, headers: { "bad name": "x" }, body: "ok" }, /header Node cannot send/],
    ["a header name with a colon", { statusCode: 200, multiValueHeaders: { "x:y": ["1"] }, body: "ok" }, /header Node cannot send/],
    ["huge headers", { statusCode: 200, headers: { "x-big": "a".repeat(20_000) }, body: "ok" }, /headers of 2\d{4} bytes, over 10240/],
    ["a body that is an object", { statusCode: 200, body: { not: "a string" } }, /body must be a string/],
    ["a body that is a number", { statusCode: 200, body: 42 }, /body must be a string/],
    ["a status code that is not one", { statusCode: 1000, body: "ok" }, /is not an HTTP status/],
  ])("answers 502 for %s, logs why, and keeps serving", async (_name, bad, why) => {
    let next: unknown = bad;
    const s = await serve(() => next);
    try {
      const first = await fetch(s.url);
      expect([first.status, await first.text()]).toEqual([502, '{"message":"Internal server error"}']);
      expect(s.errors.join("\n")).toMatch(why);
      next = { statusCode: 200, body: "fine" };
      const second = await fetch(s.url);
      expect([second.status, await second.text()]).toEqual([200, "fine"]);
    } finally {
      await s.close();
    }
  });

  it("answers 413 Request Too Long for a body over 10 MB without calling the function, declared or chunked (was: buffered whole)", async () => {
    const s = await serve(() => ({ statusCode: 200, body: "called" }));
    try {
      const declared = await fetch(s.url, { method: "POST", body: Buffer.alloc(MAX_REQUEST_BYTES + 1024 * 1024, 1) });
      expect([declared.status, await declared.json()]).toEqual([413, { message: "Request Too Long" }]);
      async function* chunks() {
        for (let i = 0; i < 11; i++) yield Buffer.alloc(1024 * 1024, 2);
      }
      const chunked = await fetch(s.url, { method: "POST", body: ReadableStream.from(chunks()), duplex: "half" } as RequestInit);
      expect([chunked.status, await chunked.json()]).toEqual([413, { message: "Request Too Long" }]);
      expect(s.invoked()).toBe(0);
      const atLimit = await fetch(s.url, { method: "POST", body: Buffer.alloc(MAX_REQUEST_BYTES, 3) });
      expect([atLimit.status, await atLimit.text()]).toEqual([200, "called"]);
      expect(s.lines.filter((l) => / 413 /.test(l))).toHaveLength(2);
    } finally {
      await s.close();
    }
  });
});

describe("routes and references from the fixture templates", () => {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../../test/fixtures/dev");
  const found = discoverFunctions(path.join(root, "infra/template.yml"), root);
  const rootNode = found.stacks.find((s) => s.path.length === 0)!;
  rootNode.body.Parameters = { Stage: { Type: "String", Default: "dev" } };
  const resolver = new StackResolver(found.stacks, { region: "us-east-1", accountId: "1", attr: (ref) => (ref.attr ? `${ref.logicalId}.${ref.attr}` : ref.logicalId) });
  it("collects every Api event across nested stacks with the Api's stage and Cors", () => {
    const { routes, problems } = collectRoutes(found.functions, found.stacks, resolver);
    expect(problems).toEqual([]);
    expect(routes.map((r) => `${r.method} ${r.resource}`).sort()).toEqual(["ANY /echo/{proxy+}", "GET /boom", "GET /echo/exact", "GET /items/{owner}/{id}", "GET /totals/{owner}", "POST /items/{owner}"]);
    expect(routes[0]!.api).toMatchObject({ stage: "dev", cors: { allowOrigin: "*", allowHeaders: "Content-Type,Authorization", maxAge: "600" }, binaryMediaTypes: ["application/octet-stream"] });
  });
  it("follows Ref -> parent parameter -> GetAtt Outputs -> child resource, and Sub", () => {
    const web = found.stacks.find((s) => s.path.join("/") === "Web")!;
    expect(resolver.text(web, { Ref: "ItemsTableName" })).toEqual({ kind: "value", value: "ItemsTable" });
    expect(resolver.text(web, { Ref: "ItemsStreamArn" })).toEqual({ kind: "value", value: "ItemsTable.StreamArn" });
    expect(resolver.text(web, { "Fn::Sub": "${Stage}-${AWS::Region}-${Api}" })).toEqual({ kind: "value", value: "dev-us-east-1-Api" });
    expect(resolver.resolve(web, { Ref: "Nope" })).toMatchObject({ kind: "unresolved" });
  });
});

describe("stream filters", () => {
  it("filters records with Lambda's pattern syntax", () => {
    const rec = { eventName: "INSERT", dynamodb: { NewImage: { kind: { S: "days" }, n: { N: "5" } } } };
    expect(matchesPattern({ eventName: ["INSERT", "MODIFY"] }, rec)).toBe(true);
    expect(matchesPattern({ eventName: ["REMOVE"] }, rec)).toBe(false);
    expect(matchesPattern({ dynamodb: { NewImage: { kind: { S: [{ prefix: "da" }] }, n: { N: [{ numeric: [">", 4] }] } } } }, rec)).toBe(true);
    expect(matchesPattern({ dynamodb: { OldImage: [{ exists: false }] } }, rec)).toBe(true);
  });
});
