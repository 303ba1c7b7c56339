/**
 * `hdoc codebuild credentials` and `hdoc codebuild reset-credentials`, end to end: the built binary,
 * a temporary HOME whose credentials file has an `mfa` profile, and one --endpoint-url: the loopback
 * CodeBuild endpoint, which answers CodeBuild's source-credential calls itself and proxies STS and
 * SSM to moto server.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { writeFileSync } from "node:fs";
import { PutParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { runHdoc, runHdocInTerminal, tempHome, type HdocResult } from "../helpers/hdoc.ts";
import { startMoto, type Moto } from "../helpers/moto.ts";
import { startCodeBuildEndpoint, type CodeBuildEndpoint } from "../helpers/codebuild-endpoint.ts";
import { freePort } from "../helpers/net.ts";

// Deliberately not shaped like a GitHub token, so only hdoc's registration of it can mask it.
const TOKEN = "tok-e2e-7c1d93aa5e0b4f26";
const SSM_TOKEN = "tok-ssm-41b8e0c2d9f7a365";
const ARN = "arn:aws:codebuild:us-east-1:123456789012:token/github";

const h = tempHome();
let moto: Moto;
let cb: CodeBuildEndpoint;
/** Every byte hdoc printed in this file, for the final "the token never appears" check. */
const printed: string[] = [];

beforeAll(async () => {
  writeFileSync(
    h.credentialsFile,
    "[default]\naws_access_key_id = AKIAEXAMPLELONGTERM01\naws_secret_access_key = long-term-secret\n\n" +
      "[mfa]\naws_access_key_id = ASIAEXAMPLESESSION001\naws_secret_access_key = session-secret\naws_session_token = session-token-value\n",
    { mode: 0o600 },
  );
  moto = await startMoto();
  cb = await startCodeBuildEndpoint({ proxyTo: moto.url });
});

afterAll(async () => {
  await cb?.close();
  await moto?.stop();
  h.cleanup();
});

beforeEach(() => cb.reset());

async function hdoc(args: string[], env: Record<string, string | undefined> = {}, home = h.home): Promise<HdocResult> {
  const r = await runHdoc([...args, "--endpoint-url", cb.url], { home, cwd: home, env });
  printed.push(r.stdout, r.stderr);
  return r;
}

const operations = () => cb.requests.map((r) => r.operation);

function expectSecretsHidden(text: string): void {
  for (const secret of [TOKEN, SSM_TOKEN, "session-secret", "session-token-value"]) expect(text).not.toContain(secret);
}

describe("hdoc codebuild credentials", () => {
  it("says clearly that nothing is stored, as text and as JSON", async () => {
    const r = await hdoc(["codebuild", "credentials"]);
    expect(r).toMatchObject({ exitCode: 0, stdout: "No source credentials are stored in CodeBuild in us-east-1." });
    const j = await hdoc(["codebuild", "credentials", "--json"]);
    expect(j.exitCode).toBe(0);
    expect(JSON.parse(j.stdout)).toEqual({ region: "us-east-1", credentials: [] });
  });

  it("lists the stored credentials as a table and as one JSON document", async () => {
    cb.seed({ serverType: "GITHUB" });
    const bitbucket = cb.seed({ serverType: "BITBUCKET", authType: "BASIC_AUTH" });
    const r = await hdoc(["codebuild", "credentials"]);
    expect(r.exitCode).toBe(0);
    expect(r.stdout.split("\n").slice(0, 4)).toEqual([
      "SERVER TYPE  AUTH TYPE              ARN",
      `-----------  ---------------------  ${"-".repeat(bitbucket.length)}`,
      `BITBUCKET    BASIC_AUTH             ${bitbucket}`,
      `GITHUB       PERSONAL_ACCESS_TOKEN  ${ARN}`,
    ]);
    const j = await hdoc(["codebuild", "credentials", "--json"]);
    expect(JSON.parse(j.stdout).credentials).toEqual([
      { serverType: "BITBUCKET", authType: "BASIC_AUTH", arn: bitbucket },
      { serverType: "GITHUB", authType: "PERSONAL_ACCESS_TOKEN", arn: ARN },
    ]);
  });

  it("reports an unreachable endpoint as a network failure (exit 5)", async () => {
    const port = await freePort();
    const r = await runHdoc(["codebuild", "credentials", "--endpoint-url", `http://127.0.0.1:${port}`], { home: h.home, cwd: h.home });
    expect(r.exitCode).toBe(5);
    expect(r.stderr).toContain(`error: cannot reach the AWS endpoint at http://127.0.0.1:${port} for codebuild:ListSourceCredentials`);
  });
});

describe("hdoc codebuild reset-credentials", () => {
  it("replaces the GitHub credential with the token from GITHUB_TOKEN and prints the final state", async () => {
    cb.seed({ serverType: "GITHUB", token: "old-token" });
    const r = await hdoc(["codebuild", "reset-credentials", "--yes", "--verbose"], { GITHUB_TOKEN: TOKEN });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(operations()).toEqual(["ListSourceCredentials", "DeleteSourceCredentials", "ImportSourceCredentials", "ListSourceCredentials"]);
    expect(cb.requests[1]!.body).toEqual({ arn: ARN });
    expect(cb.requests[2]!.body).toEqual({ token: TOKEN, serverType: "GITHUB", authType: "PERSONAL_ACCESS_TOKEN", shouldOverwrite: false });
    expect(cb.credentials()).toMatchObject([{ serverType: "GITHUB", token: TOKEN }]);
    expect(cb.proxied).toBeGreaterThan(0); // STS GetCallerIdentity went through to moto
    expect(r.stdout).toContain("account 123456789012, region us-east-1, server type GITHUB");
    expect(r.stdout).toContain(`  delete  ${ARN} (PERSONAL_ACCESS_TOKEN)`);
    expect(r.stdout).toMatch(/Stored now:\nSERVER TYPE.*\n-+.*\nGITHUB\s+PERSONAL_ACCESS_TOKEN\s+arn:aws:codebuild:us-east-1:123456789012:token\/github$/);
    expect(r.stderr).toContain(`deleted ${ARN}`);
    expectSecretsHidden(r.stdout + r.stderr);
  });

  it("prints one JSON document with the plan and the final state under --json", async () => {
    cb.seed({ serverType: "GITHUB" });
    const r = await hdoc(["codebuild", "reset-credentials", "--yes", "--json"], { GITHUB_TOKEN: TOKEN });
    expect(r.exitCode).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ outcome: "changed", account: "123456789012", deleted: [ARN], imported: ARN, credentials: [{ arn: ARN }] });
  });

  it("takes the token from an SSM SecureString (decrypted), even when GITHUB_TOKEN is set", async () => {
    await moto.reset();
    const ssm = new SSMClient({ region: "us-east-1", endpoint: moto.url, credentials: { accessKeyId: "test", secretAccessKey: "test" } });
    await ssm.send(new PutParameterCommand({ Name: "/100DaysOfCloud/Backend/GithubTokenS", Type: "SecureString", Value: SSM_TOKEN }));
    cb.seed({ serverType: "GITHUB" });
    const r = await hdoc(["codebuild", "reset-credentials", "--yes", "--verbose", "--token-ssm-parameter", "/100DaysOfCloud/Backend/GithubTokenS"], { GITHUB_TOKEN: TOKEN });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(cb.credentials()).toMatchObject([{ serverType: "GITHUB", token: SSM_TOKEN }]);
    expect(r.stdout).toContain("token from SSM parameter /100DaysOfCloud/Backend/GithubTokenS");
    expectSecretsHidden(r.stdout + r.stderr);
  });

  it("names a missing SSM parameter and changes nothing (exit 6)", async () => {
    await moto.reset();
    cb.seed({ serverType: "GITHUB" });
    const r = await hdoc(["codebuild", "reset-credentials", "--yes", "--token-ssm-parameter", "/no/such/param"]);
    expect(r.exitCode).toBe(6);
    expect(r.stderr).toContain("error: SSM parameter /no/such/param does not exist in us-east-1");
    expect(operations()).toEqual([]);
    expect(cb.credentials()).toHaveLength(1);
  });

  it("refuses an empty or blank token before deleting anything (exit 2)", async () => {
    cb.seed({ serverType: "GITHUB" });
    const r = await hdoc(["codebuild", "reset-credentials", "--yes"], { GITHUB_TOKEN: "   " });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain("error: the token from $GITHUB_TOKEN is empty");
    expect(operations()).toEqual([]);
    expect(cb.credentials()).toHaveLength(1);
  });

  it("--dry-run shows the plan and changes nothing", async () => {
    cb.seed({ serverType: "GITHUB", token: "old-token" });
    const r = await hdoc(["codebuild", "reset-credentials", "--dry-run"], { GITHUB_TOKEN: TOKEN });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain(`  delete  ${ARN}`);
    expect(r.stdout).toContain("  import  a new PERSONAL_ACCESS_TOKEN for GITHUB, token from $GITHUB_TOKEN");
    expect(r.stdout).toContain("Dry run: nothing was changed.");
    expect(operations()).toEqual(["ListSourceCredentials"]);
    expect(cb.credentials()).toMatchObject([{ token: "old-token" }]);
  });

  it("changes nothing when the user declines at the prompt (exit 8)", async () => {
    cb.seed({ serverType: "GITHUB", token: "old-token" });
    const r = await runHdocInTerminal(["codebuild", "reset-credentials", "--endpoint-url", cb.url], {
      home: h.home,
      cwd: h.home,
      env: { GITHUB_TOKEN: TOKEN },
      keys: [{ after: "import the new token?", send: "n\r" }],
    });
    printed.push(r.output);
    expect(r.exitCode, r.output).toBe(8);
    expect(r.output).toContain("nothing changed (declined at the prompt)");
    expect(r.output).not.toContain("error:");
    expect(operations()).toEqual(["ListSourceCredentials"]);
    expect(cb.credentials()).toMatchObject([{ token: "old-token" }]);
  });

  it("asks for the token with a masked prompt when no source is given, and never echoes it", async () => {
    const typed = "tok-typed-0d5e8a1f6b2c";
    const r = await runHdocInTerminal(["codebuild", "reset-credentials", "--endpoint-url", cb.url], {
      home: h.home,
      cwd: h.home,
      keys: [{ after: "Personal access token for GITHUB", send: `${typed}\r` }],
    });
    printed.push(r.output);
    expect(r.exitCode, r.output).toBe(0);
    expect(r.output).toContain("*".repeat(typed.length));
    expect(r.output).not.toContain(typed);
    expect(cb.credentials()).toMatchObject([{ serverType: "GITHUB", token: typed }]);
  });

  it("refuses to delete without --yes when not interactive (exit 8)", async () => {
    cb.seed({ serverType: "GITHUB" });
    const r = await hdoc(["codebuild", "reset-credentials"], { GITHUB_TOKEN: TOKEN });
    expect(r.exitCode).toBe(8);
    expect(r.stderr).toContain("hint: re-run with --yes to confirm non-interactively");
    expect(operations()).toEqual(["ListSourceCredentials"]);
    expect(cb.credentials()).toHaveLength(1);
  });

  it("says the credential was deleted when the import then fails (exit 7), and --no-delete retries", async () => {
    cb.seed({ serverType: "GITHUB" });
    // The service echoing the token back is the worst case: the message must still arrive masked.
    cb.failNext("ImportSourceCredentials", { type: "InvalidInputException", message: `Invalid token ${TOKEN}, please verify the token` });
    const r = await hdoc(["codebuild", "reset-credentials", "--yes", "--verbose", "--token-env", "MY_TOKEN"], { MY_TOKEN: TOKEN });
    expect(r.exitCode).toBe(7);
    expect(r.stderr).toContain(
      "error: the GITHUB credential was deleted, but importing the new token failed: codebuild:ImportSourceCredentials rejected the request: Invalid token ****, please verify the token",
    );
    expect(r.stderr).toContain("caused by: HdocError"); // --verbose trace printed, still masked
    expect(r.stderr).toContain("retry with `hdoc codebuild reset-credentials --no-delete --token-env MY_TOKEN`");
    expect(cb.credentials()).toEqual([]);
    expectSecretsHidden(r.stdout + r.stderr);

    const retry = await hdoc(["codebuild", "reset-credentials", "--no-delete", "--token-env", "MY_TOKEN"], { MY_TOKEN: TOKEN });
    expect(retry.exitCode, retry.stderr).toBe(0);
    expect(cb.credentials()).toMatchObject([{ serverType: "GITHUB", token: TOKEN }]);
  });

  it("names the missing action when access is denied, and changes nothing (exit 4)", async () => {
    cb.seed({ serverType: "GITHUB" });
    cb.failNext("DeleteSourceCredentials", { type: "AccessDeniedException", message: "User: arn:aws:sts::123456789012:assumed-role/dev is not authorized to perform: codebuild:DeleteSourceCredentials" });
    const r = await hdoc(["codebuild", "reset-credentials", "--yes"], { GITHUB_TOKEN: TOKEN });
    expect(r.exitCode).toBe(4);
    expect(r.stderr).toMatch(/^error: access denied: codebuild:DeleteSourceCredentials is not allowed/m);
    expect(operations()).toEqual(["ListSourceCredentials", "DeleteSourceCredentials"]);
    expect(cb.credentials()).toHaveLength(1);
  });

  it("tells the user to run `hdoc mfa login` when the session has expired (exit 3)", async () => {
    cb.failNext("ListSourceCredentials", { type: "ExpiredTokenException", message: "The security token included in the request is expired" });
    const r = await hdoc(["codebuild", "reset-credentials", "--yes"], { GITHUB_TOKEN: TOKEN });
    expect(r.exitCode).toBe(3);
    expect(r.stderr).toContain("error: the AWS session has expired (codebuild:ListSourceCredentials)");
    expect(r.stderr).toContain("hint: run `hdoc mfa login`");
  });

  it("tells the user to run `hdoc mfa login` when there are no credentials at all (exit 3)", async () => {
    const bare = tempHome();
    try {
      const r = await hdoc(["codebuild", "credentials"], { AWS_EC2_METADATA_DISABLED: "true" }, bare.home);
      expect(r.exitCode).toBe(3);
      expect(r.stderr).toContain("hdoc mfa login");
      expect(operations()).toEqual([]);
    } finally {
      bare.cleanup();
    }
  });

  it("passes CodeBuild's InvalidInputException through as one line (exit 4)", async () => {
    cb.failNext("ListSourceCredentials", { type: "InvalidInputException", message: "Invalid request" });
    const r = await hdoc(["codebuild", "credentials"]);
    expect(r.exitCode).toBe(4);
    expect(r.stderr.trim().split("\n")[0]).toBe("error: codebuild:ListSourceCredentials rejected the request: Invalid request");
  });

  it("rejects an unsupported --server-type as a usage error (exit 2)", async () => {
    const r = await hdoc(["codebuild", "reset-credentials", "--server-type", "GITLAB"], { GITHUB_TOKEN: TOKEN });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('error: --server-type "GITLAB" is not supported');
    expect(operations()).toEqual([]);
  });
});

describe("secrets", () => {
  it("never printed the token, the SSM token or the session keys in any run of this file", () => {
    expect(printed.length).toBeGreaterThan(20);
    expectSecretsHidden(printed.join("\n"));
  });
});
