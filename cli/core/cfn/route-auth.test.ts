import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { checkTemplates } from "./checks.ts";
import { routeAuth, declaredPublic } from "./route-auth.ts";

const repoRoot = path.resolve(import.meta.dirname, "../../..");

describe("routeAuth (SAM's rules)", () => {
  const authorizers = { Cognito: { UserPoolArn: "arn:pool", Identity: { Header: "X-Token" } }, Plain: { UserPoolArn: "arn:pool" }, Lambda: { FunctionArn: "arn:fn" } };
  it.each<[string, unknown, unknown, unknown]>([
    ["no Auth anywhere: public", undefined, undefined, { kind: "public" }],
    ["the event's Cognito authorizer, its header", { Authorizer: "Cognito" }, { Authorizers: authorizers }, { kind: "cognito", authorizer: "Cognito", header: "X-Token", userPoolArn: "arn:pool" }],
    ["the default header is Authorization", { Authorizer: "Plain" }, { Authorizers: authorizers }, { kind: "cognito", authorizer: "Plain", header: "Authorization", userPoolArn: "arn:pool" }],
    ["AWS_IAM on the event", { Authorizer: "AWS_IAM", InvokeRole: "NONE" }, undefined, { kind: "iam" }],
    ["the Api's DefaultAuthorizer", undefined, { DefaultAuthorizer: "Plain", Authorizers: authorizers }, { kind: "cognito", authorizer: "Plain", header: "Authorization", userPoolArn: "arn:pool" }],
    ["NONE overrides the default", { Authorizer: "NONE" }, { DefaultAuthorizer: "Plain", Authorizers: authorizers }, { kind: "public" }],
    ["a DefaultAuthorizer of AWS_IAM", undefined, { DefaultAuthorizer: "AWS_IAM" }, { kind: "iam" }],
    ["a Lambda authorizer: not emulated", { Authorizer: "Lambda" }, { Authorizers: authorizers }, { kind: "unsupported", authorizer: "Lambda", why: expect.stringMatching(/Lambda authorizer/) }],
    ["an authorizer that is not defined", { Authorizer: "Nope" }, { Authorizers: authorizers }, { kind: "unsupported", authorizer: "Nope", why: expect.stringMatching(/defines no authorizer Nope/) }],
  ])("%s", (_what, eventAuth, apiAuth, expected) => {
    expect(routeAuth(eventAuth as never, apiAuth as never)).toEqual(expected);
  });

  it("reads publicRoutes with a reason only", () => {
    expect(declaredPublic({ hdoc: { publicRoutes: { Contact: "anyone may write to us", Empty: " ", Bad: 1 } } })).toEqual({ Contact: "anyone may write to us" });
    expect(declaredPublic(undefined)).toEqual({});
  });
});

describe("the template check for write routes", () => {
  const root = mkdtempSync(path.join(tmpdir(), "hdoc-route-auth-"));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  let n = 0;
  /** A copy of the repository's infra/ and functions/ with api.yml edited. */
  const withApi = (edit: (text: string) => string) => {
    const dir = path.join(root, `p${n++}`);
    cpSync(path.join(repoRoot, "infra"), path.join(dir, "infra"), { recursive: true });
    cpSync(path.join(repoRoot, "functions"), path.join(dir, "functions"), { recursive: true, filter: (src) => !src.includes("node_modules") });
    const api = path.join(dir, "infra/api.yml");
    const before = readFileSync(api, "utf8");
    const after = edit(before);
    expect(after).not.toBe(before); // the edit applied
    writeFileSync(api, after);
    return checkTemplates(path.join(dir, "infra/template.yml"), dir).map((p) => `${p.logicalId}: ${p.message}`);
  };
  const signupAuth = "            Path: /signup\n            Method: post\n            Auth:\n              Authorizer: CognitoAuthorizer\n";

  it("passes on the repository's templates", () => {
    expect(checkTemplates(path.join(repoRoot, "infra/template.yml"), repoRoot)).toEqual([]);
  });

  it("fails a POST route whose authorizer was removed", () => {
    const problems = withApi((t) => t.replace(signupAuth, "            Path: /signup\n            Method: post\n"));
    expect(problems).toEqual([expect.stringMatching(/^SignupFunction Signup: POST \/signup has no authorizer: anyone could call it\..*publicRoutes: \{ Signup: "<why>" \}/)]);
  });

  it("fails a write route set to Authorizer: NONE, and accepts it once Metadata declares it public with a reason", () => {
    const open = (t: string) => t.replace(signupAuth, "            Path: /signup\n            Method: post\n            Auth:\n              Authorizer: NONE\n");
    expect(withApi(open)).toEqual([expect.stringMatching(/POST \/signup has no authorizer/)]);
    const declared = (t: string) => open(t).replace("  SignupFunction:\n    Type: AWS::Serverless::Function\n", "  SignupFunction:\n    Type: AWS::Serverless::Function\n    Metadata:\n      hdoc:\n        publicRoutes:\n          Signup: a test of the Metadata escape hatch\n");
    expect(withApi(declared)).toEqual([]);
  });

  it("fails an authorizer name the Api does not define", () => {
    expect(withApi((t) => t.replace(signupAuth, signupAuth.replace("CognitoAuthorizer", "CognitoAuthoriser")))).toEqual([expect.stringMatching(/Auth.Authorizer CognitoAuthoriser: the Api defines no authorizer/)]);
  });
});
