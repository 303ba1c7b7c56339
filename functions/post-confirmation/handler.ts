/**
 * Cognito post-confirmation trigger: creates the user record from the confirmed user's attributes
 * (email, name, custom:github_username) with the same validation and store as POST /signup.
 * The record stores the account's `sub`, the owner of the GitHub username from then on.
 * Idempotent with itself (Cognito may retry the trigger) and with POST /signup: a record already
 * there for the same account is left as it is; a name another account owns fails the confirmation.
 */
import type { PostConfirmationTriggerEvent } from "aws-lambda";
import { documentClient } from "@hdoc/shared/dynamo";
import { once, requireEnv } from "@hdoc/shared/env";
import { jsonLogger, type Logger } from "@hdoc/shared/log";
import { dynamoUserStore, type UserStore } from "@hdoc/shared/users";
import { signup } from "@hdoc/shared/validation";

export interface Deps {
  users: UserStore;
  log: Logger;
  now?: () => Date;
}

export type Trigger = (event: PostConfirmationTriggerEvent) => Promise<PostConfirmationTriggerEvent>;

export function createHandler(deps: Deps): Trigger {
  const now = deps.now ?? (() => new Date());
  return async (event) => {
    if (event.triggerSource !== "PostConfirmation_ConfirmSignUp") return event;
    const attrs = event.request.userAttributes ?? {};
    const user = signup({ github_username: attrs["custom:github_username"], email: attrs.email, name: attrs.name });
    const sub = attrs.sub;
    if (!sub) throw new Error("the confirmed user has no sub attribute");
    const { outcome } = await deps.users.register({ ...user, sub }, now());
    const fields = { github_username: user.github_username, userPoolId: event.userPoolId, outcome };
    if (outcome === "taken") {
      deps.log("error", "github_username belongs to another account", fields);
      throw new Error(`GitHub username ${user.github_username} is already registered by another account`);
    }
    deps.log("info", outcome === "existing" ? "user record already existed" : "user record created", fields);
    return event;
  };
}

const fromEnv = once(() => createHandler({ users: dynamoUserStore(documentClient(), requireEnv("USERS_TABLE")), log: jsonLogger }));
export const handler: Trigger = (event) => fromEnv()(event);
