import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import { dynamoUserStore } from "@hdoc/shared/users";
import { dynamoArticleStore } from "@hdoc/shared/articles";
import { memoryLogger } from "@hdoc/shared/log";
import { localTables, type LocalTables } from "../../test/helpers/tables.ts";
import { loadEvent, parse, withClaims } from "../../test/helpers/events.ts";
import { createHandler } from "./handler.ts";

let db: LocalTables;
beforeAll(async () => {
  db = await localTables();
  await db.doc.send(new PutCommand({ TableName: db.names.UsersTable, Item: { github_username: "octocat", name: "Octo", email: "o@example.com", score: 0, stats: {} } }));
});
afterAll(() => db?.stop());

const ID = "11111111-2222-4333-8444-555555555555";
const handlerOver = (doc = db.doc) =>
  createHandler({
    users: dynamoUserStore(doc, db.names.UsersTable!),
    articles: dynamoArticleStore(doc, db.names.ArticlesTable!),
    log: memoryLogger(),
    now: () => new Date("2025-07-24T10:00:00Z"),
    newId: () => ID,
  });
const post = (patch: Record<string, unknown> = {}, doc = db.doc) => handlerOver(doc)(loadEvent(import.meta.dirname, "create-article", patch));

describe("POST /users/{username}/articles", () => {
  it("stores the article under the author with normalised tags and answers 201", async () => {
    const res = parse(await post());
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ article_id: ID, github_username: "octocat", title: "Day 1: S3 static site", tags: ["aws", "s3", "100daysofcloud"] });
    const item = (await db.doc.send(new GetCommand({ TableName: db.names.ArticlesTable, Key: { article_id: ID } }))).Item;
    expect(item).toMatchObject({ github_username: "octocat", created_at: "2025-07-24T10:00:00.000Z", url: "https://dev.to/octocat/day-1" });
  });

  it("answers 409 when the article id is already taken (conditional write)", async () => {
    const res = parse(await post());
    expect(res.status).toBe(409);
    expect(res.body.error?.code).toBe("CONFLICT");
  });

  it("answers 404 for an author who has not signed up", async () => {
    const res = parse(await handlerOver()(withClaims(loadEvent(import.meta.dirname, "create-article", { pathParameters: { username: "ghost" } }), { "custom:github_username": "ghost" })));
    expect(res.status).toBe(404);
  });

  it.each([
    ["the token's GitHub username in another case (Octocat) posting to /users/octocat", "Octocat", "octocat", 201],
    ["the path in another case (/users/OCTOCAT)", "octocat", "OCTOCAT", 201],
  ])("accepts %s", async (_what, claim, pathUser, status) => {
    const event = withClaims(loadEvent(import.meta.dirname, "create-article", { pathParameters: { username: pathUser } }), { "custom:github_username": claim });
    const res = parse(await createHandler({ users: dynamoUserStore(db.doc, db.names.UsersTable!), articles: dynamoArticleStore(db.doc, db.names.ArticlesTable!), log: memoryLogger() })(event));
    expect(res.status).toBe(status);
    expect(res.body.github_username).toBe("octocat");
  });

  it("answers 403 FORBIDDEN when the signed-in member posts under another member's name, and stores nothing", async () => {
    const articles = dynamoArticleStore(db.doc, db.names.ArticlesTable!);
    const before = (await articles.allTags()).length;
    const event = withClaims(loadEvent(import.meta.dirname, "create-article"), { sub: "a-different-account", "custom:github_username": "mallory" });
    const res = parse(await createHandler({ users: dynamoUserStore(db.doc, db.names.UsersTable!), articles, log: memoryLogger(), newId: () => "22222222-2222-4222-8222-222222222222" })(event));
    expect(res.status).toBe(403);
    expect(res.body.error).toMatchObject({ code: "FORBIDDEN" });
    expect(res.body.error?.message).toMatch(/mallory/);
    expect((await articles.allTags()).length).toBe(before);
  });

  it.each([
    ["no authorizer claims", undefined, 401, "UNAUTHORIZED"],
    ["an access token's claims", { token_use: "access" }, 401, "UNAUTHORIZED"],
    ["an account without a GitHub username", { "custom:github_username": "" }, 403, "FORBIDDEN"],
  ])("answers %s with %i before reading the body", async (_what, claims, status, code) => {
    const res = parse(await handlerOver()(withClaims(loadEvent(import.meta.dirname, "create-article", { body: "{not json" }), claims)));
    expect(res.status).toBe(status);
    expect(res.body.error?.code).toBe(code);
  });

  it.each([
    ["no title", { url: "https://x.dev/a" }],
    ["a javascript: url", { title: "t", url: "javascript:alert(1)" }],
    ["tags that are not a list", { title: "t", url: "https://x.dev/a", tags: "aws" }],
    ["a tag with spaces", { title: "t", url: "https://x.dev/a", tags: ["a b"] }],
    ["eleven tags", { title: "t", url: "https://x.dev/a", tags: Array.from({ length: 11 }, (_, i) => `t${i}`) }],
    ["a title over 200 characters", { title: "x".repeat(201), url: "https://x.dev/a" }],
  ])("answers 400 for %s", async (_what, body) => {
    const res = parse(await post({ body: JSON.stringify(body) }));
    expect(res.status).toBe(400);
    expect(res.body.error?.code).toMatch(/^(MISSING_FIELD|INVALID_FIELD)$/);
  });

  it("answers 400 for a malformed author in the path", async () => {
    expect(parse(await post({ pathParameters: { username: "bad_name" } })).status).toBe(400);
  });

  it("answers 403 for a malformed GitHub username in the token", async () => {
    const res = parse(await handlerOver()(withClaims(loadEvent(import.meta.dirname, "create-article"), { "custom:github_username": "bad_name" })));
    expect(res.status).toBe(403);
  });

  it("answers 500 without details when the database fails", async () => {
    const res = parse(await post({}, db.broken));
    expect(res.status).toBe(500);
    expect(res.body.error?.message).toBe("internal error");
  });
});
