/** POST /signup: validates github_username, email and name, creates the user; 409 when the username is taken. */
import { conflict, containerHandler, httpHandler, respond, type ApiHandler } from "@hdoc/shared/http";
import { documentClient } from "@hdoc/shared/dynamo";
import { requireEnv } from "@hdoc/shared/env";
import { jsonLogger, type Logger } from "@hdoc/shared/log";
import { dynamoUserStore, type UserStore } from "@hdoc/shared/users";
import { signup } from "@hdoc/shared/validation";

export interface Deps {
  users: UserStore;
  log: Logger;
  now?: () => Date;
}

export function createHandler(deps: Deps): ApiHandler {
  const now = deps.now ?? (() => new Date());
  return httpHandler("signup", deps.log, async (req) => {
    const user = signup(req.jsonBody());
    if ((await deps.users.create(user, now())) === "exists") throw conflict(`github_username ${user.github_username} is already signed up`);
    deps.log("info", "user signed up", { requestId: req.requestId, github_username: user.github_username });
    return respond(201, { github_username: user.github_username, name: user.name }, req.requestId);
  });
}

export const handler = containerHandler("signup", jsonLogger, () =>
  createHandler({ users: dynamoUserStore(documentClient(), requireEnv("USERS_TABLE")), log: jsonLogger }),
);
