/**
 * The Statistics table as POST /statistics writes it: one item per (github_username, stat_id) with
 * the value and when it last changed. A write is conditional on the value being different, so an
 * unchanged figure leaves the item (and the table's stream) untouched and the score calculator is
 * not woken for nothing.
 */
import { UpdateCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { isConditionFailure } from "@hdoc/shared/dynamo";

export interface Statistic {
  github_username: string;
  stat_id: string;
  value: number;
}

export interface StatisticsStore {
  /** "unchanged" when the stored value already equals `value` (nothing written). */
  put(stat: Statistic, now: Date): Promise<"written" | "unchanged">;
}

export function dynamoStatisticsStore(db: DynamoDBDocumentClient, table: string): StatisticsStore {
  return {
    async put(stat, now) {
      try {
        await db.send(
          new UpdateCommand({
            TableName: table,
            Key: { github_username: stat.github_username, stat_id: stat.stat_id },
            UpdateExpression: "SET #v = :v, updated_at = :now",
            ConditionExpression: "attribute_not_exists(#v) OR #v <> :v",
            ExpressionAttributeNames: { "#v": "value" },
            ExpressionAttributeValues: { ":v": stat.value, ":now": now.toISOString() },
          }),
        );
        return "written";
      } catch (e) {
        if (isConditionFailure(e)) return "unchanged";
        throw e;
      }
    },
  };
}
