import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { HdocError } from "../../errors.ts";
import type { CodeConnectionsApi, Connection } from "../../aws/codeconnections.ts";
import type { SsmParametersApi } from "../../aws/ssm.ts";
import { checkArn, connectionSource, consoleUrl, readConnection, resolveConnectionArn, unusableConnection, waitForConnection } from "./connection.ts";

const ARN = "arn:aws:codeconnections:us-east-1:123456789012:connection/0f5e6c1a-93d4-4b7e-8c2f-5a1b9d3e7f60";
const SSM_NAME = "/100DaysOfCloud/Backend/GithubConnectionArn";
const ssmTemplate = { Parameters: { GithubConnectionArn: { Type: "AWS::SSM::Parameter::Value<String>", Default: SSM_NAME } } };
const ref = { arn: ARN, source: "test" };

const fakeConnections = (answer: () => Connection | Error): CodeConnectionsApi & { calls: number } => {
  const api = {
    calls: 0,
    getConnection: async () => {
      api.calls += 1;
      const a = answer();
      if (a instanceof Error) throw a;
      return { Connection: a };
    },
    listConnections: async () => ({ Connections: [] }),
  };
  return api;
};
const fakeSsm = (values: Record<string, string>): SsmParametersApi => ({
  getParameter: async (input) => {
    const v = values[input.Name!];
    if (v === undefined) throw new HdocError("NOT_FOUND", `ssm:GetParameter: not found (ParameterNotFound)`);
    return { Parameter: { Name: input.Name, Value: v, Type: "String" }, $metadata: {} };
  },
});
const connection = (status: string, extra: Partial<Connection> = {}): Connection => ({ ConnectionName: "hdoc-github", ConnectionArn: ARN, ProviderType: "GitHub", OwnerAccountId: "123456789012", ConnectionStatus: status, ...extra });
async function failure(p: Promise<unknown>): Promise<HdocError> {
  const e = await p.then(() => undefined, (err: unknown) => err);
  expect(e).toBeInstanceOf(HdocError);
  return e as HdocError;
}

describe("connectionSource", () => {
  it.each<[string, Record<string, unknown>, Record<string, string>, { value: string; viaSsm: boolean; from: string }]>([
    ["samconfig's SSM parameter name", ssmTemplate, { GithubConnectionArn: "/other/name" }, { value: "/other/name", viaSsm: true, from: "samconfig" }],
    ["the template's default when samconfig is silent", ssmTemplate, {}, { value: SSM_NAME, viaSsm: true, from: "the template's default" }],
    ["an empty override falls back to the default", ssmTemplate, { GithubConnectionArn: "" }, { value: SSM_NAME, viaSsm: true, from: "the template's default" }],
    ["a plain String parameter holds the ARN itself", { Parameters: { GithubConnectionArn: { Type: "String" } } }, { GithubConnectionArn: ARN }, { value: ARN, viaSsm: false, from: "samconfig" }],
  ])("%s", (_what, template, params, expected) => {
    expect(connectionSource(template, params, { overrides: "samconfig" })).toEqual(expected);
  });

  it("refuses a template without the parameter, and a parameter with no value anywhere", () => {
    expect(() => connectionSource({ Parameters: {} }, {}, { overrides: "x" })).toThrow(/has no GithubConnectionArn parameter/);
    expect(() => connectionSource({ Parameters: { GithubConnectionArn: { Type: "String" } } }, {}, { overrides: "x" })).toThrow(/no value for the template's GithubConnectionArn/);
  });
});

describe("checkArn", () => {
  it.each([
    [ARN, true],
    ["arn:aws:codestar-connections:eu-west-1:123456789012:connection/abc-123", true],
    ["arn:aws-cn:codeconnections:cn-north-1:123456789012:connection/abc", true],
    ["arn:aws:codebuild:us-east-1:123456789012:token/github", false],
    ["arn:aws:codeconnections:us-east-1:123456789012:host/abc", false],
    ["ghp_0123456789abcdef", false],
    [` ${ARN}`, false],
  ])("%s -> %s", (arn, ok) => {
    if (ok) expect(checkArn(arn, "t")).toBe(arn);
    else expect(() => checkArn(arn, "t")).toThrow(/is not a connection ARN/);
  });
});

describe("resolveConnectionArn", () => {
  it("reads the ARN from the SSM parameter and says where it came from", async () => {
    const r = await resolveConnectionArn({ value: SSM_NAME, viaSsm: true, from: "cicd/samconfig.toml [dev]" }, { ssm: fakeSsm({ [SSM_NAME]: `${ARN}\n` }) }, "us-east-1");
    expect(r).toEqual({ arn: ARN, source: `SSM parameter ${SSM_NAME} (cicd/samconfig.toml [dev])` });
  });

  it("a missing SSM parameter is NOT_FOUND with the commands that create the connection and the parameter", async () => {
    const e = await failure(resolveConnectionArn({ value: SSM_NAME, viaSsm: true, from: "the template's default" }, { ssm: fakeSsm({}) }, "us-east-1"));
    expect(e.code).toBe("NOT_FOUND");
    expect(e.message).toBe(`SSM parameter ${SSM_NAME} (the pipeline's GithubConnectionArn, the template's default) does not exist in us-east-1`);
    expect(e.hint).toContain("aws codeconnections create-connection --provider-type GitHub --connection-name hdoc-github");
    expect(e.hint).toContain(`aws ssm put-parameter --name ${SSM_NAME} --type String --value <ConnectionArn>`);
  });

  it("an SSM parameter that holds something else than an ARN is a usage error naming the parameter", async () => {
    const e = await failure(resolveConnectionArn({ value: SSM_NAME, viaSsm: true, from: "x" }, { ssm: fakeSsm({ [SSM_NAME]: "hdoc-github" }) }, "us-east-1"));
    expect(e.code).toBe("USAGE");
    expect(e.message).toContain(`SSM parameter ${SSM_NAME}`);
  });
});

describe("readConnection", () => {
  it.each<[string, Connection, boolean, RegExp | undefined]>([
    ["AVAILABLE is usable", connection("AVAILABLE"), true, undefined],
    ["PENDING asks for the handshake", connection("PENDING"), false, /is PENDING: its one-time GitHub handshake has not been done/],
    ["ERROR says what broke", connection("ERROR"), false, /is in ERROR: GitHub refused it/],
    ["another provider is not usable even when AVAILABLE", connection("AVAILABLE", { ProviderType: "Bitbucket" }), false, /is for Bitbucket, not GitHub/],
    ["an unknown status is not usable", connection("DELETING"), false, /has status DELETING/],
  ])("%s", async (_what, c, usable, problem) => {
    const state = await readConnection(ref, { connections: fakeConnections(() => c) }, "us-east-1");
    expect(state.usable).toBe(usable);
    expect(state.consoleUrl).toBe("https://us-east-1.console.aws.amazon.com/codesuite/settings/connections?region=us-east-1");
    if (problem) expect(state.problem).toMatch(problem);
    else expect(state.problem).toBeUndefined();
  });

  it("PENDING's advice names the console page and the steps, in order", async () => {
    const state = await readConnection(ref, { connections: fakeConnections(() => connection("PENDING")) }, "eu-west-1");
    const e = unusableConnection(state, "not deploying");
    expect(e.code).toBe("NOT_VALID");
    expect(e.message).toBe("not deploying: connection hdoc-github is PENDING: its one-time GitHub handshake has not been done");
    expect(e.hint).toMatch(/^1\. open https:\/\/eu-west-1\.console\.aws\.amazon\.com\/codesuite\/settings\/connections\?region=eu-west-1 and choose hdoc-github; 2\. choose Update pending connection; 3\. .*; 4\. choose Connect/);
  });

  it("a connection that does not exist is NOT_FOUND, and points at the ARN's region when it differs", async () => {
    const gone = () => new HdocError("NOT_FOUND", "codeconnections:GetConnection: not found (...)");
    const e = await failure(readConnection(ref, { connections: fakeConnections(gone) }, "eu-west-1"));
    expect(e.code).toBe("NOT_FOUND");
    expect(e.message).toBe(`the GitHub connection ${ARN} (test) does not exist in eu-west-1 (the ARN is in us-east-1: pass --region us-east-1?)`);
    expect(e.hint).toContain("aws codeconnections create-connection");
  });

  it("other AWS errors pass through unchanged", async () => {
    const denied = new HdocError("AWS", "access denied: codeconnections:GetConnection");
    expect(await failure(readConnection(ref, { connections: fakeConnections(() => denied) }, "us-east-1"))).toBe(denied);
  });
});

describe("waitForConnection", () => {
  const clock = () => {
    let t = 0;
    return { now: () => t, sleep: async (ms: number) => void (t += ms), slept: () => t };
  };

  it("polls until AVAILABLE", async () => {
    const seq = ["PENDING", "PENDING", "AVAILABLE"];
    const api = fakeConnections(() => connection(seq.shift() ?? "AVAILABLE"));
    const c = clock();
    const seen: string[] = [];
    const r = await waitForConnection(ref, { connections: api }, "us-east-1", { timeoutMs: 60_000, intervalMs: 5_000, ...c, onPoll: (s) => seen.push(s.status) });
    expect(r.timedOut).toBe(false);
    expect(seen).toEqual(["PENDING", "PENDING", "AVAILABLE"]);
    expect(c.slept()).toBe(10_000);
  });

  it("never waits past the deadline, reads once more at it, and reports the last state", () =>
    fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 120_000 }), fc.integer({ min: 1, max: 30_000 }), async (timeoutMs, intervalMs) => {
        const api = fakeConnections(() => connection("PENDING"));
        const c = clock();
        const r = await waitForConnection(ref, { connections: api }, "us-east-1", { timeoutMs, intervalMs, ...c });
        expect(r.timedOut).toBe(true);
        expect(r.state.status).toBe("PENDING");
        expect(c.slept()).toBe(timeoutMs);
        expect(api.calls).toBe(Math.ceil(timeoutMs / intervalMs) + 1);
      }),
    ));
});

describe("consoleUrl", () => {
  it.each([
    ["us-east-1", "https://us-east-1.console.aws.amazon.com/codesuite/settings/connections?region=us-east-1"],
    ["cn-north-1", "https://console.amazonaws.cn/codesuite/settings/connections?region=cn-north-1"],
  ])("%s", (region, url) => expect(consoleUrl(region)).toBe(url));
});
