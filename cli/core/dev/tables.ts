/**
 * Local DynamoDB for `hdoc dev` and the handler tests: the table definitions of parsed templates
 * (every AWS::DynamoDB::Table across the nested stacks) and dynalite started in-process on loopback;
 * table-setup.ts creates the tables there. Table shapes are never restated outside infra/.
 */
import type { AddressInfo } from "node:net";
import type { CreateTableInput } from "@aws-sdk/client-dynamodb";
import type { Json, StackNode } from "../cfn/templates.ts";
import { isIntrinsic, resourcesOf } from "../cfn/template-body.ts";
import { isObj } from "../cfn/json.ts";

export interface TableDefinition {
  /** Nested-stack path and logical id: "Database/UsersTable". */
  id: string;
  logicalId: string;
  stackPath: string[];
  input: Omit<CreateTableInput, "TableName">;
  /** StreamViewType when the table has a stream. */
  stream?: string;
}

export class TableDefinitionError extends Error {}

/** The plain (intrinsic-free) value of a property; intrinsics are not evaluated here. */
function plain(v: Json | undefined, where: string): Json | undefined {
  if (v === undefined) return undefined;
  if (isIntrinsic(v)) throw new TableDefinitionError(`${where} uses an intrinsic function; local tables need a literal value`);
  if (Array.isArray(v)) return v.map((x, i) => plain(x, `${where}[${i}]`)!) as Json;
  if (isObj(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x, `${where}.${k}`)!]));
  return v;
}

const INDEX_KEYS = ["IndexName", "KeySchema", "Projection", "ProvisionedThroughput"] as const;
const pick = (o: Json, keys: readonly string[]) =>
  isObj(o) ? Object.fromEntries(keys.filter((k) => o[k] !== undefined).map((k) => [k, o[k]])) : {};

/** Every DynamoDB table of stacks already walked. */
export function tablesOf(stacks: StackNode[]): TableDefinition[] {
  const out: TableDefinition[] = [];
  for (const stack of stacks) {
    for (const [logicalId, res] of resourcesOf(stack.body)) {
      if (res.Type !== "AWS::DynamoDB::Table") continue;
      const id = [...stack.path, logicalId].join("/");
      const p = res.Properties ?? {};
      const get = (k: string) => plain(p[k], `${id}.${k}`);
      const billing = (get("BillingMode") as string | undefined) ?? "PROVISIONED";
      const input: Record<string, unknown> = {
        AttributeDefinitions: get("AttributeDefinitions"),
        KeySchema: get("KeySchema"),
        BillingMode: billing,
      };
      if (billing === "PROVISIONED") input.ProvisionedThroughput = get("ProvisionedThroughput") ?? { ReadCapacityUnits: 5, WriteCapacityUnits: 5 };
      const gsis = get("GlobalSecondaryIndexes"), lsis = get("LocalSecondaryIndexes");
      if (Array.isArray(gsis) && gsis.length) input.GlobalSecondaryIndexes = gsis.map((g) => pick(g, INDEX_KEYS));
      if (Array.isArray(lsis) && lsis.length) input.LocalSecondaryIndexes = lsis.map((l) => pick(l, ["IndexName", "KeySchema", "Projection"]));
      if (!Array.isArray(input.KeySchema) || !Array.isArray(input.AttributeDefinitions)) {
        throw new TableDefinitionError(`${id} needs KeySchema and AttributeDefinitions`);
      }
      const streamSpec = get("StreamSpecification");
      const stream = isObj(streamSpec) && typeof streamSpec.StreamViewType === "string" ? streamSpec.StreamViewType : undefined;
      out.push({ id, logicalId, stackPath: stack.path, input: input as TableDefinition["input"], ...(stream ? { stream } : {}) });
    }
  }
  return out;
}

export interface LocalDynamo {
  endpoint: string;
  stop(): Promise<void>;
}

/** Starts dynalite in this process on a free 127.0.0.1 port: in memory, or persisted under `dataDir`. */
export async function startLocalDynamo(opts: { dataDir?: string } = {}): Promise<LocalDynamo> {
  const { default: dynalite } = await import("dynalite");
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0, ...(opts.dataDir ? { path: opts.dataDir } : {}) });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  let stopped = false;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        if (stopped) return resolve();
        stopped = true;
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}
