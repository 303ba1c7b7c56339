/** `npm run local-aws`: the local AWS a new user tries hdoc against (README, "Try the AWS commands locally"). */
import { afterAll, describe, expect, it } from "vitest";
import { execa } from "execa";
import path from "node:path";
import { REPO_ROOT, runHdoc, tempHome } from "../helpers/hdoc.ts";
import { freePort } from "../helpers/net.ts";

const h = tempHome();
afterAll(() => h.cleanup());

describe("scripts/local-aws.mjs", () => {
  it("serves every hdoc AWS command on one endpoint: MFA login, the GitHub connection, CodeBuild reset (connection and token), pipeline deploy", async () => {
    const port = await freePort();
    const server = execa("node", [path.join(REPO_ROOT, "scripts/local-aws.mjs"), "--seed"], { cwd: REPO_ROOT, env: { PORT: String(port) }, reject: false });
    let out = "";
    server.stdout?.setEncoding("utf8");
    server.stdout?.on("data", (d: string) => (out += d));
    try {
      for (let i = 0; i < 300 && !out.includes("Ctrl-C to stop"); i++) await new Promise((r) => setTimeout(r, 100));
      expect(out).toContain(`local AWS on http://127.0.0.1:${port}`);
      expect(out).toMatch(/seeded the GitHub connection arn:aws:codeconnections:us-east-1:123456789012:connection\/[0-9a-f-]{36} \(AVAILABLE\)/);
      const env = { AWS_ENDPOINT_URL: `http://127.0.0.1:${port}` };
      const { writeFileSync } = await import("node:fs");
      writeFileSync(h.credentialsFile, "[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n", { mode: 0o600 });
      expect((await runHdoc(["mfa", "login", "--token-code", "123456"], { home: h.home, env })).exitCode).toBe(0);
      const connection = await runHdoc(["pipeline", "connection", "--stage", "dev"], { home: h.home, env });
      expect(connection.exitCode, connection.stderr).toBe(0);
      expect(connection.stdout).toContain("status:      AVAILABLE");
      const reset = await runHdoc(["codebuild", "reset-credentials", "--auth-type", "CODECONNECTIONS", "--stage", "dev", "--yes"], { home: h.home, env });
      expect(reset.exitCode, reset.stderr).toBe(0);
      expect(reset.stdout).toMatch(/GITHUB\s+CODECONNECTIONS\s+arn:aws:codebuild:us-east-1:123456789012:token\/github\s+arn:aws:codeconnections:/);
      const token = await runHdoc(["codebuild", "reset-credentials", "--token-ssm-parameter", "/100DaysOfCloud/Backend/GithubTokenS", "--yes"], { home: h.home, env });
      expect(token.exitCode, token.stderr).toBe(0); // the seeded token parameter is the SecureString the README says
      const deploy = await runHdoc(["pipeline", "deploy", "--stage", "dev", "--yes"], { home: h.home, env });
      expect(deploy.exitCode).toBe(0);
      expect(deploy.stdout).toContain("CREATE_COMPLETE");
      // the log it points at exists and holds moto's record of the requests just made
      const logLine = /^moto's log \(requests, and the traceback behind any HTTP 500\): (\S+)/m.exec(out);
      expect(logLine, out).not.toBeNull();
      const { readFileSync } = await import("node:fs");
      expect(readFileSync(path.resolve(REPO_ROOT, logLine![1]!), "utf8")).toMatch(/POST \/ HTTP\/1\.1/);
    } finally {
      server.kill("SIGINT");
      await server;
    }
  });
});
