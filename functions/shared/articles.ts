/** The Articles table: one item per article id, indexed by author (ByAuthor). */
import { GetCommand, PutCommand, ScanCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { isConditionFailure } from "./dynamo.ts";
import type { NewArticle } from "./validation.ts";
import type { Item } from "./users.ts";

export interface ArticleStore {
  get(articleId: string): Promise<Item | undefined>;
  create(article: NewArticle & { article_id: string; github_username: string }, now: Date): Promise<"created" | "exists">;
  /** Every article's tags (reads the whole table, page by page). */
  allTags(): Promise<string[][]>;
}

export function dynamoArticleStore(db: DynamoDBDocumentClient, table: string): ArticleStore {
  return {
    async get(articleId) {
      return (await db.send(new GetCommand({ TableName: table, Key: { article_id: articleId } }))).Item;
    },
    async create(article, now) {
      try {
        await db.send(
          new PutCommand({
            TableName: table,
            Item: { ...article, created_at: now.toISOString() },
            ConditionExpression: "attribute_not_exists(article_id)",
          }),
        );
        return "created";
      } catch (e) {
        if (isConditionFailure(e)) return "exists";
        throw e;
      }
    },
    async allTags() {
      const out: string[][] = [];
      let start: Record<string, unknown> | undefined;
      do {
        const page = await db.send(new ScanCommand({ TableName: table, ProjectionExpression: "tags", ExclusiveStartKey: start }));
        for (const item of page.Items ?? []) {
          if (Array.isArray(item.tags)) out.push(item.tags.filter((t): t is string => typeof t === "string"));
        }
        start = page.LastEvaluatedKey;
      } while (start);
      return out;
    },
  };
}
