/** The Users table: one item per GitHub username (lower case), holding the public profile and the score. */
import { GetCommand, PutCommand, ScanCommand, UpdateCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { isConditionFailure } from "./dynamo.ts";
import type { NewUser } from "./validation.ts";

export type Item = Record<string, unknown>;

/** A user record as an account registers it: the Cognito `sub` owns the GitHub username. */
export type Registrant = NewUser & { sub: string };

/**
 * What registering did: `created` a new record, found the record `existing` for the same account,
 * `claimed` a record made before accounts existed (no `sub`), or found the name `taken` by another account.
 */
export type Registration = { outcome: "created" | "existing" | "claimed" | "taken"; item: Item };

export interface UserStore {
  get(username: string): Promise<Item | undefined>;
  /** Creates the record, or tells whose it is; conditional writes only, so two registrations at once cannot both win. */
  register(user: Registrant, now: Date): Promise<Registration>;
  /** A page of users after `after` (exclusive); `last` is set when more may follow. */
  list(limit: number, after?: string): Promise<{ items: Item[]; last?: string }>;
}

export function dynamoUserStore(db: DynamoDBDocumentClient, table: string): UserStore {
  return {
    async get(username) {
      const out = await db.send(new GetCommand({ TableName: table, Key: { github_username: username } }));
      return out.Item;
    },
    async register(user, now) {
      const item = { ...user, created_at: now.toISOString(), score: 0, stats: {} };
      for (let attempt = 0; attempt < 3; attempt++) {
        try {
          await db.send(new PutCommand({ TableName: table, Item: item, ConditionExpression: "attribute_not_exists(github_username)" }));
          return { outcome: "created", item };
        } catch (e) {
          if (!isConditionFailure(e)) throw e;
        }
        const found = (await db.send(new GetCommand({ TableName: table, Key: { github_username: user.github_username }, ConsistentRead: true }))).Item;
        if (!found) continue; // deleted in between: try the create again
        if (found.sub === user.sub) return { outcome: "existing", item: found };
        if (typeof found.sub === "string") return { outcome: "taken", item: found };
        try {
          const out = await db.send(
            new UpdateCommand({
              TableName: table,
              Key: { github_username: user.github_username },
              UpdateExpression: "SET #sub = :sub",
              ConditionExpression: "attribute_exists(github_username) AND attribute_not_exists(#sub)",
              ExpressionAttributeNames: { "#sub": "sub" },
              ExpressionAttributeValues: { ":sub": user.sub },
              ReturnValues: "ALL_NEW",
            }),
          );
          return { outcome: "claimed", item: out.Attributes ?? { ...found, sub: user.sub } };
        } catch (e) {
          if (!isConditionFailure(e)) throw e; // another account claimed it first: read again
        }
      }
      throw new Error(`the record of ${user.github_username} kept changing while registering`);
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
