import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PutCommand } from "@aws-sdk/lib-dynamodb";
import { memoryLogger } from "@hdoc/shared/log";
import { BOARD, dynamoTagBoard, rankOf, tagKey } from "@hdoc/shared/tags";
import { localTables, type LocalTables } from "../../test/helpers/tables.ts";
import { loadEvent, parse } from "../../test/helpers/events.ts";
import { countTags, createHandler, encodeTagToken } from "./handler.ts";

let db: LocalTables;
beforeAll(async () => {
  db = await localTables();
});
afterAll(() => db?.stop());

const list = (query: Record<string, string> | null = null, doc = db.doc) =>
  createHandler({ board: dynamoTagBoard(doc, db.names.TagsTable!), log: memoryLogger() })(loadEvent(import.meta.dirname, "list-tags", { queryStringParameters: query }));

/** Tag items as the tag counter writes them. */
const put = (tag: string, count: number) =>
  db.doc.send(
    new PutCommand({
      TableName: db.names.TagsTable,
      Item: count > 0 ? { pk: tagKey(tag), tag, count, board: BOARD, rank: rankOf(tag, BigInt(count)) } : { pk: tagKey(tag), tag, count },
    }),
  );

describe("GET /tags", () => {
  it("answers an empty list when no article has a tag", async () => {
    const res = parse(await list());
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ tags: [] });
  });

  it("answers the counts most used first, ties by tag, without tags counted down to zero", async () => {
    for (const [tag, count] of [["s3", 2], ["aws", 3], ["lambda", 1], ["iam", 1], ["gone", 0]] as const) await put(tag, count);
    const res = parse(await list());
    expect(res.body).toEqual({ tags: [{ tag: "aws", count: 3 }, { tag: "s3", count: 2 }, { tag: "iam", count: 1 }, { tag: "lambda", count: 1 }] });
  });

  it("pages with limit and nextToken through every tag exactly once", async () => {
    for (let i = 0; i < 23; i++) await put(`t${String(i).padStart(2, "0")}`, 100 + (i % 5));
    const seen: string[] = [];
    let token: string | undefined;
    for (let page = 0; page < 20; page++) {
      const res = parse(await list({ limit: "7", ...(token ? { nextToken: token } : {}) }));
      expect(res.status).toBe(200);
      const tags = res.body.tags as Array<{ tag: string; count: number }>;
      expect(tags.length).toBeLessThanOrEqual(7);
      seen.push(...tags.map((t) => t.tag));
      token = res.body.nextToken as string | undefined;
      if (!token) break;
    }
    const all = parse(await list({ limit: "200" })).body.tags as Array<{ tag: string; count: number }>;
    expect(seen).toEqual(all.map((t) => t.tag));
    expect(all.slice(0, 5).map((t) => t.count)).toEqual([104, 104, 104, 104, 103]);
  });

  it("shows 50 tags unless asked for another limit", async () => {
    for (let i = 0; i < 60; i++) await put(`many-${i}`, 1);
    const res = parse(await list());
    expect((res.body.tags as unknown[]).length).toBe(50);
    expect(typeof res.body.nextToken).toBe("string");
  });

  it.each([
    [{ limit: "0" }, "limit"],
    [{ limit: "201" }, "limit"],
    [{ limit: "ten" }, "limit"],
    [{ nextToken: "not-a-token" }, "nextToken"],
    [{ nextToken: encodeTagToken("aws") }, "nextToken"],
    [{ nextToken: Buffer.from('{"r":1}').toString("base64url") }, "nextToken"],
  ])("rejects %j with 400 naming the field", async (query, field) => {
    const res = parse(await list(query));
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: "INVALID_FIELD", field });
  });

  it("the recount counts a tag once per article, ties by tag", () => {
    expect(countTags([["b", "a", "a"], ["a"], ["c"]])).toEqual([{ tag: "a", count: 2 }, { tag: "b", count: 1 }, { tag: "c", count: 1 }]);
  });

  it("answers 500 without details when the database fails", async () => {
    const res = parse(await list(null, db.broken));
    expect(res.status).toBe(500);
    expect(res.body.error).toMatchObject({ code: "INTERNAL", message: "internal error" });
  });
});
