import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { dynamoUserStore } from "@hdoc/shared/users";
import { memoryLogger } from "@hdoc/shared/log";
import { MAX_BODY_BYTES } from "@hdoc/shared/http";
import { localTables, type LocalTables } from "../../test/helpers/tables.ts";
import { loadEvent, parse } from "../../test/helpers/events.ts";
import { createHandler } from "./handler.ts";

let db: LocalTables;
beforeAll(async () => {
  db = await localTables();
});
afterAll(() => db?.stop());

const now = () => new Date("2025-07-24T10:00:00.000Z");
const handlerOver = (doc = db.doc, log = memoryLogger()) => createHandler({ users: dynamoUserStore(doc, db.names.UsersTable!), log, now });
const post = (body: string | null, extra: Record<string, unknown> = {}) => handlerOver()(loadEvent(import.meta.dirname, "signup", { body, ...extra }));
const json = (o: unknown) => JSON.stringify(o);

describe("POST /signup", () => {
  it("creates the user record (fixture event) and answers 201", async () => {
    const res = parse(await handlerOver()(loadEvent(import.meta.dirname, "signup")));
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ github_username: "new-dev", name: "New Developer" });
    const item = (await db.doc.send(new GetCommand({ TableName: db.names.UsersTable, Key: { github_username: "new-dev" } }))).Item;
    expect(item).toMatchObject({ email: "new.dev@example.com", name: "New Developer", created_at: "2025-07-24T10:00:00.000Z", stats: {} });
    expect(String(item!.score)).toBe("0");
  });

  it("answers 409 when the username exists, whatever its case, and keeps the first record", async () => {
    const res = parse(await post(json({ github_username: "New-Dev", email: "other@example.com", name: "Someone Else" })));
    expect(res.status).toBe(409);
    expect(res.body.error?.code).toBe("CONFLICT");
    const item = (await db.doc.send(new GetCommand({ TableName: db.names.UsersTable, Key: { github_username: "new-dev" } }))).Item;
    expect(item!.email).toBe("new.dev@example.com");
  });

  it("accepts a base64-encoded body", async () => {
    const body = Buffer.from(json({ github_username: "b64-user", email: "b@example.com", name: "B" })).toString("base64");
    expect(parse(await post(body, { isBase64Encoded: true })).status).toBe(201);
  });

  it.each([
    ["bad JSON", "{not json", "BAD_JSON"],
    ["a JSON array", "[1,2]", "BAD_JSON"],
    ["no body", null, "MISSING_BODY"],
    ["a missing email", json({ github_username: "someone", name: "S" }), "MISSING_FIELD"],
    ["a missing name", json({ github_username: "someone", email: "s@example.com" }), "MISSING_FIELD"],
    ["a username with a double hyphen", json({ github_username: "some--one", email: "s@example.com", name: "S" }), "INVALID_FIELD"],
    ["a username ending in a hyphen", json({ github_username: "someone-", email: "s@example.com", name: "S" }), "INVALID_FIELD"],
    ["a 40-character username", json({ github_username: "a".repeat(40), email: "s@example.com", name: "S" }), "INVALID_FIELD"],
    ["a number as username", json({ github_username: 42, email: "s@example.com", name: "S" }), "INVALID_FIELD"],
    ["a malformed email", json({ github_username: "someone", email: "not-an-email", name: "S" }), "INVALID_FIELD"],
    ["a name with control characters", json({ github_username: "someone", email: "s@example.com", name: "a\u0007b" }), "INVALID_FIELD"],
    ["a body over the limit", json({ github_username: "someone", email: "s@example.com", name: "S", pad: "x".repeat(MAX_BODY_BYTES) }), "BODY_TOO_LARGE"],
  ])("answers 400 for %s", async (_what, body, code) => {
    const res = parse(await post(body));
    expect(res.status).toBe(400);
    expect(res.body.error?.code).toBe(code);
    expect(res.body.error?.message).toBeTruthy();
  });

  it("accepts a 39-character username", async () => {
    expect(parse(await post(json({ github_username: "a".repeat(39), email: "long@example.com", name: "Long" }))).status).toBe(201);
  });

  it("answers 500 'internal error' when the database fails and logs the cause", async () => {
    const log = memoryLogger();
    const res = parse(await handlerOver(db.broken, log)(loadEvent(import.meta.dirname, "signup")));
    expect(res.status).toBe(500);
    expect(res.body.error).toEqual({ code: "INTERNAL", message: "internal error", requestId: "c6af9ac6-7b61-11e6-9a41-93e8deadbeef" });
    expect(log.entries.map((e) => e.level)).toEqual(["error"]);
  });
});
