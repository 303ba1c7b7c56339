import { readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { DynamoDBRecord, DynamoDBStreamEvent } from "aws-lambda";
import { GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import { memoryLogger } from "@hdoc/shared/log";
import { localTables, type LocalTables } from "../../test/helpers/tables.ts";
import { createHandler } from "./handler.ts";
import { dynamoScoreStore, type ScoreStore } from "./score-store.ts";

let db: LocalTables;
beforeAll(async () => {
  db = await localTables();
});
afterAll(() => db?.stop());

const users = ["octocat", "bob", "legacy"];
beforeEach(async () => {
  for (const u of users) {
    const item: Record<string, unknown> = { github_username: u, name: u, email: `${u}@example.com`, score: 0, stats: {} };
    if (u === "legacy") delete item.stats; // a record written before stats existed
    await db.doc.send(new PutCommand({ TableName: db.names.UsersTable, Item: item }));
  }
});

const fixture = (): DynamoDBStreamEvent => JSON.parse(readFileSync(path.join(import.meta.dirname, "events/statistics-batch.json"), "utf8"));
const template = fixture().Records[0]!;
let seqCounter = 500n;
const rec = (username: string, statId: string, value: string | undefined, opts: { seq?: bigint; event?: "INSERT" | "MODIFY" | "REMOVE" } = {}): DynamoDBRecord => {
  const seq = (opts.seq ?? ++seqCounter).toString().padStart(24, "1");
  const keys = { github_username: { S: username }, stat_id: { S: statId } };
  return {
    ...template,
    eventID: `ev-${seq}`,
    eventName: opts.event ?? "MODIFY",
    dynamodb: { ...template.dynamodb, Keys: keys, SequenceNumber: seq, ...(value === undefined ? { NewImage: undefined } : { NewImage: { ...keys, value: { N: value } } }) },
  };
};
const batch = (...records: DynamoDBRecord[]): DynamoDBStreamEvent => ({ Records: records });

const store = () => dynamoScoreStore(db.doc, db.names.UsersTable!);
const run = (event: DynamoDBStreamEvent, s: ScoreStore = store(), log = memoryLogger()) => createHandler({ store: s, log })(event);
const score = async (u: string) =>
  String((await db.doc.send(new GetCommand({ TableName: db.names.UsersTable, Key: { github_username: u } }))).Item?.score);

describe("score calculator", () => {
  it("sums the latest value of each statistic (fixture batch: days 3 -> 5, articles 10)", async () => {
    expect(await run(fixture())).toEqual({ batchItemFailures: [] });
    expect(await score("octocat")).toBe("15");
  });

  it("does not double-count a retried batch or duplicate records", async () => {
    await run(fixture());
    await run(fixture());
    const r = fixture().Records;
    await run(batch(r[0]!, r[0]!, r[1]!, r[1]!, r[2]!));
    expect(await score("octocat")).toBe("15");
  });

  it("keeps the newest value when records arrive out of order", async () => {
    const r = fixture().Records;
    await run(batch(r[1]!, r[2]!, r[0]!)); // seq 2 before seq 1: the older value 3 must not win
    expect(await score("octocat")).toBe("15");
  });

  it("takes a removed statistic out of the score", async () => {
    await run(fixture());
    await run(batch(rec("octocat", "articles", undefined, { event: "REMOVE" })));
    expect(await score("octocat")).toBe("5");
  });

  it("reports only the failing record in batchItemFailures and applies the rest; the retry then completes without double counting", async () => {
    const real = store();
    let failBob = true;
    const flaky: ScoreStore = {
      applied: (u, s) => (failBob && u === "bob" ? Promise.reject(new Error("ProvisionedThroughputExceeded")) : real.applied(u, s)),
      apply: (...a) => real.apply(...a),
    };
    const bobRecord = rec("bob", "days", "7");
    const event = batch(rec("octocat", "days", "4"), bobRecord, rec("octocat", "articles", "2"));
    const log = memoryLogger();
    expect(await run(event, flaky, log)).toEqual({ batchItemFailures: [{ itemIdentifier: bobRecord.dynamodb!.SequenceNumber }] });
    expect(log.entries.find((e) => e.level === "error")?.fields).toMatchObject({ sequenceNumber: bobRecord.dynamodb!.SequenceNumber });
    expect(await score("octocat")).toBe("6");
    expect(await score("bob")).toBe("0");
    failBob = false;
    expect(await run(event, flaky)).toEqual({ batchItemFailures: [] }); // Lambda retries the batch
    expect(await score("octocat")).toBe("6");
    expect(await score("bob")).toBe("7");
  });

  it("keeps numbers beyond 2^53 exact", async () => {
    await run(batch(rec("bob", "commits", "123456789012345678901234567890"), rec("bob", "days", "1")));
    expect(await score("bob")).toBe("123456789012345678901234567891");
  });

  it("gives a record made before stats existed its bookkeeping", async () => {
    await run(batch(rec("legacy", "days", "2"), rec("legacy", "days", "2")));
    expect(await score("legacy")).toBe("2");
  });

  it("logs and skips malformed records and unknown users without failing the batch", async () => {
    const log = memoryLogger();
    const res = await run(batch(rec("bob", "days", "1.5"), rec("nobody", "days", "3"), { eventID: "x" } as DynamoDBRecord, rec("bob", "days", "4")), store(), log);
    expect(res).toEqual({ batchItemFailures: [] });
    expect(await score("bob")).toBe("4");
    expect(log.entries.map((e) => e.level)).toEqual(["error", "warn", "error"]);
  });

  it("retries the read-then-write when another writer changes the statistic in between", async () => {
    const real = store();
    let interfere = true;
    const racing: ScoreStore = {
      applied: (u, s) => real.applied(u, s),
      apply: async (u, s, prev, next) => {
        if (interfere) {
          interfere = false;
          await real.apply(u, s, prev, { seq: "1", value: 100n }); // a concurrent invocation got there first
        }
        return real.apply(u, s, prev, next);
      },
    };
    await run(batch(rec("bob", "days", "9")), racing);
    expect(await score("bob")).toBe("9");
  });

  it("reports every record when the database is down", async () => {
    const event = fixture();
    const res = await run(event, dynamoScoreStore(db.broken, db.names.UsersTable!));
    expect(res.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(event.Records.map((r) => r.dynamodb!.SequenceNumber));
  });
});
