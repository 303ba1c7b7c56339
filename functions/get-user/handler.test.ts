import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NumberValue, PutCommand } from "@aws-sdk/lib-dynamodb";
import { dynamoUserStore } from "@hdoc/shared/users";
import { memoryLogger } from "@hdoc/shared/log";
import { localTables, type LocalTables } from "../../test/helpers/tables.ts";
import { loadEvent, parse } from "../../test/helpers/events.ts";
import { createHandler } from "./handler.ts";

let db: LocalTables;
beforeAll(async () => {
  db = await localTables();
  await db.doc.send(new PutCommand({
    TableName: db.names.UsersTable,
    Item: { github_username: "octocat", name: "The Octocat", email: "octo@example.com", score: NumberValue.from("12345678901234567890.5"), created_at: "2025-01-01T00:00:00.000Z", stats: {} },
  }));
});
afterAll(() => db?.stop());

const event = (username: string) => loadEvent(import.meta.dirname, "get-user", { pathParameters: { username } });
const handlerOver = (doc = db.doc, log = memoryLogger()) => createHandler({ users: dynamoUserStore(doc, db.names.UsersTable!), log });

describe("GET /users/{username}", () => {
  it("returns the public profile with the score exact and no email", async () => {
    const res = parse(await handlerOver()(event("octocat")));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ github_username: "octocat", name: "The Octocat" });
    expect(res.body).not.toHaveProperty("email");
    expect(res.text).toContain('"score":12345678901234567890.5');
  });

  it("matches the username case-insensitively, as GitHub does", async () => {
    expect(parse(await handlerOver()(event("OctoCat"))).status).toBe(200);
  });

  it("answers 404 for an unknown user", async () => {
    const res = parse(await handlerOver()(event("nobody-here")));
    expect(res.status).toBe(404);
    expect(res.body.error).toMatchObject({ code: "NOT_FOUND" });
  });

  it.each(["-octocat", "octocat-", "octo--cat", "a".repeat(40), "octo_cat", ""])("answers 400 for the malformed username %j", async (u) => {
    const res = parse(await handlerOver()(event(u)));
    expect(res.status).toBe(400);
    expect(res.body.error?.code).toMatch(/^(INVALID_FIELD|MISSING_FIELD)$/);
  });

  it("answers 500 with only 'internal error' and the request id when the database fails, and logs the details", async () => {
    const log = memoryLogger();
    const res = parse(await handlerOver(db.broken, log)(event("octocat"), { awsRequestId: "req-123" }));
    expect(res.status).toBe(500);
    expect(res.body).toEqual({ error: { code: "INTERNAL", message: "internal error", requestId: "req-123" } });
    expect(log.entries).toHaveLength(1);
    expect(log.entries[0]!.fields).toMatchObject({ requestId: "req-123" });
    expect(String((log.entries[0]!.fields.error as Error).message)).not.toBe("");
  });
});
