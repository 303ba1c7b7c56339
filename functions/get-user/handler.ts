/** GET /users/{username}: the user's public profile, or 404. */
import { containerHandler, httpHandler, type ApiHandler } from "@hdoc/shared/http";
import { documentClient } from "@hdoc/shared/dynamo";
import { requireEnv } from "@hdoc/shared/env";
import { jsonLogger, type Logger } from "@hdoc/shared/log";
import { userResponse } from "@hdoc/shared/user-lookup";
import { dynamoUserStore, type UserStore } from "@hdoc/shared/users";

export interface Deps {
  users: UserStore;
  log: Logger;
}

export function createHandler(deps: Deps): ApiHandler {
  return httpHandler("get-user", deps.log, (req) => userResponse(deps.users, req.path("username"), "username", req));
}

export const handler = containerHandler("get-user", jsonLogger, () =>
  createHandler({ users: dynamoUserStore(documentClient(), requireEnv("USERS_TABLE")), log: jsonLogger }),
);
