/** GET /users: a page of users (limit 1-100, opaque nextToken); with ?username= the one user, as the original API did. */
import { containerHandler, httpHandler, respond, type ApiHandler } from "@hdoc/shared/http";
import { documentClient } from "@hdoc/shared/dynamo";
import { requireEnv } from "@hdoc/shared/env";
import { jsonLogger, type Logger } from "@hdoc/shared/log";
import { userResponse } from "@hdoc/shared/user-lookup";
import { dynamoUserStore, publicUser, type UserStore } from "@hdoc/shared/users";
import { encodePageToken, limit, pageToken } from "@hdoc/shared/validation";

export interface Deps {
  users: UserStore;
  log: Logger;
}

export function createHandler(deps: Deps): ApiHandler {
  return httpHandler("list-users", deps.log, async (req) => {
    const username = req.query("username");
    if (username !== undefined) return userResponse(deps.users, username, "username", req);
    const page = await deps.users.list(limit(req.query("limit")), pageToken(req.query("nextToken")));
    const body: Record<string, unknown> = { items: page.items.map(publicUser) };
    if (page.last) body.nextToken = encodePageToken(page.last);
    return respond(200, body, req.requestId);
  });
}

export const handler = containerHandler("list-users", jsonLogger, () =>
  createHandler({ users: dynamoUserStore(documentClient(), requireEnv("USERS_TABLE")), log: jsonLogger }),
);
