import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DeleteItemCommand, DynamoDBClient, PutItemCommand, ScanCommand, UpdateItemCommand } from "@aws-sdk/client-dynamodb";
import { countTags } from "../../functions/list-tags/handler.ts";
import { REPO_ROOT, runHdoc, tempHome } from "../helpers/hdoc.ts";
import { freePort } from "../helpers/net.ts";
import { eventually, startHdocDev, type RunningDev } from "../helpers/dev-server.ts";

// The real backend (infra/ and functions/) as `npm start` runs it: hdoc dev --seed.
const h = tempHome();
let dev: RunningDev;

beforeAll(async () => {
  dev = await startHdocDev(["--port", String(await freePort()), "--seed"], { cwd: REPO_ROOT, home: h.home });
});
afterAll(async () => {
  await dev?.stop();
  h.cleanup();
});

const call = async (method: string, p: string, body?: unknown) => {
  const r = await fetch(dev.url + p, { method, ...(body ? { body: JSON.stringify(body), headers: { "Content-Type": "application/json" } } : {}) });
  const text = await r.text();
  return { status: r.status, headers: r.headers, body: (text ? JSON.parse(text) : undefined) as Record<string, unknown> & { items?: Array<Record<string, unknown>>; tags?: Array<{ tag: string; count: number }> } };
};

describe("hdoc dev on the real backend (infra/template.yml, seeded)", () => {
  it("serves seeded users whose scores came from the seeded statistics through the stream", async () => {
    const r = await call("GET", "/users/octocat");
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ github_username: "octocat", name: "The Octocat", score: 32 });
    expect(r.headers.get("access-control-allow-origin")).toBe("*");
    const list = await call("GET", "/users");
    expect(list.body.items?.map((u) => u.github_username).sort()).toEqual(["ada", "grace", "octocat"]);
  });

  it("serves articles and tags from the seed", async () => {
    const a = await call("GET", "/articles/5b0c8f0e-1d2a-4c3b-9e4f-000000000001");
    expect(a.status).toBe(200);
    expect(a.body).toMatchObject({ github_username: "octocat", title: "Day 1: a safe AWS account" });
    // counted by the tag counter from the seeded articles' stream records before hdoc dev said ready
    const t = await call("GET", "/tags");
    expect(t.body.tags).toEqual([
      { tag: "aws", count: 3 },
      { tag: "cloudformation", count: 1 },
      { tag: "dynamodb", count: 1 },
      { tag: "sam", count: 1 },
      { tag: "security", count: 1 },
    ]);
  });

  it("refuses the write routes without an ID token, as the deployed API does", async () => {
    const s = await call("POST", "/signup", { github_username: "newbie", email: "newbie@example.com", name: "New Bie" });
    expect(s.status).toBe(401);
    // infra/api.yml's GatewayResponses (DEFAULT_4XX) put CORS headers on the authorizer's answers, as API Gateway does (was: none)
    expect(["access-control-allow-origin", "access-control-allow-headers", "access-control-allow-methods"].map((h) => s.headers.get(h))).toEqual(["*", "Content-Type,Authorization,X-Amz-Date,X-Api-Key,X-Amz-Security-Token", "GET,POST,OPTIONS"]);
    const a = await call("POST", "/users/octocat/articles", { title: "Day 1", url: "https://example.com/x/1", tags: ["localdev"] });
    expect(a.status).toBe(401);
    expect((await call("GET", "/users/newbie")).status).toBe(404);
    expect((await call("GET", "/tags")).body.tags).not.toContainEqual({ tag: "localdev", count: 1 });
  });

  it("updates the score after a statistics write", async () => {
    const ddb = new DynamoDBClient({ endpoint: dev.dynamoEndpoint, region: "us-east-1", credentials: { accessKeyId: "x", secretAccessKey: "x" } });
    await ddb.send(new PutItemCommand({ TableName: "StatisticsTable", Item: { github_username: { S: "ada" }, stat_id: { S: "streak" }, value: { N: "7" } } }));
    ddb.destroy();
    const score = await eventually(async () => {
      const u = await call("GET", "/users/ada");
      return u.body.score === 20 ? u.body.score : undefined;
    });
    expect(score).toBe(20);
  });

  it("counts the tags of articles created over HTTP and written to the database (put, tags changed, deleted), page by page, equal to a recount", async () => {
    const tokenRun = await runHdoc(["dev", "token", "ada"], { home: h.home, cwd: REPO_ROOT });
    expect(tokenRun.exitCode, tokenRun.stderr).toBe(0);
    for (const [n, tags] of [[1, ["aws", "tagtest-a"]], [2, ["tagtest-a", "tagtest-b"]]] as const) {
      const r = await fetch(`${dev.url}/users/ada/articles`, {
        method: "POST",
        headers: { "Content-Type": "application/json", Authorization: tokenRun.stdout.trim() },
        body: JSON.stringify({ title: `Day ${n}`, url: `https://example.com/ada/${n}`, tags }),
      });
      expect(r.status).toBe(201);
    }
    // and straight to the embedded DynamoDB, as any other writer would: the stream sees every write
    const ddb = new DynamoDBClient({ endpoint: dev.dynamoEndpoint, region: "us-east-1", credentials: { accessKeyId: "x", secretAccessKey: "x" } });
    const article = (n: number, tags: string[]) => ({
      article_id: { S: `5b0c8f0e-1d2a-4c3b-9e4f-1000000000${String(n).padStart(2, "0")}` },
      github_username: { S: "ada" },
      title: { S: `Day ${n}` },
      url: { S: `https://example.com/ada/${n}` },
      tags: { L: tags.map((S) => ({ S })) },
      created_at: { S: "2026-02-01T10:00:00.000Z" },
    });
    for (const [n, tags] of [[3, ["tagtest-b"]], [4, ["tagtest-a"]]] as const) {
      await ddb.send(new PutItemCommand({ TableName: "ArticlesTable", Item: article(n, [...tags]) }));
    }
    await ddb.send(new UpdateItemCommand({ TableName: "ArticlesTable", Key: { article_id: article(3, []).article_id }, UpdateExpression: "SET tags = :t", ExpressionAttributeValues: { ":t": { L: [{ S: "tagtest-c" }] } } }));
    await ddb.send(new DeleteItemCommand({ TableName: "ArticlesTable", Key: { article_id: article(4, []).article_id } }));
    const recount = async () => {
      const perArticle: string[][] = [];
      let start: Record<string, never> | undefined;
      do {
        const page = await ddb.send(new ScanCommand({ TableName: "ArticlesTable", ExclusiveStartKey: start }));
        for (const item of page.Items ?? []) perArticle.push((item.tags?.L ?? []).map((t) => t.S!));
        start = page.LastEvaluatedKey as typeof start;
      } while (start);
      return countTags(perArticle);
    };
    const pages = async () => {
      const all: Array<{ tag: string; count: number }> = [];
      let token: string | undefined;
      do {
        const r = await call("GET", `/tags?limit=2${token ? `&nextToken=${token}` : ""}`);
        expect(r.status).toBe(200);
        all.push(...(r.body.tags ?? []));
        token = r.body.nextToken as string | undefined;
      } while (token);
      return all;
    };
    const expected = await recount();
    ddb.destroy();
    expect(expected).toContainEqual({ tag: "tagtest-a", count: 2 });
    expect(expected).toContainEqual({ tag: "tagtest-c", count: 1 });
    const shown = await eventually(async () => {
      const p = await pages();
      return JSON.stringify(p) === JSON.stringify(expected) ? p : undefined;
    });
    expect(shown).toEqual(expected);
  });

  it("answers preflight with the Api's AllowMethods and 403 for unknown routes", async () => {
    const r = await fetch(`${dev.url}/users/octocat`, { method: "OPTIONS" });
    expect(r.status).toBe(200);
    expect(r.headers.get("access-control-allow-methods")).toBe("GET,POST,OPTIONS");
    expect(r.headers.get("access-control-max-age")).toBe("600");
    const missing = await call("GET", "/nothing/here");
    expect(missing.status).toBe(403);
    expect(missing.body).toEqual({ message: "Missing Authentication Token" });
  });
});
