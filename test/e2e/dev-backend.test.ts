import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DeleteItemCommand, DynamoDBClient, PutItemCommand, ScanCommand } from "@aws-sdk/client-dynamodb";
import { countTags } from "../../functions/list-tags/handler.ts";
import { REPO_ROOT, tempHome } from "../helpers/hdoc.ts";
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

  it("signs up a user, adds an article, and updates the score after a statistics write", async () => {
    const s = await call("POST", "/signup", { github_username: "newbie", email: "newbie@example.com", name: "New Bie" });
    expect(s.status).toBe(201);
    const a = await call("POST", "/users/newbie/articles", { title: "Day 1", url: "https://example.com/newbie/1", tags: ["localdev"] });
    expect(a.status).toBe(201);
    const id = String((a.body as { article_id?: string }).article_id ?? "");
    expect((await call("GET", `/articles/${id}`)).body).toMatchObject({ title: "Day 1", github_username: "newbie" });
    const counted = await eventually(async () => {
      const tags = (await call("GET", "/tags")).body.tags ?? [];
      return tags.some((t) => t.tag === "localdev") ? tags : undefined;
    });
    expect(counted).toContainEqual({ tag: "localdev", count: 1 });
    expect(counted).toContainEqual({ tag: "aws", count: 3 });

    const ddb = new DynamoDBClient({ endpoint: dev.dynamoEndpoint, region: "us-east-1", credentials: { accessKeyId: "x", secretAccessKey: "x" } });
    await ddb.send(new PutItemCommand({ TableName: "StatisticsTable", Item: { github_username: { S: "newbie" }, stat_id: { S: "days" }, value: { N: "7" } } }));
    ddb.destroy();
    const score = await eventually(async () => {
      const u = await call("GET", "/users/newbie");
      return u.body.score === 7 ? u.body.score : undefined;
    });
    expect(score).toBe(7);
  });

  it("counts the tags of articles created over HTTP and of one deleted in the database, page by page, equal to a recount", async () => {
    expect((await call("POST", "/signup", { github_username: "tagger", email: "tagger@example.com", name: "Tag Ger" })).status).toBe(201);
    const ids: string[] = [];
    for (const tags of [["aws", "tagtest-a"], ["tagtest-a", "tagtest-b"], ["tagtest-b"], ["tagtest-a"]]) {
      const a = await call("POST", "/users/tagger/articles", { title: `Day ${ids.length + 1}`, url: `https://example.com/tagger/${ids.length}`, tags });
      expect(a.status).toBe(201);
      ids.push(String(a.body.article_id));
    }
    const ddb = new DynamoDBClient({ endpoint: dev.dynamoEndpoint, region: "us-east-1", credentials: { accessKeyId: "x", secretAccessKey: "x" } });
    await ddb.send(new DeleteItemCommand({ TableName: "ArticlesTable", Key: { article_id: { S: ids[3]! } } }));
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
    const shown = await eventually(async () => {
      const p = await pages();
      return JSON.stringify(p) === JSON.stringify(expected) ? p : undefined;
    });
    expect(shown).toEqual(expected);
  });

  it("answers preflight with the Api's AllowMethods and 404 for unknown routes", async () => {
    const r = await fetch(`${dev.url}/users/octocat`, { method: "OPTIONS" });
    expect(r.status).toBe(200);
    expect(r.headers.get("access-control-allow-methods")).toBe("GET,POST,OPTIONS");
    expect(r.headers.get("access-control-max-age")).toBe("600");
    const missing = await call("GET", "/nothing/here");
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({ message: "Missing Authentication Token" });
  });
});
