import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NumberValue, PutCommand } from "@aws-sdk/lib-dynamodb";
import { dynamoArticleStore } from "@hdoc/shared/articles";
import { memoryLogger } from "@hdoc/shared/log";
import { localTables, type LocalTables } from "../../test/helpers/tables.ts";
import { loadEvent, parse } from "../../test/helpers/events.ts";
import { createHandler } from "./handler.ts";

const ID = "7d0a1f4e-2b7c-4c8e-9f31-5a6b7c8d9e0f";
let db: LocalTables;
beforeAll(async () => {
  db = await localTables();
  await db.doc.send(new PutCommand({
    TableName: db.names.ArticlesTable,
    Item: { article_id: ID, github_username: "octocat", title: "Day 1", url: "https://dev.to/x", tags: ["aws"], created_at: "2025-07-24T10:00:00.000Z", views: NumberValue.from("9007199254740993") },
  }));
});
afterAll(() => db?.stop());

const get = (articleId: string, doc = db.doc) =>
  createHandler({ articles: dynamoArticleStore(doc, db.names.ArticlesTable!), log: memoryLogger() })(loadEvent(import.meta.dirname, "get-article", { pathParameters: { articleId } }));

describe("GET /articles/{articleId}", () => {
  it("returns the article with numbers beyond 2^53 exact", async () => {
    const res = parse(await get(ID));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ article_id: ID, title: "Day 1", tags: ["aws"] });
    expect(res.text).toContain('"views":9007199254740993');
  });

  it("answers 404 for an unknown id", async () => {
    expect(parse(await get("00000000-0000-4000-8000-000000000000")).status).toBe(404);
  });

  it("answers 400 for an id that is not a UUID", async () => {
    const res = parse(await get("../etc/passwd"));
    expect(res.status).toBe(400);
    expect(res.body.error?.field).toBe("articleId");
  });

  it("answers 500 without details when the database fails", async () => {
    expect(parse(await get(ID, db.broken)).status).toBe(500);
  });
});
