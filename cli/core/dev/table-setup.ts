/**
 * The embedded database set up for a start of `hdoc dev` or `hdoc invoke`: the templates' tables
 * created (an existing one is kept) and seed items written (an item whose key is already there is
 * kept), over DynamoDB's JSON protocol (dynamo-json.ts). The database thread runs it right beside
 * dynalite (dynamo-thread.ts), so neither the AWS SDK nor the template reader is loaded for it; the
 * seed items are plain JSON, marshalled as the SDK's DocumentClient marshals them.
 */
import { marshall } from "@aws-sdk/util-dynamodb";
import type { CreateTableInput } from "@aws-sdk/client-dynamodb";
import type { DynamoCall } from "./dynamo-json.ts";

export interface TableToCreate {
  TableName: string;
  input: Omit<CreateTableInput, "TableName">;
}

export interface SeedTable {
  TableName: string;
  /** The table's partition key: an item already there (by that key) is kept. */
  hashKey: string;
  items: Array<Record<string, unknown>>;
}

export interface SetupPlan {
  tables: TableToCreate[];
  seed: SeedTable[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Creates each table (an existing one is kept) and waits until it is ACTIVE; the tables side by side. */
export async function createTables(call: DynamoCall, tables: TableToCreate[]): Promise<void> {
  await Promise.all(tables.map(async ({ TableName, input }) => {
    try {
      await call("CreateTable", { ...input, TableName });
    } catch (e) {
      if ((e as { name?: string }).name !== "ResourceInUseException") throw e;
    }
    for (let i = 0; ; i++) {
      const t = (await call("DescribeTable", { TableName })) as { Table?: { TableStatus?: string } };
      if (t.Table?.TableStatus === "ACTIVE") break;
      if (i > 200) throw new Error(`table ${TableName} did not become ACTIVE`);
      await sleep(10);
    }
  }));
}

/**
 * Writes the seed items, the tables side by side and each table's items in order; resolves to how
 * many of each table's were added. An item refused is named in the error (its table and place).
 */
export async function writeSeed(call: DynamoCall, seed: SeedTable[]): Promise<number[]> {
  return Promise.all(seed.map(async ({ TableName, hashKey, items }) => {
    let added = 0;
    for (const [i, item] of items.entries()) {
      try {
        await call("PutItem", { TableName, Item: marshall(item, { removeUndefinedValues: true }), ConditionExpression: "attribute_not_exists(#k)", ExpressionAttributeNames: { "#k": hashKey } });
        added++;
      } catch (e) {
        const err = e as Error;
        if (err.name === "ConditionalCheckFailedException") continue;
        throw Object.assign(new Error(`item ${i + 1} of ${TableName}: ${err.message}`), { name: err.name });
      }
    }
    return added;
  }));
}
