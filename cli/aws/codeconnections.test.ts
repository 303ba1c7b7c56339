/**
 * The CodeConnections client against the loopback endpoint (itself checked against botocore):
 * signed JSON 1.0 calls, the service's error shapes as HdocErrors, retries only where they help.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { codeConnections, defaultEndpoint, serviceError } from "./codeconnections.ts";
import type { AwsTarget } from "./clients.ts";
import { startCodeConnectionsEndpoint, type CodeConnectionsEndpoint } from "../../test/helpers/codeconnections-endpoint.ts";
import { freePort } from "../../test/helpers/net.ts";
import { HdocError } from "../errors.ts";

let cc: CodeConnectionsEndpoint;
beforeAll(async () => (cc = await startCodeConnectionsEndpoint()));
afterAll(async () => cc.close());
beforeEach(() => cc.reset());

const target = (region = "us-east-1", endpoint = cc.url): AwsTarget => ({
  region: { value: region, source: "flag" },
  endpoint,
  credentials: async () => ({ accessKeyId: "ASIAEXAMPLE", secretAccessKey: "secret", sessionToken: "session" }),
});

async function failure(p: Promise<unknown>): Promise<HdocError> {
  const e = await p.then(() => undefined, (err: unknown) => err);
  expect(e).toBeInstanceOf(HdocError);
  return e as HdocError;
}

describe("codeConnections against the loopback endpoint", () => {
  it("gets a connection and lists every page", async () => {
    const arn = cc.seed({ status: "PENDING" });
    for (let i = 0; i < 3; i++) cc.seed({ name: `other-${i}`, provider: "Bitbucket" });
    const api = codeConnections(target());
    expect((await api.getConnection({ ConnectionArn: arn })).Connection).toEqual({ ConnectionName: "hdoc-github", ConnectionArn: arn, ProviderType: "GitHub", OwnerAccountId: "123456789012", ConnectionStatus: "PENDING" });
    const first = await api.listConnections({ MaxResults: 3 });
    expect(first.Connections).toHaveLength(3);
    const second = await api.listConnections({ MaxResults: 3, NextToken: first.NextToken! });
    expect(second.Connections!.map((c) => c.ConnectionName)).toEqual(["other-2"]);
    expect(cc.requests.map((r) => `${r.operation} ${r.region} ${r.status}`)).toEqual(["GetConnection us-east-1 200", "ListConnections us-east-1 200", "ListConnections us-east-1 200"]);
  });

  it("turns ResourceNotFoundException into NOT_FOUND naming the action", async () => {
    const e = await failure(codeConnections(target()).getConnection({ ConnectionArn: "arn:aws:codeconnections:us-east-1:123456789012:connection/nope" }));
    expect(e.code).toBe("NOT_FOUND");
    expect(e.message).toContain("codeconnections:GetConnection: not found (Connection arn:aws:codeconnections:us-east-1:123456789012:connection/nope does not exist)");
  });

  it("turns AccessDeniedException into an AWS error naming the action to grant", async () => {
    cc.failNext("GetConnection", { type: "AccessDeniedException", message: "User: arn:aws:sts::123456789012:assumed-role/x is not authorized to perform: codeconnections:GetConnection" });
    const e = await failure(codeConnections(target()).getConnection({ ConnectionArn: cc.seed() }));
    expect(e.code).toBe("AWS");
    expect(e.hint).toBe("grant codeconnections:GetConnection to the caller, or use a profile that has it");
  });

  it("retries a throttled or 5xx call, at most three attempts, and not a client error", async () => {
    const arn = cc.seed();
    cc.failNext("GetConnection", { type: "ThrottlingException", message: "Rate exceeded" }, 2);
    expect((await codeConnections(target()).getConnection({ ConnectionArn: arn })).Connection?.ConnectionStatus).toBe("AVAILABLE");
    expect(cc.requests.map((r) => r.status)).toEqual([400, 400, 200]);
    cc.reset();
    cc.failNext("GetConnection", { type: "InternalServerException", message: "boom", status: 500 }, 3);
    const e = await failure(codeConnections(target()).getConnection({ ConnectionArn: "arn:aws:codeconnections:us-east-1:123456789012:connection/x" }));
    expect(e.message).toContain("HTTP 500");
    expect(cc.requests).toHaveLength(3);
    cc.reset();
    await failure(codeConnections(target()).getConnection({ ConnectionArn: "arn:aws:codeconnections:us-east-1:123456789012:connection/x" }));
    expect(cc.requests).toHaveLength(1);
  });

  it("reports an unreachable endpoint as NETWORK", async () => {
    const closed = `http://127.0.0.1:${await freePort()}`;
    const e = await failure(codeConnections(target("us-east-1", closed)).getConnection({ ConnectionArn: "arn:aws:codeconnections:us-east-1:123456789012:connection/x" }));
    expect(e.code).toBe("NETWORK");
  });
});

describe("serviceError (the JSON protocol's error forms)", () => {
  it.each([
    ["namespaced __type", {}, '{"__type":"com.amazonaws.codeconnections#ResourceNotFoundException","Message":"m"}', "ResourceNotFoundException", "m"],
    ["plain __type, lower-case message", {}, '{"__type":"LimitExceededException","message":"m"}', "LimitExceededException", "m"],
    ["the header wins, its URL suffix dropped", { "x-amzn-errortype": "ThrottlingException:http://internal.amazon.com/coral/" }, '{"__type":"Other"}', "ThrottlingException", "HTTP 400"],
    ["not JSON", {}, "<html>bad gateway</html>", "UnknownError", "HTTP 400"],
  ])("%s", (_what, headers, body, name, message) => {
    const e = serviceError(400, new Headers(headers), body);
    expect([e.name, e.message, e.$metadata.httpStatusCode]).toEqual([name, message, 400]);
  });

  it("names the public endpoint by partition", () => {
    expect(defaultEndpoint("eu-west-1")).toBe("https://codeconnections.eu-west-1.amazonaws.com");
    expect(defaultEndpoint("cn-north-1")).toBe("https://codeconnections.cn-north-1.amazonaws.com.cn");
  });
});
