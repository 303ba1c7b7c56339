import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { authorize, claimDate, gatewayClaims, type AuthDeps } from "./authorizer.ts";
import { localApiUrl } from "./gateway.ts";
import { localIssuer } from "./issuer.ts";

const dir = mkdtempSync(path.join(tmpdir(), "hdoc-authz-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const NOW = new Date("2026-03-01T12:00:00Z");
let deps: AuthDeps;
beforeAll(async () => {
  deps = { issuer: await localIssuer(dir), keys: [], region: "us-east-1", accountId: "123456789012", now: () => NOW };
});
const req = (headers: string[]) => ({ method: "POST", url: "/users/octocat/articles", rawHeaders: headers, body: Buffer.from("{}") });
const cognito = { kind: "cognito" as const, authorizer: "CognitoAuthorizer", header: "Authorization", userPoolArn: "arn" };

describe("claims as API Gateway passes them", () => {
  it.each([[1753355530, "Thu Jul 24 11:12:10 UTC 2025"], [1513495692, "Sun Dec 17 07:28:12 UTC 2017"], [1772323200, "Sun Mar 01 00:00:00 UTC 2026"]])("claimDate(%i) = %s", (s, text) => {
    expect(claimDate(s)).toBe(text);
  });

  it("turns every claim into a string: dates for exp and iat, numbers and booleans as text", () => {
    expect(gatewayClaims({ sub: "s", exp: 1753355530, iat: 1753351930, auth_time: 1753351930, email_verified: true, "custom:github_username": "octocat", "cognito:groups": ["a", "b"] })).toEqual({
      sub: "s", exp: "Thu Jul 24 11:12:10 UTC 2025", iat: "Thu Jul 24 10:12:10 UTC 2025", auth_time: "1753351930", email_verified: "true", "custom:github_username": "octocat", "cognito:groups": "[a b]",
    });
  });
});

describe("authorize", () => {
  it("lets a public route (or one without auth information) through untouched", async () => {
    expect(await authorize(undefined, req([]), deps)).toEqual({ ok: true });
    expect(await authorize({ kind: "public" }, req([]), deps)).toEqual({ ok: true });
  });

  it("puts a valid ID token's claims in authorizer.claims, from the configured header, raw or Bearer", async () => {
    const t = await deps.issuer.issue({ githubUsername: "octocat", expiresIn: 60, now: NOW });
    for (const value of [t, `Bearer ${t}`]) {
      const out = await authorize({ ...cognito, header: "X-Token" }, req(["x-token", value]), deps);
      expect(out).toMatchObject({ ok: true, authorizer: { claims: { "custom:github_username": "octocat", token_use: "id", exp: "Sun Mar 01 12:01:00 UTC 2026" } } });
    }
    expect(await authorize({ ...cognito, header: "X-Token" }, req(["Authorization", t]), deps)).toMatchObject({ ok: false, status: 401, why: "no X-Token header" });
  });

  it("answers 500 AuthorizerConfigurationException for an authorizer it cannot emulate", async () => {
    expect(await authorize({ kind: "unsupported", authorizer: "L", why: "L is a Lambda authorizer" }, req([]), deps)).toMatchObject({ ok: false, status: 500, errorType: "AuthorizerConfigurationException", body: { message: null } });
  });

  it("answers 403 with API Gateway's error type for AWS_IAM without a signature", async () => {
    expect(await authorize({ kind: "iam" }, req([]), deps)).toMatchObject({ ok: false, status: 403, errorType: "MissingAuthenticationTokenException", body: { message: "Missing Authentication Token" } });
  });

  it("quotes an Authorization header's scheme in the answer as API Gateway does, but never a bare token in the request log", async () => {
    const token = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl";
    const bare = await authorize({ kind: "iam" }, req(["Authorization", token]), deps);
    expect(bare).toMatchObject({ ok: false, status: 403, errorType: "IncompleteSignatureException", body: { message: expect.stringContaining(`Authorization=${token}`) } });
    expect((bare as { why: string }).why).toBe("SigV4: Authorization header requires 'Credential', 'Signature' and 'SignedHeaders' parameters. Authorization=****");
    const bearer = await authorize({ kind: "iam" }, req(["Authorization", `Bearer ${token}`]), deps);
    expect((bearer as { why: string }).why).toMatch(/Authorization=Bearer$/);
    expect(JSON.stringify(bearer)).not.toContain(token);
  });
});

describe("localApiUrl", () => {
  const ids = new Set(["Api"]);
  it.each([
    ["https://Api.execute-api.us-east-1.amazonaws.com/dev/statistics", "http://127.0.0.1:3000/dev/statistics"],
    ["https://Api.execute-api.eu-west-1.amazonaws.com", "http://127.0.0.1:3000"],
    ["https://Other.execute-api.us-east-1.amazonaws.com/dev/x", "https://Other.execute-api.us-east-1.amazonaws.com/dev/x"],
    ["https://api.github.com", "https://api.github.com"],
    ["UsersTable", "UsersTable"],
  ])("%s -> %s", (value, local) => {
    expect(localApiUrl(value, ids, "http://127.0.0.1:3000")).toBe(local);
  });
});
