import { readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PostConfirmationTriggerEvent } from "aws-lambda";
import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { dynamoUserStore } from "@hdoc/shared/users";
import { memoryLogger } from "@hdoc/shared/log";
import { ValidationError } from "@hdoc/shared/validation";
import { localTables, type LocalTables } from "../../test/helpers/tables.ts";
import { createHandler } from "./handler.ts";

let db: LocalTables;
beforeAll(async () => {
  db = await localTables();
});
afterAll(() => db?.stop());

const fixture = (): PostConfirmationTriggerEvent =>
  JSON.parse(readFileSync(path.join(import.meta.dirname, "events/post-confirmation.json"), "utf8"));
const trigger = (doc = db.doc) => createHandler({ users: dynamoUserStore(doc, db.names.UsersTable!), log: memoryLogger(), now: () => new Date("2025-07-24T10:00:00Z") });
const stored = async (u: string) => (await db.doc.send(new GetCommand({ TableName: db.names.UsersTable, Key: { github_username: u } }))).Item;

describe("Cognito post-confirmation trigger", () => {
  it("creates the user record from the confirmed attributes and returns the event", async () => {
    const event = fixture();
    expect(await trigger()(event)).toEqual(event);
    expect(await stored("cloud-learner")).toMatchObject({ email: "cloud.learner@example.com", name: "Cloud Learner", sub: "3f1c2b7a-9d4e-4a6b-8c1d-2e3f4a5b6c7d" });
  });

  it("is idempotent when Cognito retries", async () => {
    await expect(trigger()(fixture())).resolves.toBeTruthy();
    expect(await stored("cloud-learner")).toMatchObject({ name: "Cloud Learner" });
  });

  it("fails the confirmation when another account (another sub) already owns the GitHub username, and keeps the record", async () => {
    const event = fixture();
    event.request.userAttributes.sub = "00000000-0000-4000-8000-00000000beef";
    event.request.userAttributes.email = "impostor@example.com";
    await expect(trigger()(event)).rejects.toThrow(/cloud-learner is already registered by another account/);
    expect(await stored("cloud-learner")).toMatchObject({ sub: "3f1c2b7a-9d4e-4a6b-8c1d-2e3f4a5b6c7d", email: "cloud.learner@example.com" });
  });

  it("rejects attributes that POST /signup would reject, with the same validation", async () => {
    const event = fixture();
    event.request.userAttributes["custom:github_username"] = "-bad-";
    await expect(trigger()(event)).rejects.toBeInstanceOf(ValidationError);
  });

  it("ignores the forgot-password confirmation", async () => {
    const event = { ...fixture(), triggerSource: "PostConfirmation_ConfirmForgotPassword" } as PostConfirmationTriggerEvent;
    event.request.userAttributes["custom:github_username"] = "not-created";
    await trigger()(event);
    expect(await stored("not-created")).toBeUndefined();
  });

  it("fails (so Cognito reports it) when the database fails", async () => {
    await expect(trigger(db.broken)(fixture())).rejects.toThrow();
  });
});
