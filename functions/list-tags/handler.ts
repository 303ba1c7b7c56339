/** GET /tags: every tag used by an article, with how many articles use it (most used first). */
import { containerHandler, httpHandler, respond, type ApiHandler } from "@hdoc/shared/http";
import { dynamoArticleStore, type ArticleStore } from "@hdoc/shared/articles";
import { documentClient } from "@hdoc/shared/dynamo";
import { requireEnv } from "@hdoc/shared/env";
import { jsonLogger, type Logger } from "@hdoc/shared/log";

export interface Deps {
  articles: ArticleStore;
  log: Logger;
}

export function countTags(perArticle: string[][]): Array<{ tag: string; count: number }> {
  const counts = new Map<string, number>();
  for (const tags of perArticle) for (const t of new Set(tags)) counts.set(t, (counts.get(t) ?? 0) + 1);
  return [...counts].map(([tag, count]) => ({ tag, count })).sort((a, b) => b.count - a.count || a.tag.localeCompare(b.tag));
}

export function createHandler(deps: Deps): ApiHandler {
  return httpHandler("list-tags", deps.log, async (req) => respond(200, { tags: countTags(await deps.articles.allTags()) }, req.requestId));
}

export const handler = containerHandler("list-tags", jsonLogger, () =>
  createHandler({ articles: dynamoArticleStore(documentClient(), requireEnv("ARTICLES_TABLE")), log: jsonLogger }),
);
