import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PutCommand } from "@aws-sdk/lib-dynamodb";
import { dynamoUserStore } from "@hdoc/shared/users";
import { memoryLogger } from "@hdoc/shared/log";
import { localTables, type LocalTables } from "../../test/helpers/tables.ts";
import { loadEvent, parse } from "../../test/helpers/events.ts";
import { createHandler } from "./handler.ts";

let db: LocalTables;
const names = ["alice", "bob", "carol", "dave", "eve"];
beforeAll(async () => {
  db = await localTables();
  for (const u of names) {
    await db.doc.send(new PutCommand({ TableName: db.names.UsersTable, Item: { github_username: u, name: u.toUpperCase(), email: `${u}@example.com`, score: 1, stats: {} } }));
  }
});
afterAll(() => db?.stop());

const handlerOver = (doc = db.doc) => createHandler({ users: dynamoUserStore(doc, db.names.UsersTable!), log: memoryLogger() });
const list = (query: Record<string, string> | null) => handlerOver()(loadEvent(import.meta.dirname, "list-users", { queryStringParameters: query }));

describe("GET /users", () => {
  it("pages through every user exactly once with an opaque nextToken", async () => {
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const res = parse(await list({ limit: "2", ...(token ? { nextToken: token } : {}) }));
      expect(res.status).toBe(200);
      const items = res.body.items as Array<Record<string, unknown>>;
      expect(items.length).toBeLessThanOrEqual(2);
      for (const i of items) {
        expect(i).not.toHaveProperty("email");
        seen.push(String(i.github_username));
      }
      token = res.body.nextToken as string | undefined;
      if (token) expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
    } while (token && ++pages < 10);
    expect(seen.sort()).toEqual(names);
  });

  it("uses a default page size without a limit", async () => {
    const res = parse(await list(null));
    expect(res.status).toBe(200);
    expect((res.body.items as unknown[]).length).toBe(5);
  });

  it.each(["0", "101", "abc", "1.5", "-1"])("answers 400 for limit=%s", async (limit) => {
    const res = parse(await list({ limit }));
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: "INVALID_FIELD", field: "limit" });
  });

  it.each(["not a token", "eyJ4IjoxfQ", Buffer.from('{"u":"-bad-"}').toString("base64url")])("answers 400 for the forged nextToken %j", async (nextToken) => {
    const res = parse(await list({ nextToken }));
    expect(res.status).toBe(400);
    expect(res.body.error?.field).toBe("nextToken");
  });

  it("returns one user for ?username= (the original API's form) and 404 for an unknown one", async () => {
    const ok = parse(await handlerOver()(loadEvent(import.meta.dirname, "get-user-by-query", { queryStringParameters: { username: "Carol" } })));
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ github_username: "carol", name: "CAROL" });
    const missing = parse(await list({ username: "zed" }));
    expect(missing.status).toBe(404);
    expect(parse(await list({ username: "bad name" })).status).toBe(400);
  });

  it("answers 500 without details when the database fails", async () => {
    const res = parse(await handlerOver(db.broken)(loadEvent(import.meta.dirname, "list-users")));
    expect(res.status).toBe(500);
    expect(res.body.error).toMatchObject({ code: "INTERNAL", message: "internal error", requestId: "c6af9ac6-7b61-11e6-9a41-93e8deadbeef" });
  });
});
