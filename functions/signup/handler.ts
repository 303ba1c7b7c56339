/**
 * POST /signup, the signed-in member's "complete my profile" call (Cognito authorizer): the GitHub
 * username, e-mail and account id come from the ID token's claims, never from the body, which may
 * carry only `name`. Idempotent with the post-confirmation trigger: the record already there for
 * the same account answers 200 with it; the name owned by another account answers 409.
 */
import { conflict, containerHandler, httpHandler, respond, type ApiHandler } from "@hdoc/shared/http";
import { forbidden, member } from "@hdoc/shared/caller";
import { documentClient } from "@hdoc/shared/dynamo";
import { requireEnv } from "@hdoc/shared/env";
import { jsonLogger, type Logger } from "@hdoc/shared/log";
import { dynamoUserStore, publicUser, type UserStore } from "@hdoc/shared/users";
import { displayName, email, githubUsername } from "@hdoc/shared/validation";

export interface Deps {
  users: UserStore;
  log: Logger;
  now?: () => Date;
}

export function createHandler(deps: Deps): ApiHandler {
  const now = deps.now ?? (() => new Date());
  return httpHandler("signup", deps.log, async (req) => {
    const who = member(req);
    const body = req.optionalJsonBody();
    if (body.github_username !== undefined && githubUsername(body.github_username) !== who.githubUsername) {
      throw forbidden(`you are signed in as ${who.githubUsername}; an account signs up only its own GitHub username`);
    }
    const name = body.name !== undefined && body.name !== null ? displayName(body.name) : displayName(who.name, "name (in the body or the token)");
    const user = { github_username: who.githubUsername, email: email(who.email, "email (token claim)"), name, sub: who.sub };
    const { outcome, item } = await deps.users.register(user, now());
    if (outcome === "taken") throw conflict(`github_username ${user.github_username} belongs to another account`);
    deps.log("info", outcome === "existing" ? "user record already there" : "user signed up", { requestId: req.requestId, github_username: user.github_username, outcome });
    return respond(outcome === "created" ? 201 : 200, publicUser(item), req.requestId);
  });
}

export const handler = containerHandler("signup", jsonLogger, () =>
  createHandler({ users: dynamoUserStore(documentClient(), requireEnv("USERS_TABLE")), log: jsonLogger }),
);
