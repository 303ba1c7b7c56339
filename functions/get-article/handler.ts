/** GET /articles/{articleId}: one article, or 404. */
import { containerHandler, httpHandler, notFound, respond, type ApiHandler } from "@hdoc/shared/http";
import { dynamoArticleStore, type ArticleStore } from "@hdoc/shared/articles";
import { documentClient } from "@hdoc/shared/dynamo";
import { requireEnv } from "@hdoc/shared/env";
import { jsonLogger, type Logger } from "@hdoc/shared/log";
import { articleId } from "@hdoc/shared/validation";

export interface Deps {
  articles: ArticleStore;
  log: Logger;
}

export function createHandler(deps: Deps): ApiHandler {
  return httpHandler("get-article", deps.log, async (req) => {
    const id = articleId(req.path("articleId"));
    const item = await deps.articles.get(id);
    if (!item) throw notFound(`article ${id}`);
    return respond(200, item, req.requestId);
  });
}

export const handler = containerHandler("get-article", jsonLogger, () =>
  createHandler({ articles: dynamoArticleStore(documentClient(), requireEnv("ARTICLES_TABLE")), log: jsonLogger }),
);
