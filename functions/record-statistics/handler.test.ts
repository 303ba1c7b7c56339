import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { memoryLogger } from "@hdoc/shared/log";
import { localTables, type LocalTables } from "../../test/helpers/tables.ts";
import { loadEvent, parse, type ProxyEvent } from "../../test/helpers/events.ts";
import { createHandler, MAX_BATCH } from "./handler.ts";
import { dynamoStatisticsStore } from "./statistics-store.ts";

let db: LocalTables;
beforeAll(async () => {
  db = await localTables();
});
afterAll(() => db?.stop());

let clock = new Date("2025-07-24T10:00:00.000Z");
const handlerOver = (doc = db.doc, log = memoryLogger()) => createHandler({ statistics: dynamoStatisticsStore(doc, db.names.StatisticsTable!), log, now: () => clock });
const event = (patch: Partial<ProxyEvent> = {}) => loadEvent(import.meta.dirname, "record-statistics", patch);
const batch = (...entries: unknown[]) => event({ body: JSON.stringify({ statistics: entries }) });
const call = async (e: unknown) => parse(await handlerOver()(e));
const stat = async (u: string, s: string) => (await db.doc.send(new GetCommand({ TableName: db.names.StatisticsTable, Key: { github_username: u, stat_id: s } }))).Item;

describe("POST /statistics (AWS_IAM: the Statistics Parser's role)", () => {
  it("writes the batch (fixture event) and answers 200 with what was written", async () => {
    const res = await call(event());
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ written: 2, unchanged: 0 });
    expect(await stat("octocat", "journey_commits")).toMatchObject({ updated_at: "2025-07-24T10:00:00.000Z" });
    expect(String((await stat("octocat", "journey_days"))!.value)).toBe("17");
  });

  it("does not rewrite an unchanged value (no item change, so no stream record), and writes the changed one", async () => {
    clock = new Date("2025-07-25T10:00:00.000Z");
    const res = await call(batch({ github_username: "OctoCat", stat_id: "journey_commits", value: 42 }, { github_username: "octocat", stat_id: "journey_days", value: 18 }));
    expect(res.body).toEqual({ written: 1, unchanged: 1 });
    expect(await stat("octocat", "journey_commits")).toMatchObject({ updated_at: "2025-07-24T10:00:00.000Z" });
    expect(await stat("octocat", "journey_days")).toMatchObject({ updated_at: "2025-07-25T10:00:00.000Z" });
    expect(String((await stat("octocat", "journey_days"))!.value)).toBe("18");
  });

  it(`accepts ${MAX_BATCH} entries and refuses ${MAX_BATCH + 1}`, async () => {
    const entries = (n: number) => Array.from({ length: n }, (_, i) => ({ github_username: `user-${i}`, stat_id: "journey_days", value: i }));
    expect((await call(batch(...entries(MAX_BATCH)))).body).toEqual({ written: MAX_BATCH, unchanged: 0 });
    const over = await call(batch(...entries(MAX_BATCH + 1)));
    expect(over.status).toBe(400);
    expect(over.body.error?.field).toBe("statistics");
  });

  it.each([
    ["no statistics", {}, "statistics"],
    ["an empty batch", { statistics: [] }, "statistics"],
    ["a batch that is not a list", { statistics: { a: 1 } }, "statistics"],
    ["an entry that is not an object", { statistics: [1] }, "statistics[0]"],
    ["an invalid username", { statistics: [{ github_username: "a--b", stat_id: "x", value: 1 }] }, "statistics[0].github_username"],
    ["an invalid stat_id", { statistics: [{ github_username: "a", stat_id: "Has Space", value: 1 }] }, "statistics[0].stat_id"],
    ["a fractional value", { statistics: [{ github_username: "a", stat_id: "x", value: 1.5 }] }, "statistics[0].value"],
    ["a value as text", { statistics: [{ github_username: "a", stat_id: "x", value: "1" }] }, "statistics[0].value"],
    ["an unsafe integer", { statistics: [{ github_username: "a", stat_id: "x", value: 2 ** 53 }] }, "statistics[0].value"],
    ["the same key twice (names compared case-insensitively)", { statistics: [{ github_username: "a", stat_id: "x", value: 1 }, { github_username: "A", stat_id: "x", value: 2 }] }, "statistics[1]"],
  ])("answers 400 for %s and writes nothing", async (_what, body, field) => {
    const res = await call(event({ body: JSON.stringify(body) }));
    expect(res.status).toBe(400);
    expect(res.body.error?.field).toBe(field);
    expect(await stat("a", "x")).toBeUndefined();
  });

  it("answers 403 FORBIDDEN to a request API Gateway did not authenticate with IAM (no signer), and writes nothing", async () => {
    const e = event({ body: JSON.stringify({ statistics: [{ github_username: "unsigned", stat_id: "x", value: 1 }] }) });
    const rc = e.requestContext as { identity: Record<string, unknown> };
    rc.identity = { ...rc.identity, userArn: null, accessKey: null, caller: null, user: null };
    const res = await call(e);
    expect(res.status).toBe(403);
    expect(res.body.error?.code).toBe("FORBIDDEN");
    expect(await stat("unsigned", "x")).toBeUndefined();
  });

  it("answers 500 'internal error' when the database fails and logs the cause", async () => {
    const log = memoryLogger();
    const res = parse(await handlerOver(db.broken, log)(event()));
    expect(res.status).toBe(500);
    expect(res.body.error).toEqual({ code: "INTERNAL", message: "internal error", requestId: "c6af9ac6-7b61-11e6-9a41-93e8deadbeef" });
    expect(log.entries.map((e) => e.level)).toEqual(["error"]);
  });
});
