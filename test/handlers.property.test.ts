/**
 * Property: whatever event reaches an HTTP handler (random values, fixtures with fields removed,
 * retyped or replaced, odd bodies), the answer is a well-formed response: a status code, the CORS
 * headers, a JSON body, an `error` object on 4xx; never a 5xx unless the database is made to fail,
 * and then only "internal error".
 */
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import fc from "fast-check";
import { PutCommand } from "@aws-sdk/lib-dynamodb";
import type { ApiHandler } from "@hdoc/shared/http";
import { memoryLogger } from "@hdoc/shared/log";
import { dynamoUserStore } from "@hdoc/shared/users";
import { dynamoArticleStore } from "@hdoc/shared/articles";
import { dynamoTagBoard } from "@hdoc/shared/tags";
import { localTables, repoRoot, type LocalTables } from "./helpers/tables.ts";
import { loadEvent } from "./helpers/events.ts";
import * as getUser from "../functions/get-user/handler.ts";
import * as listUsers from "../functions/list-users/handler.ts";
import * as signup from "../functions/signup/handler.ts";
import * as createArticle from "../functions/create-article/handler.ts";
import * as getArticle from "../functions/get-article/handler.ts";
import * as listTags from "../functions/list-tags/handler.ts";

let db: LocalTables;
beforeAll(async () => {
  db = await localTables();
  await db.doc.send(new PutCommand({ TableName: db.names.UsersTable, Item: { github_username: "octocat", name: "Octo", email: "o@example.com", score: 0, stats: {} } }));
});
afterAll(() => db?.stop());

type Build = (doc: LocalTables["doc"]) => ApiHandler;
const routes: Array<{ name: string; fixture: string; build: Build }> = [
  { name: "get-user", fixture: "get-user", build: (doc) => getUser.createHandler({ users: dynamoUserStore(doc, db.names.UsersTable!), log: memoryLogger() }) },
  { name: "list-users", fixture: "list-users", build: (doc) => listUsers.createHandler({ users: dynamoUserStore(doc, db.names.UsersTable!), log: memoryLogger() }) },
  { name: "signup", fixture: "signup", build: (doc) => signup.createHandler({ users: dynamoUserStore(doc, db.names.UsersTable!), log: memoryLogger() }) },
  {
    name: "create-article",
    fixture: "create-article",
    build: (doc) => createArticle.createHandler({ users: dynamoUserStore(doc, db.names.UsersTable!), articles: dynamoArticleStore(doc, db.names.ArticlesTable!), log: memoryLogger() }),
  },
  { name: "get-article", fixture: "get-article", build: (doc) => getArticle.createHandler({ articles: dynamoArticleStore(doc, db.names.ArticlesTable!), log: memoryLogger() }) },
  { name: "list-tags", fixture: "list-tags", build: (doc) => listTags.createHandler({ board: dynamoTagBoard(doc, db.names.TagsTable!), log: memoryLogger() }) },
];

const username = fc.stringMatching(/^[A-Za-z0-9](?:[A-Za-z0-9]|-[A-Za-z0-9]){0,5}$/);
const text = fc.oneof(fc.string(), fc.string({ unit: "grapheme" }), username, fc.constantFrom("", "-", "a--b", "%00", "../x", "7d0a1f4e-2b7c-4c8e-9f31-5a6b7c8d9e0f"));
const value = fc.oneof(text, fc.anything(), fc.constant(null), fc.constant(undefined));
const params = fc.oneof(fc.constant(null), fc.anything(), fc.dictionary(fc.constantFrom("username", "articleId", "limit", "nextToken", "x"), value));
const jsonBody = fc.oneof(
  fc.json(),
  fc.record({ github_username: value, email: fc.oneof(fc.emailAddress(), value), name: value }, { requiredKeys: [] }).map((o) => JSON.stringify(o)),
  fc.record({ title: value, url: fc.oneof(fc.webUrl(), value), tags: fc.oneof(fc.array(text), value), description: value }, { requiredKeys: [] }).map((o) => JSON.stringify(o)),
);
const edgeBodies = fc.constantFrom("null", "[]", "1", "\"s\"", "true", "{}", "{\"__proto__\":{\"x\":1}}", "{\"github_username\":null}", "{bad", "");
const body = fc.oneof(jsonBody, edgeBodies, fc.string(), fc.anything(), fc.constant(null), jsonBody.map((b) => Buffer.from(b).toString("base64")));

/** A fixture event with its body, its parameters or any fields replaced, or something that is not an event at all. */
const eventFor = (fixtureDir: string, fixture: string) => {
  const base = () => loadEvent(fixtureDir, fixture);
  const anyPatch = fc.record(
    { pathParameters: params, queryStringParameters: params, body, isBase64Encoded: fc.oneof(fc.boolean(), value), headers: fc.oneof(fc.constant(null), fc.anything()), requestContext: fc.oneof(fc.anything(), fc.constant(undefined)) },
    { requiredKeys: [] },
  );
  return fc.oneof(
    fc.anything(),
    fc.oneof(edgeBodies, body).map((b) => ({ ...base(), body: b })),
    jsonBody.map((b) => ({ ...base(), body: Buffer.from(b).toString("base64"), isBase64Encoded: true })),
    fc.record({ pathParameters: params, queryStringParameters: params }, { requiredKeys: [] }).map((p) => ({ ...base(), ...p })),
    anyPatch.map((p) => ({ ...base(), ...p })),
  );
};

function wellFormed(res: Awaited<ReturnType<ApiHandler>>): { status: number; body: { error?: { code?: unknown; message?: unknown } } } {
  expect(Number.isInteger(res.statusCode)).toBe(true);
  expect(res.headers["Access-Control-Allow-Origin"]).toBe("*");
  expect(res.headers["Access-Control-Allow-Methods"]).toBeTruthy();
  expect(res.headers["Access-Control-Allow-Headers"]).toBeTruthy();
  const parsed = JSON.parse(res.body);
  if (res.statusCode >= 400) {
    expect(typeof parsed.error?.code).toBe("string");
    expect(typeof parsed.error?.message).toBe("string");
  }
  return { status: res.statusCode, body: parsed };
}

describe.each(routes)("$name with random and malformed events", ({ name, fixture, build }) => {
  const dir = path.join(repoRoot, "functions", name);

  it("always answers a well-formed 2xx or 4xx response", async () => {
    const handler = build(db.doc);
    await fc.assert(
      fc.asyncProperty(eventFor(dir, fixture), async (event) => {
        const res = wellFormed(await handler(event));
        expect(res.status).toBeGreaterThanOrEqual(200);
        expect(res.status).toBeLessThan(500);
      }),
      { numRuns: 150 },
    );
  });

  it("answers 500 only with 'internal error' when the database fails", async () => {
    const handler = build(db.broken);
    await fc.assert(
      fc.asyncProperty(eventFor(dir, fixture), async (event) => {
        const res = wellFormed(await handler(event));
        if (res.status >= 500) expect(res.body.error).toMatchObject({ code: "INTERNAL", message: "internal error" });
        expect([200, 201, 400, 404, 409, 500]).toContain(res.status);
      }),
      { numRuns: 40 },
    );
  });
});
