import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { DynamoDBClient, ListTablesCommand, PutItemCommand, GetItemCommand, DescribeTableCommand } from "@aws-sdk/client-dynamodb";
import { startLocalDynamo } from "./tables.ts";
import { tableDefinitions } from "../../../test/helpers/tables.ts";
import { createTables } from "./table-setup.ts";
import { dynamoJsonCall } from "./dynamo-json.ts";

const repoRoot = path.resolve(import.meta.dirname, "../../..");
const rootTemplate = path.join(repoRoot, "infra/template.yml");
const dataDir = mkdtempSync(path.join(tmpdir(), "hdoc-dynalite-"));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));
const clientFor = (endpoint: string) => new DynamoDBClient({ endpoint, region: "us-east-1", credentials: { accessKeyId: "a", secretAccessKey: "b" } });

describe("tableDefinitions", () => {
  it("reads every table across the nested stacks with keys, indexes, billing and stream", () => {
    const defs = tableDefinitions(rootTemplate, repoRoot);
    expect(defs.map((d) => d.id)).toEqual(["Database/UsersTable", "Database/ArticlesTable", "Database/StatisticsTable", "Database/TagsTable", "Api/StatisticsParserStateTable"]);
    const [users, articles, stats, tags] = defs;
    expect(users!.input.KeySchema).toEqual([{ AttributeName: "github_username", KeyType: "HASH" }]);
    expect(users!.input.BillingMode).toBe("PAY_PER_REQUEST");
    expect(users!.stream).toBeUndefined();
    expect(articles!.input.GlobalSecondaryIndexes?.[0]).toMatchObject({ IndexName: "ByAuthor", Projection: { ProjectionType: "ALL" } });
    expect(stats!.stream).toBe("NEW_AND_OLD_IMAGES");
    expect(articles!.stream).toBe("NEW_IMAGE");
    expect(tags!.input.GlobalSecondaryIndexes?.[0]).toMatchObject({ IndexName: "ByCount", Projection: { ProjectionType: "INCLUDE", NonKeyAttributes: ["tag", "count"] } });
    expect(stats!.stackPath).toEqual(["Database"]);
    for (const d of defs) expect(d.input).not.toHaveProperty("Tags");
  });
});

describe("startLocalDynamo + createTables (table-setup.ts)", () => {
  it("creates the tables idempotently and keeps data in dataDir across restarts", async () => {
    const defs = tableDefinitions(rootTemplate, repoRoot);
    const nameFor = (d: { logicalId: string }) => `dev-${d.logicalId}`;
    const first = await startLocalDynamo({ dataDir });
    expect(first.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const c1 = clientFor(first.endpoint);
    const call = dynamoJsonCall(first.endpoint, { region: "us-east-1", accessKeyId: "a" });
    const toCreate = defs.map((d) => ({ TableName: nameFor(d), input: d.input }));
    await createTables(call, toCreate);
    await createTables(call, toCreate); // already there: no error
    call.close();
    expect((await c1.send(new ListTablesCommand({}))).TableNames?.sort()).toEqual(["dev-ArticlesTable", "dev-StatisticsParserStateTable", "dev-StatisticsTable", "dev-TagsTable", "dev-UsersTable"]);
    const gsi = await c1.send(new DescribeTableCommand({ TableName: "dev-ArticlesTable" }));
    expect(gsi.Table?.GlobalSecondaryIndexes?.[0]?.IndexName).toBe("ByAuthor");
    await c1.send(new PutItemCommand({ TableName: "dev-UsersTable", Item: { github_username: { S: "kept" } } }));
    c1.destroy();
    await first.stop();

    const second = await startLocalDynamo({ dataDir });
    const c2 = clientFor(second.endpoint);
    expect((await c2.send(new ListTablesCommand({}))).TableNames?.sort()).toEqual(["dev-ArticlesTable", "dev-StatisticsParserStateTable", "dev-StatisticsTable", "dev-TagsTable", "dev-UsersTable"]);
    expect((await c2.send(new GetItemCommand({ TableName: "dev-UsersTable", Key: { github_username: { S: "kept" } } }))).Item).toBeTruthy();
    c2.destroy();
    await second.stop();
  });

  it("starts empty in memory without dataDir", async () => {
    const local = await startLocalDynamo();
    const c = clientFor(local.endpoint);
    expect((await c.send(new ListTablesCommand({}))).TableNames).toEqual([]);
    c.destroy();
    await local.stop();
  });
});
