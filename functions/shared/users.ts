/** The Users table: one item per GitHub username (lower case), holding the public profile and the score. */
import { GetCommand, PutCommand, ScanCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { isConditionFailure } from "./dynamo.ts";
import type { NewUser } from "./validation.ts";

export type Item = Record<string, unknown>;

export interface UserStore {
  get(username: string): Promise<Item | undefined>;
  /** Conditional create: "exists" when the username is taken. */
  create(user: NewUser, now: Date): Promise<"created" | "exists">;
  /** A page of users after `after` (exclusive); `last` is set when more may follow. */
  list(limit: number, after?: string): Promise<{ items: Item[]; last?: string }>;
}

export function dynamoUserStore(db: DynamoDBDocumentClient, table: string): UserStore {
  return {
    async get(username) {
      const out = await db.send(new GetCommand({ TableName: table, Key: { github_username: username } }));
      return out.Item;
    },
    async create(user, now) {
      try {
        await db.send(
          new PutCommand({
            TableName: table,
            Item: { ...user, created_at: now.toISOString(), score: 0, stats: {} },
            ConditionExpression: "attribute_not_exists(github_username)",
          }),
        );
        return "created";
      } catch (e) {
        if (isConditionFailure(e)) return "exists";
        throw e;
      }
    },
    async list(limit, after) {
      const out = await db.send(
        new ScanCommand({ TableName: table, Limit: limit, ExclusiveStartKey: after ? { github_username: after } : undefined }),
      );
      const last = out.LastEvaluatedKey?.github_username;
      return { items: out.Items ?? [], last: typeof last === "string" ? last : undefined };
    },
  };
}

/** What the API shows of a user: no email, no per-statistic bookkeeping. */
export function publicUser(item: Item): Item {
  const out: Item = {};
  for (const k of ["github_username", "name", "score", "created_at"]) if (item[k] !== undefined) out[k] = item[k];
  return out;
}
