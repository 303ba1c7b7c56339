/**
 * Property: whatever event reaches an HTTP handler (random values, fixtures with fields removed,
 * retyped or replaced, odd bodies), the answer is a well-formed response: a status code, the CORS
 * headers, a JSON body, an `error` object on 4xx; never a 5xx unless the database is made to fail.
 * And: every valid request that reaches a failing database answers exactly the bare 500
 * ("internal error" and the request id), with the failing database proven reached on every run.
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
import { loadEvent, withClaims, type ProxyEvent } from "./helpers/events.ts";
import * as getUser from "../functions/get-user/handler.ts";
import * as listUsers from "../functions/list-users/handler.ts";
import * as signup from "../functions/signup/handler.ts";
import * as createArticle from "../functions/create-article/handler.ts";
import * as getArticle from "../functions/get-article/handler.ts";
import * as listTags from "../functions/list-tags/handler.ts";
import * as recordStatistics from "../functions/record-statistics/handler.ts";
import { dynamoStatisticsStore } from "../functions/record-statistics/statistics-store.ts";

let db: LocalTables;
beforeAll(async () => {
  db = await localTables();
  await db.doc.send(new PutCommand({ TableName: db.names.UsersTable, Item: { github_username: "octocat", name: "Octo", email: "o@example.com", score: 0, stats: {} } }));
});
afterAll(() => db?.stop());

type Build = (doc: LocalTables["doc"]) => ApiHandler;
const fixtureOf = (name: string, fixture = name) => (patch: Partial<ProxyEvent> = {}) => loadEvent(path.join(repoRoot, "functions", name), fixture, patch);

/** Valid requests of each route: they pass validation and authorization, so the handler must reach the database. */
const validName = fc.stringMatching(/^[a-z0-9](?:[a-z0-9]|-[a-z0-9]){0,12}$/);
const mixedCase = (u: string) => fc.array(fc.boolean(), { minLength: u.length, maxLength: u.length }).map((up) => [...u].map((c, i) => (up[i] ? c.toUpperCase() : c)).join(""));
// eslint-disable-next-line no-control-regex
const displayText = fc.string({ minLength: 1, maxLength: 40 }).filter((t) => t.trim().length > 0 && !/[\u0000-\u001f\u007f]/.test(t));
const validTag = fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,10}$/);
const valid: Record<string, fc.Arbitrary<ProxyEvent>> = {
  "get-user": validName.chain(mixedCase).map((u) => fixtureOf("get-user")({ pathParameters: { username: u } })),
  "list-users": fc.option(fc.integer({ min: 1, max: 100 }), { nil: undefined }).map((n) => fixtureOf("list-users")({ queryStringParameters: n === undefined ? null : { limit: String(n) } })),
  signup: fc.record({ u: validName, sub: fc.uuid(), name: fc.option(displayText, { nil: undefined }) }).map(({ u, sub, name }) =>
    withClaims(fixtureOf("signup")({ body: name === undefined ? null : JSON.stringify({ name }) }), { sub, "custom:github_username": u, email: `${u}@example.com` }),
  ),
  "create-article": fc.record({ u: validName, title: displayText, tags: fc.array(validTag, { maxLength: 10 }), description: fc.option(displayText, { nil: undefined }) }).chain(({ u, ...a }) =>
    mixedCase(u).map((pathUser) =>
      withClaims(fixtureOf("create-article")({ pathParameters: { username: pathUser }, body: JSON.stringify({ ...a, url: `https://example.com/${u}/day-1` }) }), { "custom:github_username": u }),
    ),
  ),
  "get-article": fc.uuid().map((id) => fixtureOf("get-article")({ pathParameters: { articleId: id } })),
  "list-tags": fc.constant(null).map(() => fixtureOf("list-tags")()),
  "record-statistics": fc
    .uniqueArray(fc.record({ github_username: validName, stat_id: fc.stringMatching(/^[a-z][a-z0-9_]{0,10}$/), value: fc.integer() }), { minLength: 1, maxLength: 25, selector: (e) => `${e.github_username}/${e.stat_id}` })
    .map((statistics) => fixtureOf("record-statistics")({ body: JSON.stringify({ statistics }) })),
};

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
  { name: "record-statistics", fixture: "record-statistics", build: (doc) => recordStatistics.createHandler({ statistics: dynamoStatisticsStore(doc, db.names.StatisticsTable!), log: memoryLogger() }) },
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
    // A client over the failing one that counts the calls made through it: each run proves the handler reached it.
    let calls = 0;
    const broken = new Proxy(db.broken, {
      get: (target, prop, receiver) => (prop === "send" ? (...args: Parameters<typeof target.send>) => (calls++, target.send(...args)) : Reflect.get(target, prop, receiver)),
    });
    const handler = build(broken);
    await fc.assert(
      fc.asyncProperty(valid[name]!, async (event) => {
        const before = calls;
        const res = wellFormed(await handler(event));
        expect(calls).toBeGreaterThan(before);
        expect(res.status).toBe(500);
        expect(res.body).toEqual({ error: { code: "INTERNAL", message: "internal error", requestId: (event.requestContext as { requestId: string }).requestId } });
      }),
      { numRuns: 40 },
    );
  });
});
