/** Seed data for the local tables: `{ "<table logical id or stack path/id>": [ plain JSON items ] }`. */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, PutCommand } from "@aws-sdk/lib-dynamodb";
import { HdocError } from "../../errors.ts";
import { isObj } from "../cfn/json.ts";
import type { TableDefinition } from "./tables.ts";

/** Loads a seed file: `{ "<table logical id or stack path/id>": [ plain JSON items ] }`. */
export async function seed(file: string, defs: TableDefinition[], tables: Record<string, string>, client: DynamoDBClient, repoRoot: string, log: { info(line: string): void }): Promise<void> {
  const shown = path.relative(repoRoot, file) || file;
  if (!existsSync(file)) throw new HdocError("NOT_FOUND", `seed file ${shown} does not exist`, "pass --seed-file <file>, or add infra/seed/dev-seed.json");
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    throw new HdocError("USAGE", `seed file ${shown} is not valid JSON: ${(e as Error).message}`, "fix the file");
  }
  if (!isObj(doc)) throw new HdocError("USAGE", `seed file ${shown} must hold an object of table -> items`, `e.g. { "UsersTable": [ { "github_username": "octocat" } ] }`);
  const docClient = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  // Every table checked before anything is written; then the tables side by side, each item in order.
  const plan = Object.entries(doc).filter(([key]) => !key.startsWith("$")).map(([key, items]) => {
    const def = defs.find((d) => d.id === key || d.logicalId === key);
    if (!def) throw new HdocError("USAGE", `seed file ${shown}: no table ${JSON.stringify(key)} in the templates`, `tables: ${defs.map((d) => d.logicalId).join(", ")}`);
    if (!Array.isArray(items) || !items.every(isObj)) throw new HdocError("USAGE", `seed file ${shown}: "${key}" must be a list of items (objects)`);
    return { def, items };
  });
  const counts = await Promise.all(plan.map(async ({ def, items }) => {
    const hashKey = def.input.KeySchema?.find((k) => k.KeyType === "HASH")?.AttributeName ?? "";
    let added = 0;
    for (const Item of items) {
      try {
        await docClient.send(new PutCommand({ TableName: tables[def.id]!, Item, ConditionExpression: "attribute_not_exists(#k)", ExpressionAttributeNames: { "#k": hashKey } }));
        added++;
      } catch (e) {
        if ((e as { name?: string }).name !== "ConditionalCheckFailedException") throw e;
      }
    }
    return `${added}/${items.length} ${def.logicalId}`;
  }));
  log.info(`seeded from ${shown} (items already there are kept): ${counts.join(", ")}`);
}
