import { afterAll, describe, expect, it } from "vitest";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, GetCommand } from "@aws-sdk/lib-dynamodb";
import { SetupError, startDynamoThread, type DynamoThread } from "./dynamo-thread.ts";
import { workerScript } from "./worker-script.ts";
import type { ItemChange } from "./stream.ts";

const running: DynamoThread[] = [];
afterAll(async () => {
  await Promise.all(running.map((t) => t.stop()));
});
const start = async (opts: Parameters<typeof startDynamoThread>[0] = {}) => {
  const t = await startDynamoThread(opts);
  running.push(t);
  return t;
};

/**
 * The real database worker, with a listener of its own registered first: on the sync message with
 * this id it ends the thread (exit code 7, or an uncaught exception) before the database answers it
 * (the message is taken from the database's listener, which runs next).
 */
const dyingAt = async (syncId: number, how: "exit" | "throw") => {
  const real = (await workerScript("dynamo-worker")).href;
  const die = how === "exit" ? "process.exit(7)" : 'throw new Error("boom")';
  const code = `import { parentPort } from "node:worker_threads";
parentPort.on("message", (m) => { if (m && m.sync === ${syncId}) { delete m.sync; ${die}; } });
await import(${JSON.stringify(real)});`;
  return new URL(`data:text/javascript,${encodeURIComponent(code)}`);
};

const TABLE = { TableName: "Users", input: { AttributeDefinitions: [{ AttributeName: "id", AttributeType: "S" as const }], KeySchema: [{ AttributeName: "id", KeyType: "HASH" as const }], BillingMode: "PAY_PER_REQUEST" as const } };

// found in review: sync() never settled once the database thread had died, so the wait for the seeded records hung
describe("the database thread: what waits on it ends when the thread ends", () => {
  it("a sync() waiting when the worker is killed rejects, and so does every later call", async () => {
    const t = await start({ onChange: () => undefined, script: await dyingAt(1, "exit") });
    await t.sync(); // id 0: answered by the database
    await expect(t.sync()).rejects.toThrow("the embedded DynamoDB thread ended (exit code 7)");
    await expect(t.sync()).rejects.toThrow("the embedded DynamoDB thread ended (exit code 7)");
    await expect(t.setUp({ tables: [TABLE], seed: [] })).rejects.toThrow("the embedded DynamoDB thread ended (exit code 7)");
  });

  it("a sync() waiting when the worker fails (an uncaught exception) rejects with why", async () => {
    const t = await start({ onChange: () => undefined, script: await dyingAt(0, "throw") });
    await expect(t.sync()).rejects.toThrow("the embedded DynamoDB thread failed: boom");
  });

  it("after stop(), a sync() resolves (nothing more will be stored) and a set-up rejects", async () => {
    const t = await startDynamoThread({ onChange: () => undefined });
    await t.stop();
    await expect(t.sync()).resolves.toBeUndefined();
    await expect(t.setUp({ tables: [TABLE], seed: [] })).rejects.toThrow("the embedded DynamoDB was stopped");
  });
});

describe("the database thread sets up the tables and the seed itself", () => {
  it("creates the tables and writes the items as DocumentClient writes them, their changes reported before it resolves", async () => {
    const changes: ItemChange[] = [];
    const t = await start({ onChange: (c) => changes.push(...c) });
    const item = { id: "ada", name: "Ada", score: 0, stats: {}, tags: ["aws", "sam"], nested: { n: 1.5, ok: true, none: null }, gone: undefined };
    const added = await t.setUp({ tables: [TABLE], seed: [{ TableName: "Users", hashKey: "id", items: [item, { id: "grace" }] }] });
    expect(added).toEqual([2]);
    expect(changes.map((c) => c.new?.id)).toEqual([{ S: "ada" }, { S: "grace" }]);
    const doc = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: t.endpoint, region: "us-east-1", credentials: { accessKeyId: "a", secretAccessKey: "b" } }));
    const { gone: _gone, ...stored } = item;
    expect((await doc.send(new GetCommand({ TableName: "Users", Key: { id: "ada" } }))).Item).toEqual(stored);

    // Again: the table is kept, and so are the items already there (none added, ada unchanged).
    const again = await t.setUp({ tables: [TABLE], seed: [{ TableName: "Users", hashKey: "id", items: [{ id: "ada", name: "changed" }] }] });
    expect(again).toEqual([0]);
    expect((await doc.send(new GetCommand({ TableName: "Users", Key: { id: "ada" } }))).Item?.name).toBe("Ada");
    doc.destroy();
  });

  it("an item the database refuses: the step, DynamoDB's error name, and which item of which table", async () => {
    const t = await start();
    const failed = await t.setUp({ tables: [TABLE], seed: [{ TableName: "Users", hashKey: "id", items: [{ id: "ok" }, { name: "no key" }] }] }).catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(SetupError);
    expect(failed).toMatchObject({ step: "seed", name: "ValidationException" });
    expect((failed as Error).message).toMatch(/^item 2 of Users: One or more parameter values were invalid: Missing the key id/);
  });

  it("a table the database refuses: the tables step", async () => {
    const t = await start();
    const bad = { TableName: "Bad", input: { ...TABLE.input, KeySchema: [{ AttributeName: "nope", KeyType: "HASH" as const }] } };
    await expect(t.setUp({ tables: [bad], seed: [] })).rejects.toMatchObject({ step: "tables", name: "ValidationException" });
  });
});
