import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  BatchWriteItemCommand,
  CreateTableCommand,
  DeleteItemCommand,
  DynamoDBClient,
  PutItemCommand,
  TransactWriteItemsCommand,
  UpdateItemCommand,
} from "@aws-sdk/client-dynamodb";
import { startDynamoThread, type DynamoThread } from "./dynamo-thread.ts";
import { StreamFeed, type ItemChange, type StreamRecord, type StreamSource, type ViewType } from "./stream.ts";

const TABLES: Record<string, ViewType> = { Both: "NEW_AND_OLD_IMAGES", NewOnly: "NEW_IMAGE", OldOnly: "OLD_IMAGE", KeysOnly: "KEYS_ONLY", Quiet: "NEW_AND_OLD_IMAGES" };
const delivered: Record<string, StreamRecord[]> = {};
const changeMessages: ItemChange[][] = [];
let failNext = false;
const errors: string[] = [];
let dynamo: DynamoThread;
let feed: StreamFeed;
let client: DynamoDBClient;

const sources: StreamSource[] = Object.entries(TABLES)
  .filter(([t]) => t !== "Quiet")
  .map(([tableName, viewType]) => ({
    tableName,
    keyNames: ["pk"],
    viewType,
    streamArn: `arn:aws:dynamodb:us-east-1:123456789012:table/${tableName}/stream/local`,
    consumers: [
      { functionId: `${tableName}-all`, batchSize: 100, filters: [] },
      ...(tableName === "Both" ? [{ functionId: "Both-removes", batchSize: 2, filters: [{ eventName: ["REMOVE"] }] }] : []),
    ],
  }));

beforeAll(async () => {
  feed = new StreamFeed(sources, {
    region: "us-east-1",
    error: (line) => errors.push(line),
    invoke: async (id, event) => {
      if (failNext) {
        failNext = false;
        throw new Error("consumer down");
      }
      (delivered[id] ??= []).push(...event.Records);
      return { batchItemFailures: [] };
    },
  });
  dynamo = await startDynamoThread({
    onChange: (changes) => {
      changeMessages.push(changes);
      feed.push(changes);
    },
  });
  client = new DynamoDBClient({ endpoint: dynamo.endpoint, region: "us-east-1", credentials: { accessKeyId: "x", secretAccessKey: "x" } });
  for (const TableName of Object.keys(TABLES)) {
    await client.send(new CreateTableCommand({ TableName, AttributeDefinitions: [{ AttributeName: "pk", AttributeType: "S" }], KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }], BillingMode: "PAY_PER_REQUEST" }));
  }
});
afterAll(async () => {
  client?.destroy();
  await feed?.stop();
  await dynamo?.stop();
});

const settle = async () => {
  await dynamo.sync();
  await feed.idle();
};
/** Every record of one consumer from now on (what was written before has been delivered first). */
const recording = async (id: string) => {
  await settle();
  const from = (delivered[id] ?? []).length;
  return async () => {
    await settle();
    return (delivered[id] ?? []).slice(from);
  };
};
const n = (v: number | string) => ({ N: String(v) });
const key = (pk: string) => ({ pk: { S: pk } });
const add = (pk: string, TableName = "Both") =>
  client.send(new UpdateItemCommand({ TableName, Key: key(pk), UpdateExpression: "ADD v :one", ExpressionAttributeValues: { ":one": n(1) } }));
const summary = (r: StreamRecord) => [r.eventName, r.dynamodb.OldImage?.v?.N ?? null, r.dynamodb.NewImage?.v?.N ?? null];

describe("hdoc dev streams: records from the writes themselves", () => {
  it("gives two records with the right images for two updates to one item within a millisecond", async () => {
    const records = await recording("Both-all");
    await client.send(new PutItemCommand({ TableName: "Both", Item: { ...key("twice"), v: n(1) } }));
    await Promise.all([add("twice"), add("twice")]); // sent together: both land in the same millisecond
    const got = await records();
    expect(got.map(summary)).toEqual([["INSERT", null, "1"], ["MODIFY", "1", "2"], ["MODIFY", "2", "3"]]);
    expect(got.every((r) => r.dynamodb.Keys.pk?.S === "twice" && r.dynamodb.StreamViewType === "NEW_AND_OLD_IMAGES")).toBe(true);
    const seqs = got.map((r) => BigInt(r.dynamodb.SequenceNumber));
    expect(seqs).toEqual([...seqs].sort((a, b) => (a < b ? -1 : 1)));
    expect(new Set(got.map((r) => r.eventID)).size).toBe(3);
  });

  it("keeps the order of many concurrent writes to one item: each record's OldImage is the previous NewImage", async () => {
    const records = await recording("Both-all");
    await Promise.all(Array.from({ length: 40 }, () => add("hot")));
    const got = await records();
    expect(got).toHaveLength(40);
    got.forEach((r, i) => expect(summary(r)).toEqual(i === 0 ? ["INSERT", null, "1"] : ["MODIFY", String(i), String(i + 1)]));
  });

  it("gives no record for a write that changes nothing, a failed condition or a delete of nothing", async () => {
    await client.send(new PutItemCommand({ TableName: "Both", Item: { ...key("same"), v: n(5), s: { SS: ["a", "b"] } } }));
    const records = await recording("Both-all");
    await client.send(new PutItemCommand({ TableName: "Both", Item: { s: { SS: ["b", "a"] }, v: n("5.0"), ...key("same") } }));
    await client.send(new UpdateItemCommand({ TableName: "Both", Key: key("same"), UpdateExpression: "SET v = :v", ExpressionAttributeValues: { ":v": n(5) } }));
    await expect(client.send(new PutItemCommand({ TableName: "Both", Item: { ...key("same"), v: n(6) }, ConditionExpression: "attribute_not_exists(pk)" }))).rejects.toThrow(/conditional/i);
    await client.send(new DeleteItemCommand({ TableName: "Both", Key: key("never-written") }));
    expect(await records()).toEqual([]);
  });

  it("turns BatchWriteItem puts and deletes into records, and REMOVE filters apply", async () => {
    const all = await recording("Both-all"), removes = await recording("Both-removes");
    await client.send(new BatchWriteItemCommand({ RequestItems: { Both: [1, 2, 3].map((i) => ({ PutRequest: { Item: { ...key(`b${i}`), v: n(i) } } })) } }));
    await client.send(new BatchWriteItemCommand({ RequestItems: { Both: [1, 2, 3].map((i) => ({ DeleteRequest: { Key: key(`b${i}`) } })) } }));
    const got = await all();
    expect(got.map((r) => [r.eventName, r.dynamodb.Keys.pk?.S]).sort()).toEqual([["INSERT", "b1"], ["INSERT", "b2"], ["INSERT", "b3"], ["REMOVE", "b1"], ["REMOVE", "b2"], ["REMOVE", "b3"]]);
    expect((await removes()).map(summary).sort()).toEqual([["REMOVE", "1", null], ["REMOVE", "2", null], ["REMOVE", "3", null]]);
  });

  it("shows the images the table's StreamViewType names", async () => {
    const latest = async (table: string) => {
      const records = await recording(`${table}-all`);
      await client.send(new PutItemCommand({ TableName: table, Item: { ...key("x"), v: n(1) } }));
      await add("x", table);
      await client.send(new DeleteItemCommand({ TableName: table, Key: key("x") }));
      return (await records()).map((r) => [r.eventName, Object.keys(r.dynamodb).filter((k) => k === "OldImage" || k === "NewImage").sort(), r.dynamodb.Keys]);
    };
    expect(await latest("NewOnly")).toEqual([["INSERT", ["NewImage"], key("x")], ["MODIFY", ["NewImage"], key("x")], ["REMOVE", [], key("x")]]);
    expect(await latest("OldOnly")).toEqual([["INSERT", [], key("x")], ["MODIFY", ["OldImage"], key("x")], ["REMOVE", ["OldImage"], key("x")]]);
    expect(await latest("KeysOnly")).toEqual([["INSERT", [], key("x")], ["MODIFY", [], key("x")], ["REMOVE", [], key("x")]]);
  });

  it("makes no record for a table without a stream, and posts nothing at all while nothing is written", async () => {
    const made = feed.made;
    await client.send(new PutItemCommand({ TableName: "Quiet", Item: { ...key("q"), v: n(1) } }));
    await settle();
    expect(feed.made).toBe(made);
    const before = changeMessages.length;
    await new Promise((r) => setTimeout(r, 300));
    expect(changeMessages.length).toBe(before);
  });

  it("logs a consumer that fails and goes on with the next batch", async () => {
    const records = await recording("NewOnly-all");
    failNext = true;
    await client.send(new PutItemCommand({ TableName: "NewOnly", Item: { ...key("lost"), v: n(1) } }));
    await settle();
    await client.send(new PutItemCommand({ TableName: "NewOnly", Item: { ...key("kept"), v: n(1) } }));
    expect((await records()).map((r) => r.dynamodb.Keys.pk?.S)).toEqual(["kept"]);
    expect(errors.join("\n")).toMatch(/NewOnly-all failed on 1 stream record\(s\) from NewOnly \(not retried\): Error: consumer down/);
  });

  it("refuses TransactWriteItems, as dynalite does, so no write goes unrecorded", async () => {
    const records = await recording("Both-all");
    await expect(
      client.send(new TransactWriteItemsCommand({ TransactItems: [{ Put: { TableName: "Both", Item: { ...key("tx"), v: n(1) } } }] })),
    ).rejects.toThrow();
    expect(await records()).toEqual([]);
  });
});
