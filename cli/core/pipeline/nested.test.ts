import { describe, expect, it } from "vitest";
import { ScriptedCloudFormation, SCENARIOS, LAMBDA_REASON, type ScenarioName } from "../../../test/helpers/cloudformation-scenarios.ts";
import { expandNestedChanges } from "./nested-changes.ts";
import { EventCursor, type TaggedEvent } from "./stack-events.ts";
import { failedResources, isChainReason, progress, rootCause } from "./root-cause.ts";

const ROOT = "hdoc-backend-dev";

/** Drives a scripted nested deploy the way the engine does: change set, nested preview, execute, follow every stack. */
async function run(name: ScenarioName) {
  const cfn = new ScriptedCloudFormation(SCENARIOS[name]());
  const created = await cfn.createChangeSet({ stackName: ROOT, changeSetName: "cs", type: "UPDATE", templateBody: "{}", parameters: {}, capabilities: [], tags: {} });
  if ("noChanges" in created) throw new Error("unexpected");
  let cs = await cfn.describeChangeSet(created.id);
  while (cs.status !== "CREATE_COMPLETE") cs = await cfn.describeChangeSet(created.id);
  const changes = await expandNestedChanges(cs.changes, ROOT, { describeChangeSet: (id) => cfn.describeChangeSet(id) });
  const cursor = new EventCursor(cfn, ROOT);
  await cursor.baseline();
  await cfn.executeChangeSet();
  const events: TaggedEvent[] = [];
  for (let i = 0; i < 20; i++) {
    const stack = await cfn.describeStack(ROOT);
    events.push(...(await cursor.next()));
    if (stack && !stack.status.endsWith("_IN_PROGRESS")) break;
  }
  events.push(...(await cursor.next()));
  return { cfn, changes, events, cursor };
}

describe("the nested preview", () => {
  it("lists the changes inside each changed nested stack, right after its row; an unchanged one adds nothing", async () => {
    const { changes } = await run("backendApiChange");
    expect(changes.map((c) => [c.stack, c.action, c.logicalId, c.type])).toEqual([
      ["", "Modify", "Api", "AWS::CloudFormation::Stack"],
      ["Api", "Modify", "GetUserFunction", "AWS::Lambda::Function"],
      ["Api", "Add", "GetUserFunctionAlias", "AWS::Lambda::Alias"],
      ["", "Modify", "Auth", "AWS::CloudFormation::Stack"],
    ]);
  });

  it("names the nested stack when its own change set failed for another reason", async () => {
    const port = {
      describeChangeSet: async () => ({ status: "FAILED", statusReason: "Template format error: Unresolved resource dependencies [Nope]", changes: [] }),
    };
    await expect(expandNestedChanges([{ action: "Modify", logicalId: "Api", type: "AWS::CloudFormation::Stack", changeSetId: "arn:cs" }], ROOT, port)).rejects.toMatchObject({
      code: "FAILED",
      message: "the change set of nested stack Api failed: Template format error: Unresolved resource dependencies [Nope]",
    });
  });
});

describe("following every stack's events", () => {
  it("hands out the events inside nested stacks, prefixed with the stack, once each, in time order", async () => {
    const { events, cursor } = await run("backendApiChange");
    expect(events.map((e) => `${e.path} ${e.status}`)).toEqual([
      `${ROOT} UPDATE_IN_PROGRESS`,
      "Api UPDATE_IN_PROGRESS",
      "Api/GetUserFunction UPDATE_IN_PROGRESS",
      "Api/GetUserFunction UPDATE_COMPLETE",
      "Api/GetUserFunctionAlias CREATE_COMPLETE",
      "Api UPDATE_COMPLETE",
      `${ROOT} UPDATE_COMPLETE_CLEANUP_IN_PROGRESS`,
      `${ROOT} UPDATE_COMPLETE`,
    ]);
    expect(Object.keys(cursor.nestedStacks())).toEqual(["Api"]);
  });

  it("does not hand out what happened before the deploy (baseline), nor a nested stack's own status twice", async () => {
    const { events } = await run("backendApiChange");
    expect(events.filter((e) => e.stack === "Api" && e.type === "AWS::CloudFormation::Stack")).toEqual([]);
    expect(new Set(events.map((e) => e.id)).size).toBe(events.length);
  });

  it("on a first create, follows each nested stack as it appears, and counts every resource of every stack", async () => {
    const { changes, events, cursor } = await run("backendCreate");
    expect(changes.map((c) => `${c.stack}/${c.logicalId}`)).toEqual(["/Database", "Database/UsersTable", "/Api", "Api/GetUserFunction", "Api/GetUserFunctionRole"]);
    expect(events.filter((e) => e.stack).map((e) => `${e.path} ${e.status}`)).toEqual([
      "Database/UsersTable CREATE_IN_PROGRESS",
      "Database/UsersTable CREATE_COMPLETE",
      "Api/GetUserFunctionRole CREATE_IN_PROGRESS",
      "Api/GetUserFunctionRole CREATE_COMPLETE",
      "Api/GetUserFunction CREATE_IN_PROGRESS",
      "Api/GetUserFunction CREATE_COMPLETE",
    ]);
    expect(Object.keys(cursor.nestedStacks()).sort()).toEqual(["Api", "Database"]);
    expect(progress(changes, events, ROOT)).toEqual({ done: 5, total: 5 });
  });

  it("counts n/N over all stacks", async () => {
    const { changes, events } = await run("backendApiChange");
    expect(progress(changes, events.slice(0, 2), ROOT)).toEqual({ done: 0, total: 4 });
    expect(progress(changes, events, ROOT)).toEqual({ done: 3, total: 4 });
  });
});

describe("the root cause of a nested failure", () => {
  it("is the failed resource inside Api with its own reason, not the embedded-stack chain", async () => {
    const { events } = await run("backendApiFails");
    const cause = rootCause(events)!;
    expect(cause.path).toBe("Api/GetUserFunction");
    expect(cause.status).toBe("UPDATE_FAILED");
    expect(cause.reason).toBe(LAMBDA_REASON);
    expect(failedResources(events, ROOT).map((e) => e.path)).toEqual(["Api/GetUserFunction", "Api/GetUserFunctionAlias", "Api"]);
  });

  it.each([
    ["Embedded stack arn:aws:cloudformation:us-east-1:1:stack/x/y was not successfully created: The following resource(s) failed to create: [F].", true],
    ["The following resource(s) failed to update: [Api].", true],
    ["Resource creation cancelled", true],
    ["Resource update cancelled", true],
    [undefined, true],
    [LAMBDA_REASON, false],
    ["Properties validation failed for resource UsersTable with message: #/BillingMode: failed validation constraint for keyword [enum]", false],
  ])("reason %j is only a pointer to another failure: %s", (reason, chain) => {
    expect(isChainReason(reason)).toBe(chain);
  });

  it("falls back to the first failure when every reason points elsewhere", () => {
    const e = (path: string, reason: string): TaggedEvent => ({ id: path, timestamp: new Date(0), logicalId: path, type: "T", status: "CREATE_FAILED", reason, stack: "", path });
    expect(rootCause([e("A", "Resource creation cancelled"), e("B", "Resource creation cancelled")])?.path).toBe("A");
    expect(rootCause([])).toBeUndefined();
  });
});
