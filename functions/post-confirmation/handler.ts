/**
 * Cognito post-confirmation trigger: creates the user record from the confirmed user's attributes
 * (email, name, custom:github_username) with the same validation and store as POST /signup.
 * Idempotent: a record that already exists is left as it is (Cognito may retry the trigger).
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
    const result = await deps.users.create(user, now());
    deps.log("info", result === "created" ? "user record created" : "user record already existed", {
      github_username: user.github_username,
      userPoolId: event.userPoolId,
    });
    return event;
  };
}

const fromEnv = once(() => createHandler({ users: dynamoUserStore(documentClient(), requireEnv("USERS_TABLE")), log: jsonLogger }));
export const handler: Trigger = (event) => fromEnv()(event);
