import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PutCommand } from "@aws-sdk/lib-dynamodb";
import { dynamoArticleStore } from "@hdoc/shared/articles";
import { memoryLogger } from "@hdoc/shared/log";
import { localTables, type LocalTables } from "../../test/helpers/tables.ts";
import { loadEvent, parse } from "../../test/helpers/events.ts";
import { countTags, createHandler } from "./handler.ts";

let db: LocalTables;
beforeAll(async () => {
  db = await localTables();
});
afterAll(() => db?.stop());

const list = (doc = db.doc) => createHandler({ articles: dynamoArticleStore(doc, db.names.ArticlesTable!), log: memoryLogger() })(loadEvent(import.meta.dirname, "list-tags"));

describe("GET /tags", () => {
  it("answers an empty list when there are no articles", async () => {
    const res = parse(await list());
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ tags: [] });
  });

  it("aggregates the tags of every article, most used first", async () => {
    const articles = [["aws", "s3"], ["aws", "lambda"], ["aws", "s3"], []];
    for (const [i, tags] of articles.entries()) {
      await db.doc.send(new PutCommand({ TableName: db.names.ArticlesTable, Item: { article_id: `00000000-0000-4000-8000-00000000000${i}`, github_username: "o", created_at: "2025-01-01", tags } }));
    }
    const res = parse(await list());
    expect(res.body).toEqual({ tags: [{ tag: "aws", count: 3 }, { tag: "s3", count: 2 }, { tag: "lambda", count: 1 }] });
  });

  it("counts a tag once per article", () => {
    expect(countTags([["a", "a"], ["a"]])).toEqual([{ tag: "a", count: 2 }]);
  });

  it("answers 500 without details when the database fails", async () => {
    expect(parse(await list(db.broken)).status).toBe(500);
  });
});
