/**
 * The Tags table, written by the tag counter (functions/tag-counter) from the Articles stream and read
 * by GET /tags. Two kinds of item share the key `pk`:
 * - `tag#<tag>`: `tag`, `count` (articles using it) and, while the count is above 0, the ByCount
 *   index keys `board` (always "tags") and `rank` (inverted count, then the tag), so a Query of the
 *   index reads the most used tags first, ties by tag, without touching the articles;
 * - `article#<id>`: the tags counted for one article and the stream record they came from.
 */
import { QueryCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";

export const BOARD = "tags";
export const BY_COUNT_INDEX = "ByCount";
/** Counts are stored below this (12 digits of rank). */
export const MAX_COUNT = 999_999_999_999n;

export const tagKey = (tag: string) => `tag#${tag}`;
export const articleKey = (articleId: string) => `article#${articleId}`;

/** The ByCount sort key: ascending order is count descending, then tag (by code unit). */
export function rankOf(tag: string, count: bigint): string {
  if (count < 1n || count > MAX_COUNT) throw new RangeError(`count ${count} of tag ${tag} is outside 1..${MAX_COUNT}`);
  return `${(MAX_COUNT - count).toString().padStart(12, "0")}#${tag}`;
}

const RANK = /^[0-9]{12}#(.{1,100})$/s;
/** The tag a rank was made for, or undefined when it is not a rank. */
export const tagOfRank = (rank: string): string | undefined => RANK.exec(rank)?.[1];

export interface TagCount {
  tag: string;
  count: number;
}

export interface TagBoard {
  /** Up to `limit` tags, most used first, after the tag whose rank is `after`; `last` is set when more may follow. */
  page(limit: number, after?: string): Promise<{ tags: TagCount[]; last?: string }>;
}

export function dynamoTagBoard(db: DynamoDBDocumentClient, table: string): TagBoard {
  return {
    async page(limit, after) {
      const tag = after === undefined ? undefined : tagOfRank(after);
      const out = await db.send(
        new QueryCommand({
          TableName: table,
          IndexName: BY_COUNT_INDEX,
          KeyConditionExpression: "board = :b",
          ExpressionAttributeValues: { ":b": BOARD },
          Limit: limit,
          ...(tag !== undefined ? { ExclusiveStartKey: { pk: tagKey(tag), board: BOARD, rank: after } } : {}),
        }),
      );
      const tags = (out.Items ?? []).flatMap((i) => (typeof i.tag === "string" ? [{ tag: i.tag, count: Number(String(i.count)) }] : []));
      const last = out.LastEvaluatedKey?.rank;
      return { tags, last: typeof last === "string" ? last : undefined };
    },
  };
}
