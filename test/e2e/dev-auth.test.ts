/**
 * `hdoc dev` enforces what the deployed API enforces, over HTTP against the built binary: the
 * Cognito authorizer emulated with the local issuer (`hdoc dev token`), the ownership check behind
 * it, AWS_IAM on POST /statistics (SigV4 with the functions' local credentials), and the Statistics
 * Parser run by `--schedule` against a loopback GitHub, changing the scores through the stream.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execa } from "execa";
import { decodeJwt, importJWK, SignJWT } from "jose";
import { SignatureV4 } from "@smithy/signature-v4";
import { Hash } from "@smithy/hash-node";
import { REPO_ROOT, runHdoc, tempHome } from "../helpers/hdoc.ts";
import { freePort } from "../helpers/net.ts";
import { eventually, startHdocDev, type RunningDev } from "../helpers/dev-server.ts";
import { startGitHubEndpoint, type GitHubEndpoint } from "../helpers/github-endpoint.ts";

const h = tempHome();
let dev: RunningDev;
let gh: GitHubEndpoint;
const daysAgo = (d: number) => new Date(Date.now() - d * 86_400_000).toISOString();

beforeAll(async () => {
  gh = await startGitHubEndpoint();
  // octocat: 12 commits on 4 days; ada: an empty repository; grace: none (404)
  gh.repo("octocat", "100DaysOfCloud", Array.from({ length: 12 }, (_, i) => ({ author: "octocat", date: daysAgo(1 + (i % 4)) })));
  gh.repo("ada", "100DaysOfCloud");
  dev = await startHdocDev(["--port", String(await freePort()), "--seed", "--schedule", "--param", `GitHubApiUrl=${gh.url}`], { cwd: REPO_ROOT, home: h.home });
}, 60_000);
afterAll(async () => {
  await dev?.stop();
  await gh?.stop();
  h.cleanup();
});

const token = async (...args: string[]) => {
  const r = await runHdoc(["dev", "token", ...args], { home: h.home, cwd: REPO_ROOT });
  expect(r.exitCode, r.stderr).toBe(0);
  return r.stdout.trim();
};
const post = async (p: string, body: unknown, headers: Record<string, string> = {}) => {
  const r = await fetch(dev.url + p, { method: "POST", body: JSON.stringify(body), headers: { "Content-Type": "application/json", ...headers } });
  return { status: r.status, headers: r.headers, body: (await r.json()) as Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any
};
const article = { title: "Day 3: Cognito", url: "https://example.com/octocat/day-3", tags: ["cognito"] };

describe("hdoc dev: the Cognito authorizer, emulated", () => {
  it("answers 401 without a token, as API Gateway does", async () => {
    const r = await post("/users/octocat/articles", article);
    expect(r.status).toBe(401);
    expect(r.body).toEqual({ message: "Unauthorized" });
    expect(r.headers.get("x-amzn-errortype")).toBe("UnauthorizedException");
  });

  it("answers 401 to an expired token and to a tampered one", async () => {
    const key = JSON.parse(readFileSync(path.join(REPO_ROOT, ".hdoc/dev/issuer-key.json"), "utf8"));
    const good = await token("octocat");
    const claims = decodeJwt(good);
    const expired = await new SignJWT({ ...claims, iat: claims.iat! - 7200, exp: claims.iat! - 3600 })
      .setProtectedHeader({ alg: "RS256", kid: key.kid })
      .sign(await importJWK(key.privateJwk, "RS256"));
    const [head, , sig] = good.split(".");
    const tampered = `${head}.${Buffer.from(JSON.stringify({ ...claims, "custom:github_username": "ada" })).toString("base64url")}.${sig}`;
    for (const t of [expired, tampered, `${good}x`]) {
      const r = await post("/users/octocat/articles", article, { Authorization: t });
      expect(r.status).toBe(401);
      expect(r.body).toEqual({ message: "Unauthorized" });
    }
    expect(dev.stderr()).toMatch(/401 .*\(ID token rejected: expired\)/);
    expect(dev.stderr()).toMatch(/401 .*\(ID token rejected: bad signature\)/);
  });

  it("answers 403 FORBIDDEN to another member's valid token", async () => {
    const r = await post("/users/octocat/articles", article, { Authorization: await token("ada") });
    expect(r.status).toBe(403);
    expect(r.body.error).toMatchObject({ code: "FORBIDDEN" });
  });

  it("answers 201 to the right member (seeded user, name in another case, Bearer form too) and hands the handler the claims", async () => {
    const t = await token("OctoCat");
    const r = await post("/users/octocat/articles", article, { Authorization: t });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ github_username: "octocat", title: "Day 3: Cognito" });
    expect((await post("/users/octocat/articles", { ...article, title: "Day 4" }, { Authorization: `Bearer ${t}` })).status).toBe(201);
  });

  it("completes a new member's profile from the token's claims, idempotently", async () => {
    const t = await token("new-member", "--email", "new@example.com", "--name", "New Member");
    const first = await post("/signup", {}, { Authorization: t });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ github_username: "new-member", name: "New Member", score: 0 });
    expect((await post("/signup", {}, { Authorization: t })).status).toBe(200);
    expect((await fetch(`${dev.url}/users/new-member`)).status).toBe(200);
  });

  it("never writes a token to its console", async () => {
    const t = await token("grace");
    await post("/users/grace/articles", article, { Authorization: t });
    expect(dev.stderr()).not.toContain(t.split(".")[2]);
    expect(dev.stderr()).not.toMatch(/eyJ[A-Za-z0-9_-]{20,}/);
  });
});

describe("hdoc dev: POST /statistics behind AWS_IAM", () => {
  const signed = async (secretAccessKey: string, body: unknown) => {
    const u = new URL(`${dev.url}/dev/statistics`);
    const text = JSON.stringify(body);
    const signer = new SignatureV4({ service: "execute-api", region: "us-east-1", sha256: Hash.bind(null, "sha256"), uriEscapePath: true, credentials: { accessKeyId: "local", secretAccessKey } });
    const req = await signer.sign({ method: "POST", protocol: "http:", hostname: u.hostname, port: Number(u.port), path: u.pathname, query: {}, headers: { host: u.host, "content-type": "application/json" }, body: text });
    const r = await fetch(u, { method: "POST", headers: req.headers, body: text });
    return { status: r.status, body: (await r.json()) as Record<string, unknown> };
  };
  const batch = { statistics: [{ github_username: "grace", stat_id: "articles", value: 4 }] };

  it("answers 403 unsigned, 403 signed with the wrong secret, 200 signed with the local credentials", async () => {
    const unsigned = await post("/statistics", batch);
    expect(unsigned).toMatchObject({ status: 403, body: { message: "Missing Authentication Token" } });
    const wrong = await signed("not-the-secret", batch);
    expect(wrong.status).toBe(403);
    expect(String(wrong.body.message)).toMatch(/signature we calculated does not match/);
    const ok = await signed("local", batch);
    expect(ok).toEqual({ status: 200, body: { written: 1, unchanged: 0 } });
    expect((await signed("local", batch)).body).toEqual({ written: 0, unchanged: 1 });
  });

  it("accepts the README's curl --aws-sigv4 call with the local credentials", async () => {
    const body = JSON.stringify({ statistics: [{ github_username: "grace", stat_id: "articles", value: 5 }] });
    const r = await execa("curl", ["-s", "--aws-sigv4", "aws:amz:us-east-1:execute-api", "--user", "local:local", "-H", "Content-Type: application/json", "-X", "POST", `${dev.url}/dev/statistics`, "-d", body]);
    expect(JSON.parse(r.stdout)).toEqual({ written: 1, unchanged: 0 });
  });
});

describe("hdoc dev --schedule: the Statistics Parser", () => {
  it("reads the loopback GitHub and posts through the signed route; the scores follow through the stream", async () => {
    // seeded: octocat 32 (articles 2 + days 30), ada 13; the parser adds journey_commits + journey_days
    const octocat = await eventually(async () => {
      const u = (await (await fetch(`${dev.url}/users/octocat`)).json()) as { score: number };
      return u.score === 32 + 12 + 4 ? u.score : undefined;
    }, 30_000);
    expect(octocat).toBe(48);
    expect(gh.requests.some((r) => r.path === "/repos/octocat/100DaysOfCloud/commits" && r.status === 200)).toBe(true);
    expect(gh.requests.some((r) => r.path === "/repos/ada/100DaysOfCloud/commits" && r.status === 409)).toBe(true);
    const ada = (await (await fetch(`${dev.url}/users/ada`)).json()) as { score: number };
    expect(ada.score).toBe(13);
    expect(dev.stderr()).toMatch(/Api\/StatisticsParserFunction \(rate\(1 day\)\) ran: .*"status":"complete"/);
    expect(dev.stderr()).not.toMatch(/Warning/);
  });
});

describe("hdoc dev token", () => {
  it("prints one JSON document with --json, the token's facts included", async () => {
    const r = await runHdoc(["--json", "dev", "token", "ada", "--expires-in", "10m"], { home: h.home, cwd: REPO_ROOT });
    expect(r.exitCode).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({ github_username: "ada", email: "ada@example.com", sub: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    expect(decodeJwt(doc.token).exp! - decodeJwt(doc.token).iat!).toBe(600);
    expect(r.stderr).toBe("");
  });

  it.each([
    [["dev", "token", "bad--name"], /error: "bad--name" is not a GitHub username/],
    [["dev", "token", "ada", "--expires-in", "2d"], /error: --expires-in "2d" is not a duration/],
    [["dev", "token", "ada", "--expires-in", "25h"], /error: --expires-in/],
    [["dev", "token", "ada", "--email", "nope"], /error: --email "nope" is not an e-mail address/],
  ])("refuses %j with exit 2, one error line and a hint", async (args, message) => {
    const r = await runHdoc(args, { home: h.home, cwd: REPO_ROOT });
    expect(r.exitCode).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toMatch(/\nhint: /);
  });
});
