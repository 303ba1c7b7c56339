/**
 * POST /users/{username}/articles: adds an article (title, url, description?, tags?) by the
 * signed-in member (Cognito authorizer) whose `custom:github_username` is {username}, compared
 * case-insensitively; anyone else gets 403.
 */
import { randomUUID } from "node:crypto";
import { conflict, containerHandler, httpHandler, notFound, respond, type ApiHandler } from "@hdoc/shared/http";
import { forbidden, member } from "@hdoc/shared/caller";
import { dynamoArticleStore, type ArticleStore } from "@hdoc/shared/articles";
import { documentClient } from "@hdoc/shared/dynamo";
import { requireEnv } from "@hdoc/shared/env";
import { jsonLogger, type Logger } from "@hdoc/shared/log";
import { dynamoUserStore, type UserStore } from "@hdoc/shared/users";
import { article, githubUsername } from "@hdoc/shared/validation";

export interface Deps {
  users: UserStore;
  articles: ArticleStore;
  log: Logger;
  now?: () => Date;
  newId?: () => string;
}

export function createHandler(deps: Deps): ApiHandler {
  const now = deps.now ?? (() => new Date());
  const newId = deps.newId ?? randomUUID;
  return httpHandler("create-article", deps.log, async (req) => {
    const who = member(req);
    const username = githubUsername(req.path("username"), "username");
    if (who.githubUsername !== username) throw forbidden(`you are signed in as ${who.githubUsername}; only ${username} may post articles as ${username}`);
    const input = article(req.jsonBody());
    if (!(await deps.users.get(username))) throw notFound(`user ${username}`);
    const doc = { ...input, article_id: newId(), github_username: username };
    if ((await deps.articles.create(doc, now())) === "exists") throw conflict(`article ${doc.article_id} already exists`);
    return respond(201, doc, req.requestId);
  });
}

export const handler = containerHandler("create-article", jsonLogger, () => {
  const db = documentClient();
  return createHandler({
    users: dynamoUserStore(db, requireEnv("USERS_TABLE")),
    articles: dynamoArticleStore(db, requireEnv("ARTICLES_TABLE")),
    log: jsonLogger,
  });
});
