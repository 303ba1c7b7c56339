/**
 * The score's bookkeeping on the user item: `stats` maps each statistic id to the last applied
 * stream record ({ seq, value }), and `score` is the sum of the applied values. Every change is a
 * conditional update on the previously applied seq, so a duplicate, stale or concurrent record can
 * never be counted twice.
 */
import { GetCommand, NumberValue, UpdateCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { isConditionFailure } from "@hdoc/shared/dynamo";

export interface Applied {
  seq: string;
  value: bigint;
}

export interface ScoreStore {
  /** The last applied record of one statistic; null when the user does not exist. */
  applied(username: string, statId: string): Promise<Applied | undefined | null>;
  /** Sets the statistic to `next` and adds `next.value - prev.value` to the score, if `prev` is still what is stored. */
  apply(username: string, statId: string, prev: Applied | undefined, next: Applied): Promise<"applied" | "conflict">;
}

const big = (v: unknown): bigint => {
  if (v instanceof NumberValue) return BigInt(v.value);
  if (typeof v === "number" || typeof v === "bigint" || typeof v === "string") return BigInt(v);
  return 0n;
};

export function dynamoScoreStore(db: DynamoDBDocumentClient, table: string): ScoreStore {
  return {
    async applied(username, statId) {
      const out = await db.send(
        new GetCommand({ TableName: table, Key: { github_username: username }, ProjectionExpression: "#s", ExpressionAttributeNames: { "#s": "stats" }, ConsistentRead: true }),
      );
      if (!out.Item) return null;
      const stats = out.Item.stats;
      if (typeof stats !== "object" || stats === null) {
        // A record made before stats existed: give it the map first.
        await db.send(
          new UpdateCommand({
            TableName: table,
            Key: { github_username: username },
            UpdateExpression: "SET #s = if_not_exists(#s, :empty)",
            ConditionExpression: "attribute_exists(github_username)",
            ExpressionAttributeNames: { "#s": "stats" },
            ExpressionAttributeValues: { ":empty": {} },
          }),
        );
        return undefined;
      }
      const entry = (stats as Record<string, { seq?: unknown; value?: unknown }>)[statId];
      return entry && typeof entry.seq === "string" ? { seq: entry.seq, value: big(entry.value) } : undefined;
    },
    async apply(username, statId, prev, next) {
      try {
        await db.send(
          new UpdateCommand({
            TableName: table,
            Key: { github_username: username },
            UpdateExpression: "SET #s.#id = :entry ADD score :delta",
            ConditionExpression: prev ? "#s.#id.seq = :prev" : "attribute_exists(github_username) AND attribute_not_exists(#s.#id)",
            ExpressionAttributeNames: { "#s": "stats", "#id": statId },
            ExpressionAttributeValues: {
              ":entry": { seq: next.seq, value: NumberValue.from(next.value.toString()) },
              ":delta": NumberValue.from((next.value - (prev?.value ?? 0n)).toString()),
              ...(prev ? { ":prev": prev.seq } : {}),
            },
          }),
        );
        return "applied";
      } catch (e) {
        if (isConditionFailure(e)) return "conflict";
        throw e;
      }
    },
  };
}
