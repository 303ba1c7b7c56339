/**
 * The deploy flow's safety rules over the scripted CloudFormation, with a fake clock: bounded waits,
 * states CloudFormation will not leave, busy stacks, OBSOLETE change sets, Ctrl-C at each phase, preview.
 */
import { describe, expect, it } from "vitest";
import { recordingIo } from "../../../test/helpers/io.ts";
import { deploy, type DeployInput } from "./deploy.ts";
import { DeployState } from "./deploy-state.ts";
import { deployView } from "../../commands/pipeline/view.ts";
import { PIPELINE_CHANGES, rolledBack, ScriptedCloudFormation, updateSucceeds, type Script } from "../../../test/helpers/cloudformation-scenarios.ts";
import { busyStack, obsoleteChangeSet, parameterOnly, reviewStuck, secondDeploy, slowChangeSet, slowUpdate, updateFails } from "../../../test/helpers/cloudformation-fault-scenarios.ts";

const COMMANDS = { watch: "hdoc pipeline status --stage dev --watch", deploy: "hdoc pipeline deploy --stage dev" };
const input = (over: Partial<DeployInput> = {}): DeployInput => ({
  stage: "dev", stackName: "hdoc-backend-dev-codepipeline", region: "us-east-1", templateFile: "t.yml", templateBody: "Resources: {}\n",
  parameters: { Stage: "dev" }, capabilities: [], tags: {}, confirmChangeset: false, timeoutMs: 60 * 60_000, commands: COMMANDS, description: "hdoc pipeline deploy by t", ...over,
});

/** A deploy over a fake clock: each sleep moves time on; `onSleep` can press Ctrl-C at the n-th sleep. */
function start(script: Script, over: Partial<DeployInput> = {}, o: { yes?: boolean; interactive?: boolean; answer?: boolean; abortWhen?: (cfn: ScriptedCloudFormation) => boolean } = {}) {
  const cfn = new ScriptedCloudFormation(script);
  const rec = recordingIo({ yes: o.yes ?? true, interactive: o.interactive ?? false, confirm: o.answer ?? true, verbose: false });
  let t = Date.parse("2026-01-01T10:00:00Z");
  const aborter = new AbortController();
  const state = new DeployState("hdoc-backend-dev-codepipeline", COMMANDS);
  const p = deploy(input(over), {
    cfn, io: rec.io, view: deployView(rec.io, { stackName: "hdoc-backend-dev-codepipeline" }), now: () => new Date(t), signal: aborter.signal, state,
    sleep: async (ms) => {
      t += ms;
      if (o.abortWhen?.(cfn)) aborter.abort();
    },
  });
  return { cfn, p, err: rec.err, elapsed: () => t - Date.parse("2026-01-01T10:00:00Z"), state };
}

describe("bounded waits and states CloudFormation will not leave", () => {
  it("reports a stack left in REVIEW_IN_PROGRESS whose execution never starts, within 30 s, naming the state and the next command", async () => {
    const r = start(reviewStuck());
    await expect(r.p).rejects.toMatchObject({ code: "FAILED", message: expect.stringMatching(/REVIEW_IN_PROGRESS and its change set never started executing after \d+s: CloudFormation will not leave this state by itself/), hint: expect.stringContaining("hdoc pipeline deploy --stage dev") });
    expect(r.elapsed()).toBeLessThanOrEqual(40_000);
  });

  it("ends a stack operation at --timeout with the status, that CloudFormation goes on, and how to follow or cancel it", async () => {
    const r = start(slowUpdate(), { timeoutMs: 120_000 });
    await expect(r.p).rejects.toMatchObject({ code: "FAILED", message: expect.stringContaining("is still UPDATE_IN_PROGRESS after 2m 00s (--timeout); CloudFormation goes on"), hint: expect.stringContaining("aws cloudformation cancel-update-stack --stack-name hdoc-backend-dev-codepipeline") });
    expect(r.elapsed()).toBeLessThanOrEqual(125_000);
  });

  it("bounds making the change set at 15 minutes even with a longer --timeout, and deletes it", async () => {
    const r = start(slowChangeSet());
    await expect(r.p).rejects.toMatchObject({ code: "FAILED", message: expect.stringMatching(/still CREATE_PENDING after 15m 0\ds; change set hdoc-dev-\S+ deleted/) });
    expect(r.cfn.calls).toContain("DeleteChangeSet");
    expect(r.cfn.calls).not.toContain("ExecuteChangeSet");
  });
});

describe("busy stacks are refused, never raced", () => {
  it("refuses a stack with an operation in flight (exit 10) and says how to follow it, making no change set", async () => {
    const r = start(busyStack());
    await expect(r.p).rejects.toMatchObject({ exitCode: 10, message: expect.stringContaining("is busy: UPDATE_IN_PROGRESS"), hint: expect.stringContaining("hdoc pipeline status --stage dev --watch") });
    expect(r.cfn.calls.some((c) => c.startsWith("CreateChangeSet"))).toBe(false);
  });

  it("refuses while another hdoc run's change set waits for its confirmation, naming who", async () => {
    const r = start(secondDeploy());
    await expect(r.p).rejects.toMatchObject({ exitCode: 10, message: expect.stringContaining("another deploy in flight: change set hdoc-dev-20260101-095900-aaaaaa is waiting to be executed (hdoc pipeline deploy by ana@laptop, pid 4242)") });
    expect(r.cfn.calls.some((c) => c.startsWith("CreateChangeSet"))).toBe(false);
  });

  it("does not execute an OBSOLETE change set: says so, deletes it (exit 7)", async () => {
    const r = start(obsoleteChangeSet());
    await expect(r.p).rejects.toMatchObject({ exitCode: 7, message: expect.stringContaining("is OBSOLETE: the stack changed after it was made") });
    expect(r.cfn.calls).not.toContain("ExecuteChangeSet");
    expect(r.cfn.calls).toContain("DeleteChangeSet");
  });

  it("reports an update that fails halfway with its first failure (exit 7)", async () => {
    const r = start(updateFails());
    await expect(r.p).rejects.toMatchObject({ exitCode: 7, message: expect.stringContaining("failed: Pipeline UPDATE_FAILED: Resource handler returned message"), hint: expect.stringContaining("the stack is UPDATE_ROLLBACK_COMPLETE") });
  });
});

describe("Ctrl-C at each phase says what state things are in and tidies", () => {
  it("while the change set is being made: deletes it and the empty stack this run created", async () => {
    const r = start({ ...slowChangeSet(), initial: undefined }, {}, { abortWhen: (cfn) => cfn.calls.filter((c) => c === "DescribeChangeSet").length >= 2 });
    await expect(r.p).rejects.toMatchObject({ exitCode: 130, message: expect.stringMatching(/nothing was executed on stack hdoc-backend-dev-codepipeline \(change set hdoc-dev-\S+ deleted; the empty stack .* \(REVIEW_IN_PROGRESS\) this run created deleted\)/) });
    expect(r.cfn.calls.slice(-2)).toEqual(["DeleteChangeSet", "DeleteStack"]);
  });

  it("after execute: says CloudFormation goes on and how to follow or cancel it; deletes nothing", async () => {
    const r = start(slowUpdate(), {}, { abortWhen: (cfn) => cfn.calls.includes("ExecuteChangeSet") });
    await expect(r.p).rejects.toMatchObject({ exitCode: 130, message: "CloudFormation goes on with the update of stack hdoc-backend-dev-codepipeline; hdoc stopped watching", hint: expect.stringContaining("cancel-update-stack") });
    expect(r.cfn.calls).not.toContain("DeleteChangeSet");
    expect(r.state.forcedLine()).toContain("--watch");
  });

  it("between deleting a ROLLBACK_COMPLETE stack and creating it again: says the stack is being deleted", async () => {
    const r = start(rolledBack(), {}, { abortWhen: (cfn) => cfn.calls.includes("DeleteStack") });
    await expect(r.p).rejects.toMatchObject({ exitCode: 130, message: expect.stringContaining("is being deleted (it was ROLLBACK_COMPLETE); CloudFormation goes on with the delete") });
    expect(r.cfn.calls.some((c) => c.startsWith("CreateChangeSet"))).toBe(false);
  });
});

describe("preview (diff, --no-execute)", () => {
  it("shows parameter (old -> new) and tag changes when no resource changes, deletes the change set, executes nothing", async () => {
    const r = start(parameterOnly(), {
      preview: { keep: false },
      templateBody: "Parameters:\n  Stage: {Type: String}\n  BuildComputeType: {Type: String, Default: BUILD_GENERAL1_SMALL}\n  GithubRepo: {Type: String}\n  Secret: {Type: String, NoEcho: true}\nResources: {}\n",
      parameters: { Stage: "dev", BuildComputeType: "BUILD_GENERAL1_MEDIUM", GithubRepo: "/100DaysOfCloud/Backend/GithubRepo", Secret: "hunter2" },
      tags: { project: "hdoc", stage: "dev" },
    });
    const res = await r.p;
    expect(res).toMatchObject({ result: "preview", kept: false, changes: [] });
    expect(res.parameterChanges).toEqual([
      { key: "BuildComputeType", old: "BUILD_GENERAL1_SMALL", new: "BUILD_GENERAL1_MEDIUM", masked: false },
      { key: "Secret", new: "****", masked: true },
    ]);
    expect(res.tagChanges).toEqual([{ key: "owner", old: "ops" }]);
    expect(r.cfn.calls).toContain("DeleteChangeSet");
    expect(r.cfn.calls).not.toContain("ExecuteChangeSet");
    expect(r.err()).not.toContain("hunter2");
  });

  it("keeps the change set with --keep, and needs no confirmation even for prod", async () => {
    const r = start(updateSucceeds(), { stage: "prod", preview: { keep: true } }, { yes: false });
    expect(await r.p).toMatchObject({ result: "preview", kept: true, changes: expect.arrayContaining([expect.objectContaining({ logicalId: "ArtifactsBucket", replacement: "True" })]) });
    expect(r.cfn.calls).not.toContain("DeleteChangeSet");
  });

  it("previews a new stack and removes the empty stack it made", async () => {
    const r = start({ ...updateSucceeds(), initial: undefined, changes: PIPELINE_CHANGES }, { preview: { keep: false } });
    expect(await r.p).toMatchObject({ result: "preview", changeSetType: "CREATE" });
    expect(r.cfn.calls.slice(-2)).toEqual(["DeleteChangeSet", "DeleteStack"]);
  });
});
