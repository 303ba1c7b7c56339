/** dynalite started by a test file, with the tables of infra/ created in it (shapes read from the templates). */
import path from "node:path";
import { randomUUID } from "node:crypto";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { startLocalDynamo, tablesOf, type TableDefinition } from "../../cli/core/dev/tables.ts";
import { formatProblem, walkStacks } from "../../cli/core/cfn/templates.ts";
import { createTables } from "../../cli/core/dev/table-setup.ts";
import { dynamoJsonCall } from "../../cli/core/dev/dynamo-json.ts";
import { documentClient } from "../../functions/shared/dynamo.ts";

export const repoRoot = path.resolve(import.meta.dirname, "../..");
export const rootTemplate = path.join(repoRoot, "infra/template.yml");

export interface LocalTables {
  endpoint: string;
  client: DynamoDBClient;
  doc: ReturnType<typeof documentClient>;
  /** Logical id ("UsersTable") -> table name. */
  names: Record<string, string>;
  /** A document client whose every call fails (the database made to fail). */
  broken: ReturnType<typeof documentClient>;
  stop(): Promise<void>;
}

/** Every DynamoDB table across a root template on disk and its nested stacks. */
export function tableDefinitions(rootTemplate: string, repoRoot: string): TableDefinition[] {
  const walk = walkStacks(rootTemplate, repoRoot);
  if (walk.problems.length) throw new Error(walk.problems.map((p) => formatProblem(p, repoRoot)).join("; "));
  return tablesOf(walk.stacks);
}

const config = (endpoint: string) => ({ endpoint, region: "us-east-1", credentials: { accessKeyId: "test", secretAccessKey: "test" }, maxAttempts: 1 });

export async function localTables(): Promise<LocalTables> {
  const dynamo = await startLocalDynamo();
  const client = new DynamoDBClient(config(dynamo.endpoint));
  const defs = tableDefinitions(rootTemplate, repoRoot);
  const names = Object.fromEntries(defs.map((d) => [d.logicalId, `${d.logicalId}-${randomUUID().slice(0, 8)}`]));
  const call = dynamoJsonCall(dynamo.endpoint, { region: "us-east-1", accessKeyId: "test" });
  await createTables(call, defs.map((d) => ({ TableName: names[d.logicalId]!, input: d.input })));
  call.close();
  const doc = documentClient(config(dynamo.endpoint));
  // Port 9 on loopback: nothing listens, every call fails fast with a connection error.
  const broken = documentClient(config("http://127.0.0.1:9"));
  return {
    endpoint: dynamo.endpoint,
    client,
    doc,
    names,
    broken,
    async stop() {
      client.destroy();
      doc.destroy();
      broken.destroy();
      await dynamo.stop();
    },
  };
}
