/**
 * The CodeBuild adapter (real SDK client) against the loopback endpoint: proves the endpoint speaks
 * the protocol the SDK expects, and that CodeBuild's error shapes arrive as the right HdocErrors.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { codeBuildSourceCredentials } from "./codebuild.ts";
import type { AwsTarget } from "./clients.ts";
import { startCodeBuildEndpoint, type CodeBuildEndpoint } from "../../test/helpers/codebuild-endpoint.ts";
import { HdocError } from "../errors.ts";

let cb: CodeBuildEndpoint;
beforeAll(async () => (cb = await startCodeBuildEndpoint()));
afterAll(async () => cb.close());
beforeEach(() => cb.reset());

const target = (region = "us-east-1"): AwsTarget => ({
  region: { value: region, source: "flag" },
  endpoint: cb.url,
  credentials: { accessKeyId: "ASIAEXAMPLE", secretAccessKey: "secret", sessionToken: "session" },
});

async function failure(p: Promise<unknown>): Promise<HdocError> {
  const e = await p.then(() => undefined, (err: unknown) => err);
  expect(e).toBeInstanceOf(HdocError);
  return e as HdocError;
}

describe("codeBuildSourceCredentials against the loopback CodeBuild endpoint", () => {
  it("imports, lists, and deletes by ARN, with state kept per region", async () => {
    const api = codeBuildSourceCredentials(target());
    const { arn } = await api.importSourceCredentials({ token: "t0ken", serverType: "GITHUB", authType: "PERSONAL_ACCESS_TOKEN", shouldOverwrite: false });
    expect(arn).toBe("arn:aws:codebuild:us-east-1:123456789012:token/github");
    expect((await api.listSourceCredentials({})).sourceCredentialsInfos).toEqual([{ arn, serverType: "GITHUB", authType: "PERSONAL_ACCESS_TOKEN" }]);
    expect((await codeBuildSourceCredentials(target("eu-west-1")).listSourceCredentials({})).sourceCredentialsInfos).toEqual([]);
    await api.deleteSourceCredentials({ arn });
    expect((await api.listSourceCredentials({})).sourceCredentialsInfos).toEqual([]);
    expect(cb.requests.map((r) => `${r.operation} ${r.status}`)).toEqual([
      "ImportSourceCredentials 200", "ListSourceCredentials 200", "ListSourceCredentials 200", "DeleteSourceCredentials 200", "ListSourceCredentials 200",
    ]);
  });

  it("keeps one credential per server type unless shouldOverwrite", async () => {
    const api = codeBuildSourceCredentials(target());
    cb.seed({ serverType: "GITHUB", token: "old" });
    const e = await failure(api.importSourceCredentials({ token: "new", serverType: "GITHUB", authType: "PERSONAL_ACCESS_TOKEN", shouldOverwrite: false }));
    expect(e.message).toContain("ResourceAlreadyExistsException");
    await api.importSourceCredentials({ token: "new", serverType: "GITHUB", authType: "PERSONAL_ACCESS_TOKEN", shouldOverwrite: true });
    expect(cb.credentials()).toMatchObject([{ token: "new" }]);
  });

  it.each<[string, () => Promise<unknown>, string, string]>([
    ["deleting an unknown ARN", () => codeBuildSourceCredentials(target()).deleteSourceCredentials({ arn: "arn:aws:codebuild:us-east-1:123456789012:token/github" }), "NOT_FOUND", "codebuild:DeleteSourceCredentials: not found"],
    ["a malformed ARN", () => codeBuildSourceCredentials(target()).deleteSourceCredentials({ arn: "github" }), "AWS", "codebuild:DeleteSourceCredentials rejected the request: Invalid ARN: github"],
    ["an unknown server type", () => codeBuildSourceCredentials(target()).importSourceCredentials({ token: "t", serverType: "SVN" as never, authType: "PERSONAL_ACCESS_TOKEN" }), "AWS", "codebuild:ImportSourceCredentials rejected the request"],
  ])("maps %s to %s", async (_name, call, code, message) => {
    const e = await failure(call());
    expect(e.code).toBe(code);
    expect(e.message).toContain(message);
  });

  it("maps injected AccessDenied and ExpiredToken errors, naming the action", async () => {
    const api = codeBuildSourceCredentials(target());
    cb.failNext("ImportSourceCredentials", { type: "AccessDeniedException", message: "not authorized" });
    const denied = await failure(api.importSourceCredentials({ token: "t", serverType: "GITHUB", authType: "PERSONAL_ACCESS_TOKEN" }));
    expect(denied).toMatchObject({ code: "AWS", hint: "grant codebuild:ImportSourceCredentials to the caller, or use a profile that has it" });
    cb.failNext("ListSourceCredentials", { type: "ExpiredTokenException", message: "The security token included in the request is expired" });
    const expired = await failure(api.listSourceCredentials({}));
    expect(expired).toMatchObject({ code: "AUTH", hint: "run `hdoc mfa login` for a new MFA session" });
    expect(cb.credentials()).toEqual([]);
  });
});
