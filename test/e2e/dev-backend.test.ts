import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DynamoDBClient, PutItemCommand } from "@aws-sdk/client-dynamodb";
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
    const t = await call("GET", "/tags");
    expect(t.body.tags).toContainEqual({ tag: "aws", count: 3 });
  });

  it("refuses the write routes without an ID token, as the deployed API does", async () => {
    const s = await call("POST", "/signup", { github_username: "newbie", email: "newbie@example.com", name: "New Bie" });
    expect(s.status).toBe(401);
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
