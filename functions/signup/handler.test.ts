import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import { dynamoUserStore } from "@hdoc/shared/users";
import { memoryLogger } from "@hdoc/shared/log";
import { MAX_BODY_BYTES } from "@hdoc/shared/http";
import { localTables, type LocalTables } from "../../test/helpers/tables.ts";
import { loadEvent, parse, withClaims, type ProxyEvent } from "../../test/helpers/events.ts";
import { createHandler as postConfirmation } from "../post-confirmation/handler.ts";
import { createHandler } from "./handler.ts";

let db: LocalTables;
beforeAll(async () => {
  db = await localTables();
});
afterAll(() => db?.stop());

const now = () => new Date("2025-07-24T10:00:00.000Z");
const users = (doc = db.doc) => dynamoUserStore(doc, db.names.UsersTable!);
const handlerOver = (doc = db.doc, log = memoryLogger()) => createHandler({ users: users(doc), log, now });
const fixture = (patch: Partial<ProxyEvent> = {}) => loadEvent(import.meta.dirname, "signup", patch);
const as = (claims: Record<string, string> | undefined, patch: Partial<ProxyEvent> = {}) => withClaims(fixture(patch), claims);
const call = async (event: unknown) => parse(await handlerOver()(event));
const stored = async (u: string) => (await db.doc.send(new GetCommand({ TableName: db.names.UsersTable, Key: { github_username: u } }))).Item;
const json = (o: unknown) => JSON.stringify(o);

describe("POST /signup (Cognito authorizer: the caller is the ID token's account)", () => {
  it("creates the record from the token's claims, storing the account's sub, and answers 201", async () => {
    const res = await call(fixture());
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ github_username: "new-dev", name: "New Developer", score: 0, created_at: "2025-07-24T10:00:00.000Z" });
    const item = await stored("new-dev");
    expect(item).toMatchObject({ sub: "7c2d9e1f-3a4b-4c5d-8e6f-7a8b9c0d1e2f", email: "new.dev@example.com", name: "New Developer", stats: {} });
  });

  it("answers 200 with the same record when the same account calls again (idempotent), whatever the body says", async () => {
    const res = await call(fixture({ body: json({ name: "Another Name" }) }));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ github_username: "new-dev", name: "New Developer" });
    expect((await stored("new-dev"))!.name).toBe("New Developer");
  });

  it("answers 409 when another account (another sub) owns the GitHub username, in any case, and keeps the record", async () => {
    const res = await call(as({ sub: "99999999-0000-4000-8000-000000000000", "custom:github_username": "NEW-DEV", email: "thief@example.com" }));
    expect(res.status).toBe(409);
    expect(res.body.error?.code).toBe("CONFLICT");
    expect(await stored("new-dev")).toMatchObject({ sub: "7c2d9e1f-3a4b-4c5d-8e6f-7a8b9c0d1e2f", email: "new.dev@example.com" });
  });

  it("takes the GitHub username and e-mail from the token, never from the body", async () => {
    const res = await call(as({ sub: "11111111-1111-4111-8111-111111111111", "custom:github_username": "body-ignored", email: "real@example.com" }, { body: json({ email: "fake@example.com", name: "Real" }) }));
    expect(res.status).toBe(201);
    expect(await stored("body-ignored")).toMatchObject({ email: "real@example.com", name: "Real" });
  });

  it("answers 403 when the body names another GitHub username than the token's", async () => {
    const res = await call(as({ sub: "22222222-2222-4222-8222-222222222222", "custom:github_username": "honest" }, { body: json({ github_username: "octocat" }) }));
    expect(res.status).toBe(403);
    expect(res.body.error?.code).toBe("FORBIDDEN");
    expect(await stored("octocat")).toBeUndefined();
    expect(await stored("honest")).toBeUndefined();
  });

  it("uses the token's name when the body is empty", async () => {
    const res = await call(as({ sub: "33333333-3333-4333-8333-333333333333", "custom:github_username": "no-body", name: "From Token" }, { body: null }));
    expect(res.status).toBe(201);
    expect(res.body.name).toBe("From Token");
  });

  it("gives a record made before accounts existed (no sub) to the first account that signs up with its name", async () => {
    await db.doc.send(new PutCommand({ TableName: db.names.UsersTable, Item: { github_username: "legacy", name: "Old", email: "old@example.com", score: 3, stats: {} } }));
    const res = await call(as({ sub: "44444444-4444-4444-8444-444444444444", "custom:github_username": "legacy" }));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ github_username: "legacy", name: "Old", score: 3 });
    expect((await stored("legacy"))!.sub).toBe("44444444-4444-4444-8444-444444444444");
    expect((await call(as({ sub: "55555555-5555-4555-8555-555555555555", "custom:github_username": "legacy" }))).status).toBe(409);
  });

  it("is idempotent with the post-confirmation trigger: the trigger's record answers 200, not a second record", async () => {
    const event = {
      version: "1", region: "us-east-1", userPoolId: "us-east-1_AbCdEfGhI", userName: "66666666-6666-4666-8666-666666666666",
      callerContext: { awsSdkVersion: "aws-sdk-unknown-unknown", clientId: "1example23456789abcdefghij" },
      triggerSource: "PostConfirmation_ConfirmSignUp" as const,
      request: { userAttributes: { sub: "66666666-6666-4666-8666-666666666666", email: "trig@example.com", name: "Trig", "custom:github_username": "Trig-User" } },
      response: {},
    };
    await postConfirmation({ users: users(), log: memoryLogger(), now })(event);
    const res = await call(as({ sub: "66666666-6666-4666-8666-666666666666", "custom:github_username": "Trig-User", email: "trig@example.com" }));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ github_username: "trig-user", name: "Trig" });
  });

  it("lets only one of two accounts racing for a name win", async () => {
    const racers = Array.from({ length: 6 }, (_, i) => as({ sub: `77777777-7777-4777-8777-00000000000${i}`, "custom:github_username": "race" }));
    const statuses = (await Promise.all(racers.map(call))).map((r) => r.status).sort();
    expect(statuses).toEqual([201, 409, 409, 409, 409, 409]);
  });

  it.each([
    ["no authorizer claims (a route deployed without its authorizer)", undefined, 401, "UNAUTHORIZED"],
    ["an access token instead of an ID token", { token_use: "access" }, 401, "UNAUTHORIZED"],
    ["claims without sub", { sub: "" }, 401, "UNAUTHORIZED"],
    ["an account without a GitHub username", { "custom:github_username": "" }, 403, "FORBIDDEN"],
    ["an account with an invalid GitHub username", { "custom:github_username": "bad--name" }, 403, "FORBIDDEN"],
  ])("answers %s with %i", async (_what, claims, status, code) => {
    const event = claims === undefined ? withClaims(fixture(), undefined) : as(claims);
    const res = await call(event);
    expect(res.status).toBe(status);
    expect(res.body.error?.code).toBe(code);
  });

  it.each([
    ["bad JSON", "{not json", "BAD_JSON"],
    ["a JSON array", "[1,2]", "BAD_JSON"],
    ["a name with control characters", json({ name: "a\u0007b" }), "INVALID_FIELD"],
    ["a name over 100 characters", json({ name: "x".repeat(101) }), "INVALID_FIELD"],
    ["a body over the limit", json({ name: "S", pad: "x".repeat(MAX_BODY_BYTES) }), "BODY_TOO_LARGE"],
  ])("answers 400 for %s", async (_what, body, code) => {
    const res = await call(as({ sub: "88888888-8888-4888-8888-888888888888", "custom:github_username": "validating" }, { body }));
    expect(res.status).toBe(400);
    expect(res.body.error?.code).toBe(code);
    expect(await stored("validating")).toBeUndefined();
  });

  it("accepts a base64-encoded body", async () => {
    const body = Buffer.from(json({ name: "B" })).toString("base64");
    expect((await call(as({ sub: "99999999-9999-4999-8999-999999999999", "custom:github_username": "b64-user" }, { body, isBase64Encoded: true }))).status).toBe(201);
  });

  it("answers 500 'internal error' when the database fails and logs the cause", async () => {
    const log = memoryLogger();
    const res = parse(await handlerOver(db.broken, log)(fixture()));
    expect(res.status).toBe(500);
    expect(res.body.error).toEqual({ code: "INTERNAL", message: "internal error", requestId: "c6af9ac6-7b61-11e6-9a41-93e8deadbeef" });
    expect(log.entries.map((e) => e.level)).toEqual(["error"]);
  });
});
