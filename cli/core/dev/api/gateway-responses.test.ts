import { describe, expect, it } from "vitest";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { connect, type AddressInfo } from "node:net";
import type { Json, StackNode } from "../../cfn/templates.ts";
import { StackResolver } from "../../cfn/stack-refs.ts";
import { gatewayAnswer, gatewayResponsesOf, type GatewayResponses } from "./gateway-responses.ts";
import { clientErrorListener, MAX_REQUEST_BYTES, requestHeaderBytes, requestListener } from "./listener.ts";
import { parseResourcePath, type ApiInfo, type Route } from "./routes.ts";
import type { AuthOutcome } from "../auth/authorizer.ts";

const stackOf = (resources: Record<string, Json>): StackNode => ({ file: "/r/infra/api.yml", path: ["Api"], body: { Resources: resources }, children: [] });
const resolverOf = (stack: StackNode) => new StackResolver([stack], { region: "us-east-1", accountId: "123456789012", attr: () => undefined });

// The repository's infra/api.yml configures these two (CORS on every gateway answer).
const CORS = { "Access-Control-Allow-Origin": "'*'", "Access-Control-Allow-Headers": "'Content-Type,Authorization'", "Access-Control-Allow-Methods": "'GET,POST,OPTIONS'" };
const SAM_PROPS = { GatewayResponses: { DEFAULT_4XX: { ResponseParameters: { Headers: CORS } }, DEFAULT_5XX: { ResponseParameters: { Headers: { "Access-Control-Allow-Origin": "'*'" } } } } };
const corsHeaders: Array<[string, string]> = [["Access-Control-Allow-Origin", "*"], ["Access-Control-Allow-Headers", "Content-Type,Authorization"], ["Access-Control-Allow-Methods", "GET,POST,OPTIONS"]];

const ctx = (headers: Record<string, string> = {}) => ({ header: (n: string) => Object.entries(headers).find(([k]) => k.toLowerCase() === n.toLowerCase())?.[1], query: { q: "1" }, path: { id: "7" }, stageVariables: { color: "blue" }, requestId: "rid-1" });

describe("gateway responses from the template", () => {
  it("reads the SAM GatewayResponses property: headers as literals, status codes, body templates", () => {
    const stack = stackOf({});
    const notes: string[] = [];
    const r = gatewayResponsesOf({ GatewayResponses: { ...SAM_PROPS.GatewayResponses, UNAUTHORIZED: { StatusCode: 403, ResponseTemplates: { "application/json": '{"error":$context.error.messageString}' } } } }, stack, "Api", resolverOf(stack), notes);
    expect(r.DEFAULT_4XX?.headers.map(([k, v]) => [k, "literal" in v ? v.literal : v])).toEqual(corsHeaders);
    expect(r.UNAUTHORIZED).toEqual({ statusCode: 403, headers: [], template: '{"error":$context.error.messageString}' });
    expect(notes).toEqual([]);
  });

  it("reads AWS::ApiGateway::GatewayResponse resources of the Api (gatewayresponse.header.*), not those of another Api", () => {
    const stack = stackOf({
      Mine: { Type: "AWS::ApiGateway::GatewayResponse", Properties: { RestApiId: { Ref: "Api" }, ResponseType: "MISSING_AUTHENTICATION_TOKEN", StatusCode: "404", ResponseParameters: { "gatewayresponse.header.X-Why": "'no route'", "gatewayresponse.header.X-Origin": "method.request.header.Origin" } } },
      Other: { Type: "AWS::ApiGateway::GatewayResponse", Properties: { RestApiId: { Ref: "OtherApi" }, ResponseType: "UNAUTHORIZED", ResponseParameters: {} } },
      Api: { Type: "AWS::Serverless::Api" },
      OtherApi: { Type: "AWS::Serverless::Api" },
    });
    const r = gatewayResponsesOf({}, stack, "Api", resolverOf(stack), []);
    expect(Object.keys(r)).toEqual(["MISSING_AUTHENTICATION_TOKEN"]);
    expect(r.MISSING_AUTHENTICATION_TOKEN).toEqual({ statusCode: 404, headers: [["X-Why", { literal: "no route" }], ["X-Origin", { from: "header", name: "Origin" }]] });
  });

  it("names a header it cannot fill in by what is written, never by what a parameter resolves to (it may be a secret)", () => {
    const stack: StackNode = { ...stackOf({}), body: { Parameters: { ApiKey: { Type: "String", NoEcho: true, Default: "s3cr3t-key-value" } }, Resources: {} } };
    const notes: string[] = [];
    gatewayResponsesOf({ GatewayResponses: { DEFAULT_4XX: { ResponseParameters: { Headers: { "X-Key": { Ref: "ApiKey" } } } } } }, stack, "Api", resolverOf(stack), notes);
    expect(notes).toEqual(['gateway response DEFAULT_4XX: header X-Key = {"Ref":"ApiKey"} is not a value hdoc dev can fill in; it is not sent']);
    expect(notes.join("\n")).not.toContain("s3cr3t");
  });

  it("notes what it cannot fill in or does not know, and leaves it out", () => {
    const stack = stackOf({});
    const notes: string[] = [];
    const r = gatewayResponsesOf({ GatewayResponses: { NOT_A_TYPE: {}, DEFAULT_4XX: { ResponseParameters: { Headers: { "X-Ctx": "context.requestId" } } } } }, stack, "Api", resolverOf(stack), notes);
    expect(r.DEFAULT_4XX?.headers).toEqual([]);
    expect(notes).toEqual(["gateway response NOT_A_TYPE is not a response type of REST APIs; ignored", 'gateway response DEFAULT_4XX: header X-Ctx = "context.requestId" is not a value hdoc dev can fill in; it is not sent']);
  });

  const responses: GatewayResponses = {
    DEFAULT_4XX: { headers: [["X-Class", { literal: "4xx" }]] },
    DEFAULT_5XX: { statusCode: 599, headers: [["X-Class", { literal: "5xx" }]] },
    UNAUTHORIZED: { headers: [["X-Own", { literal: "yes" }], ["X-Origin", { from: "header", name: "origin" }], ["X-Q", { from: "querystring", name: "q" }], ["X-P", { from: "path", name: "id" }], ["X-S", { from: "stageVariables", name: "color" }], ["X-None", { from: "header", name: "absent" }]], template: '{"m":$context.error.messageString,"raw":"$context.error.message","t":"$context.error.responseType","id":"$context.requestId"}' },
  };
  it.each([
    ["its own entry", "UNAUTHORIZED", 401, { status: 401, headers: [["X-Own", "yes"], ["X-Origin", "https://site"], ["X-Q", "1"], ["X-P", "7"], ["X-S", "blue"]], body: { m: "Unauthorized", raw: "Unauthorized", t: "UNAUTHORIZED", id: "rid-1" } }],
    ["DEFAULT_4XX for a 4xx type without one, its status kept", "REQUEST_TOO_LARGE", 413, { status: 413, headers: [["X-Class", "4xx"]], body: { message: "Unauthorized" } }],
    ["DEFAULT_5XX for a 5xx type, with the status it sets", "AUTHORIZER_CONFIGURATION_ERROR", 500, { status: 599, headers: [["X-Class", "5xx"]], body: { message: "Unauthorized" } }],
  ] as const)("answers with %s", (_what, type, status, expected) => {
    const a = gatewayAnswer(type, { status, message: "Unauthorized" }, responses, ctx({ Origin: "https://site" }));
    expect({ status: a.status, headers: a.headers.slice(1), body: JSON.parse(a.body.toString()) }).toEqual(expected);
    expect(a.headers[0]).toEqual(["Content-Type", "application/json"]);
  });
  it("answers the built-in response when the Api configures none", () => {
    const a = gatewayAnswer("AUTHORIZER_CONFIGURATION_ERROR", { status: 500, message: null }, {}, ctx());
    expect([a.status, a.headers, a.body.toString()]).toEqual([500, [["Content-Type", "application/json"]], '{"message":null}']);
  });
});

describe("the local API's own answers carry the template's gateway responses", () => {
  const stack = stackOf({});
  const api: ApiInfo = { id: "Api/Api", apiId: "abcdefghij", stage: "dev", variables: null, binaryMediaTypes: [], gatewayResponses: gatewayResponsesOf(SAM_PROPS, stack, "Api", resolverOf(stack), []), notes: [] };
  const route = (method: string, resource: string, auth?: Route["auth"]): Route => ({ method, resource, segments: parseResourcePath(resource)!, functionId: resource, api, resourceId: "abc123", ...(auth ? { auth } : {}) });

  async function serve(behaviour: { result?: () => unknown; denied?: AuthOutcome }) {
    let invoked = 0;
    const listener = requestListener({
      routes: [route("GET", "/open"), route("POST", "/private", { kind: "cognito", header: "Authorization" } as Route["auth"])],
      invoke: async () => (invoked++, (behaviour.result ?? (() => ({ statusCode: 200, body: "fn" })))()),
      log: () => undefined,
      error: () => undefined,
      now: () => new Date(),
      authorize: async (r) => (r.auth && behaviour.denied ? behaviour.denied : { ok: true }),
    });
    const server = createServer({ maxHeaderSize: 64 * 1024 }, listener as (req: IncomingMessage, res: ServerResponse) => void);
    server.on("clientError", clientErrorListener);
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as AddressInfo).port;
    return { base: `http://127.0.0.1:${port}`, port, invoked: () => invoked, close: () => new Promise((r) => { server.closeAllConnections(); server.close(r); }) };
  }
  const cors = (r: Response) => ["access-control-allow-origin", "access-control-allow-headers", "access-control-allow-methods"].map((h) => r.headers.get(h));

  it("adds DEFAULT_4XX's CORS headers to the authorizer's 401 (was: none, so a browser could not read it)", async () => {
    const s = await serve({ denied: { ok: false, status: 401, errorType: "UnauthorizedException", body: { message: "Unauthorized" }, why: "no token" } });
    try {
      const r = await fetch(`${s.base}/private`, { method: "POST" });
      expect([r.status, await r.json(), r.headers.get("x-amzn-errortype")]).toEqual([401, { message: "Unauthorized" }, "UnauthorizedException"]);
      expect(cors(r)).toEqual(["*", "Content-Type,Authorization", "GET,POST,OPTIONS"]);
      expect(s.invoked()).toBe(0);
    } finally {
      await s.close();
    }
  });

  it("adds them to a 403 from the SigV4 check, to the 403 of an unknown route, to the 413 of a big body; DEFAULT_5XX's to the 502 of a function error", async () => {
    const s = await serve({ denied: { ok: false, status: 403, errorType: "InvalidSignatureException", body: { message: "bad signature" }, why: "SigV4" }, result: () => { throw new Error("boom"); } });
    try {
      const forbidden = await fetch(`${s.base}/private`, { method: "POST" });
      expect([forbidden.status, ...cors(forbidden)]).toEqual([403, "*", "Content-Type,Authorization", "GET,POST,OPTIONS"]);
      const missing = await fetch(`${s.base}/nowhere`);
      expect([missing.status, await missing.json(), ...cors(missing)]).toEqual([403, { message: "Missing Authentication Token" }, "*", "Content-Type,Authorization", "GET,POST,OPTIONS"]);
      const big = await fetch(`${s.base}/open`, { method: "POST", body: Buffer.alloc(MAX_REQUEST_BYTES + 1) });
      expect([big.status, ...cors(big)]).toEqual([413, "*", "Content-Type,Authorization", "GET,POST,OPTIONS"]);
      const failed = await fetch(`${s.base}/open`);
      expect([failed.status, await failed.json(), failed.headers.get("access-control-allow-origin"), failed.headers.get("access-control-allow-methods")]).toEqual([502, { message: "Internal server error" }, "*", null]);
    } finally {
      await s.close();
    }
  });

  it("leaves the function's own answers as the function wrote them", async () => {
    const s = await serve({});
    try {
      const r = await fetch(`${s.base}/open`);
      expect([r.status, await r.text(), r.headers.get("access-control-allow-origin")]).toEqual([200, "fn", null]);
    } finally {
      await s.close();
    }
  });

  /** Sends exactly these bytes (HTTP/1.0: the answer is not chunked and the connection ends after it); its status line and body. */
  const raw = (port: number, request: string) => new Promise<{ status: string; body: string }>((resolve, reject) => {
    const sock = connect(port, "127.0.0.1", () => sock.write(request));
    let data = "";
    sock.on("data", (d) => (data += d.toString("latin1")));
    sock.on("end", () => {
      const end = data.indexOf("\r\n\r\n");
      resolve({ status: data.slice(0, data.indexOf("\r\n")), body: data.slice(end + 4) });
    });
    sock.on("error", reject);
  });
  // "GET /open HTTP/1.0" is 18 bytes of request line; "Host: a" adds 1 byte of value.
  const request = (pad: number) => `GET /open HTTP/1.0\r\nHost: a\r\nX-Pad: ${"p".repeat(pad)}\r\n\r\n`;

  it("answers 431 when the request line and header values pass 10240 bytes, as API Gateway does (was: Node's 431 only past 16 KB)", async () => {
    const s = await serve({});
    try {
      expect(requestHeaderBytes("GET", "/open", "1.0", ["Host", "a", "X-Pad", "p".repeat(10)])).toBe(18 + 1 + 10);
      expect(await raw(s.port, request(10240 - 19))).toEqual({ status: "HTTP/1.1 200 OK", body: "fn" });
      const over = await raw(s.port, request(10240 - 18));
      expect(over).toEqual({ status: "HTTP/1.1 431 Request Header Fields Too Large", body: '{"message":"HTTP header is larger than 10240 bytes."}' });
      // Past Node's own parser limit the answer is the same (not Node's empty 431).
      expect(await raw(s.port, request(70 * 1024))).toEqual({ status: "HTTP/1.1 431 Request Header Fields Too Large", body: '{"message":"HTTP header is larger than 10240 bytes."}' });
      expect(s.invoked()).toBe(1);
    } finally {
      await s.close();
    }
  });
});
