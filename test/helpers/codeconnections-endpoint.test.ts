/**
 * The loopback CodeConnections endpoint (and CodeBuild's CODECONNECTIONS import) answered to
 * botocore's own client, the AWS CLI on the machine: its serializer (JSON 1.0, the long target
 * prefix) and its error parser decide whether the wire protocol is right, not this repository.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { execa } from "execa";
import { startCodeConnectionsEndpoint, type CodeConnectionsEndpoint } from "./codeconnections-endpoint.ts";
import { startCodeBuildEndpoint, type CodeBuildEndpoint } from "./codebuild-endpoint.ts";

let conn: CodeConnectionsEndpoint;
let cb: CodeBuildEndpoint;

/** The AWS CLI (v1, botocore) against `url`; JSON output parsed. */
async function aws(url: string, args: string[]) {
  const r = await execa("aws", [...args, "--endpoint-url", url, "--region", "us-east-1", "--output", "json"], {
    reject: false,
    extendEnv: false,
    env: { PATH: process.env.PATH ?? "", HOME: "/nonexistent", AWS_ACCESS_KEY_ID: "AKIDLOCAL", AWS_SECRET_ACCESS_KEY: "local-secret", AWS_MAX_ATTEMPTS: "1" },
  });
  return { exitCode: r.exitCode, json: r.stdout ? (JSON.parse(r.stdout) as Record<string, unknown>) : undefined, stderr: r.stderr };
}

beforeAll(async () => {
  conn = await startCodeConnectionsEndpoint();
  cb = await startCodeBuildEndpoint({ proxyTo: conn.url });
});
afterAll(async () => {
  await Promise.all([cb?.close(), conn?.close()]);
});
beforeEach(() => {
  conn.reset();
  cb.reset();
});

describe("CodeConnections endpoint, to botocore", () => {
  it("creates a PENDING connection, gets and lists it; the handshake makes it AVAILABLE", async () => {
    const created = await aws(conn.url, ["codeconnections", "create-connection", "--provider-type", "GitHub", "--connection-name", "hdoc-github"]);
    expect(created.exitCode, created.stderr).toBe(0);
    const arn = created.json!.ConnectionArn as string;
    expect(arn).toMatch(/^arn:aws:codeconnections:us-east-1:123456789012:connection\/[0-9a-f-]{36}$/);
    const got = await aws(conn.url, ["codeconnections", "get-connection", "--connection-arn", arn]);
    expect(got.json).toEqual({ Connection: { ConnectionName: "hdoc-github", ConnectionArn: arn, ProviderType: "GitHub", OwnerAccountId: "123456789012", ConnectionStatus: "PENDING" } });
    conn.setStatus(arn, "AVAILABLE");
    const listed = await aws(conn.url, ["codeconnections", "list-connections", "--provider-type-filter", "GitHub"]);
    expect((listed.json!.Connections as Array<{ ConnectionStatus: string }>).map((c) => c.ConnectionStatus)).toEqual(["AVAILABLE"]);
    expect(conn.requests.map((r) => r.operation)).toEqual(["CreateConnection", "GetConnection", "ListConnections"]);
  });

  it("answers an unknown ARN with ResourceNotFoundException, which botocore names", async () => {
    const r = await aws(conn.url, ["codeconnections", "get-connection", "--connection-arn", "arn:aws:codeconnections:us-east-1:123456789012:connection/00000000-0000-0000-0000-000000000000"]);
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toContain("An error occurred (ResourceNotFoundException) when calling the GetConnection operation: Connection arn:aws:codeconnections:us-east-1:123456789012:connection/00000000-0000-0000-0000-000000000000 does not exist");
  });

  it("keeps connections per region: another region's ARN is not found", async () => {
    const arn = conn.seed({ region: "eu-west-1" });
    const r = await aws(conn.url, ["codeconnections", "get-connection", "--connection-arn", arn]);
    expect(r.stderr).toContain("(ResourceNotFoundException)");
  });

  it("pages ListConnections with MaxResults and NextToken, and filters by provider", async () => {
    for (let i = 0; i < 3; i++) conn.seed({ name: `gh-${i}` });
    conn.seed({ name: "bb", provider: "Bitbucket" });
    const first = await aws(conn.url, ["codeconnections", "list-connections", "--provider-type-filter", "GitHub", "--max-results", "2"]);
    expect((first.json!.Connections as unknown[]).length).toBe(2);
    expect(first.json!.NextToken).toEqual(expect.any(String));
    const second = await aws(conn.url, ["codeconnections", "list-connections", "--provider-type-filter", "GitHub", "--max-results", "2", "--next-token", first.json!.NextToken as string]);
    expect(second.exitCode, second.stderr).toBe(0);
    expect(second.json!.NextToken).toBeUndefined();
    const names = [first, second].flatMap((p) => (p.json!.Connections as Array<{ ConnectionName: string }>).map((c) => c.ConnectionName));
    expect(names).toEqual(["gh-0", "gh-1", "gh-2"]);
  });

  it("moves to a status after N more GetConnection calls (a handshake finishing while someone polls)", async () => {
    const arn = conn.seed({ status: "PENDING" });
    conn.setStatusAfter(arn, "AVAILABLE", 2);
    const seen = [];
    for (let i = 0; i < 3; i++) seen.push(((await aws(conn.url, ["codeconnections", "get-connection", "--connection-arn", arn])).json!.Connection as { ConnectionStatus: string }).ConnectionStatus);
    expect(seen).toEqual(["PENDING", "PENDING", "AVAILABLE"]);
  });

  it("refuses a request signed for another service", async () => {
    const r = await execa("curl", ["-s", "-X", "POST", conn.url, "-H", "X-Amz-Target: CodeConnections_20231201.ListConnections", "-H", "Content-Type: application/x-amz-json-1.0", "-H", "Authorization: AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/codebuild/aws4_request, SignedHeaders=host, Signature=0", "-d", "{}"], { reject: false });
    expect(JSON.parse(r.stdout)).toEqual({ __type: "com.amazonaws.codeconnections#InvalidSignatureException", Message: "Credential should be scoped to correct service: 'codeconnections'." });
  });
});

describe("CodeBuild endpoint: a connection as the source credential", () => {
  it("imports CODECONNECTIONS with the connection ARN as the token and lists it as the resource", async () => {
    const arn = conn.seed();
    const imported = await aws(cb.url, ["codebuild", "import-source-credentials", "--server-type", "GITHUB", "--auth-type", "CODECONNECTIONS", "--token", arn]);
    expect(imported.exitCode, imported.stderr).toBe(0);
    expect(imported.json).toEqual({ arn: "arn:aws:codebuild:us-east-1:123456789012:token/github" });
    const listed = await aws(cb.url, ["codebuild", "list-source-credentials"]);
    expect(listed.json).toEqual({ sourceCredentialsInfos: [{ arn: "arn:aws:codebuild:us-east-1:123456789012:token/github", serverType: "GITHUB", authType: "CODECONNECTIONS", resource: arn }] });
  });

  it.each([
    ["a token instead of an ARN", "ghp_notaconnection"],
    ["a CodeBuild token ARN", "arn:aws:codebuild:us-east-1:123456789012:token/github"],
  ])("refuses %s for CODECONNECTIONS (InvalidInputException)", async (_what, token) => {
    const r = await aws(cb.url, ["codebuild", "import-source-credentials", "--server-type", "GITHUB", "--auth-type", "CODECONNECTIONS", "--token", token]);
    expect(r.stderr).toContain("(InvalidInputException) when calling the ImportSourceCredentials operation: Invalid connection ARN");
    expect(cb.credentials()).toEqual([]);
  });

  it("passes CodeConnections calls through to the next endpoint", async () => {
    const arn = conn.seed();
    const r = await aws(cb.url, ["codeconnections", "get-connection", "--connection-arn", arn]);
    expect((r.json!.Connection as { ConnectionArn: string }).ConnectionArn).toBe(arn);
    expect(cb.proxied).toBe(1);
  });
});
