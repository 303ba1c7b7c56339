import { describe, expect, it } from "vitest";
import { recordingIo } from "../../../test/helpers/io.ts";
import type { Io } from "../../ui/io.ts";
import { deploy, INLINE_TEMPLATE_LIMIT, type DeployInput } from "./deploy.ts";
import { EventCursor } from "./stack-events.ts";
import type { TemplateStore } from "../../aws/cloudformation.ts";
import { changesTable as renderChanges, deployView, formatEvent } from "../../commands/pipeline/view.ts";
import { CODEBUILD_REASON, createFails, noChanges, PIPELINE_CHANGES, rolledBack, ScriptedCloudFormation, updateSucceeds, type Script } from "../../../test/helpers/cloudformation-scenarios.ts";

function harness(opts: { yes?: boolean; interactive?: boolean; answer?: boolean; tty?: boolean } = {}) {
  const rec = recordingIo({ ...opts, verbose: false, confirm: opts.answer ?? true });
  return { io: rec.io, err: { text: rec.err }, out: { text: rec.out }, asked: rec.asked.confirm };
}

const input = (over: Partial<DeployInput> = {}): DeployInput => ({
  stage: "dev", stackName: "hdoc-backend-dev-codepipeline", region: "us-east-1", templateFile: "cicd/pipeline.template.yml",
  templateBody: "Resources: {}\n", parameters: { Stage: "dev" }, capabilities: ["CAPABILITY_IAM"], tags: {}, confirmChangeset: false,
  timeoutMs: 60 * 60_000, commands: { watch: "hdoc pipeline status --stage dev --watch", deploy: "hdoc pipeline deploy --stage dev" }, description: "hdoc pipeline deploy by test", ...over,
});
const view = (io: Io) => deployView(io, { stackName: "hdoc-backend-dev-codepipeline" });

const run = (script: Script, over: Partial<DeployInput> = {}, h = harness(), templates?: TemplateStore) => {
  const cfn = new ScriptedCloudFormation(script);
  const sleeps: number[] = [];
  const p = deploy(input(over), { cfn, io: h.io, view: view(h.io), sleep: async (ms) => { sleeps.push(ms); }, now: () => new Date("2026-01-01T10:00:00Z"), ...(templates ? { templates } : {}) });
  return { cfn, h, p, sleeps };
};

describe("renderChanges", () => {
  it("shows action, logical id, type and replacement (only Modify can replace)", () => {
    expect(renderChanges([...PIPELINE_CHANGES.slice(0, 1), { action: "Modify", logicalId: "Role", type: "AWS::IAM::Role", replacement: "Conditional" }, { action: "Modify", logicalId: "Project", type: "AWS::CodeBuild::Project" }])).toBe(
      [
        "Action  Logical ID       Type                     Replacement",
        "------  ---------------  -----------------------  -----------",
        "Add     ArtifactsBucket  AWS::S3::Bucket          -",
        "Modify  Role             AWS::IAM::Role           Conditional",
        "Modify  Project          AWS::CodeBuild::Project  False",
      ].join("\n"),
    );
  });
  it("says so when the change set lists no resource changes", () => {
    expect(renderChanges([])).toBe("(no resource changes listed)");
  });
});

describe("EventCursor", () => {
  it("hands out each new event once, oldest first, across NextToken pages", async () => {
    const cfn = new ScriptedCloudFormation({ ...createFails(), initial: { status: "CREATE_COMPLETE" } });
    const cursor = new EventCursor(cfn, "hdoc-backend-dev-codepipeline");
    await cursor.baseline();
    await cfn.executeChangeSet();
    await cfn.describeStack("hdoc-backend-dev-codepipeline"); // 3 events
    await cfn.describeStack("hdoc-backend-dev-codepipeline"); // 4 more: spans pages of 3
    const first = await cursor.next();
    expect(first.map((e) => `${e.logicalId}:${e.status}`)).toEqual([
      "hdoc-backend-dev-codepipeline:CREATE_IN_PROGRESS", "ArtifactsBucket:CREATE_IN_PROGRESS", "CodeBuildProject:CREATE_IN_PROGRESS",
      "ArtifactsBucket:CREATE_COMPLETE", "CodeBuildProject:CREATE_FAILED", "Pipeline:CREATE_FAILED", "hdoc-backend-dev-codepipeline:ROLLBACK_IN_PROGRESS",
    ]);
    expect(await cursor.next()).toEqual([]);
  });
});

describe("deploy", () => {
  it("creates a new stack: CREATE change set, waits, executes, streams every event once in order, returns outputs", async () => {
    const { cfn, h, p } = run({ ...rolledBack(), initial: undefined });
    const r = await p;
    expect(r).toMatchObject({ result: "executed", changeSetType: "CREATE", status: "CREATE_COMPLETE" });
    expect(r.outputs.map((o) => o.key)).toEqual(["ArtifactsBucket", "PipelineName"]);
    expect(cfn.calls.filter((c) => c.startsWith("CreateChangeSet"))).toEqual(["CreateChangeSet:CREATE"]);
    const lines = h.err.text().split("\n").filter((l) => /^\d\d:\d\d:\d\d /.test(l));
    // time, n/N over the change set's resources, status, type, ...
    expect(lines.map((l) => l.split(/\s+/)[1])).toEqual(["0/3", "0/3", "1/3", "2/3", "3/3", "3/3"]);
    expect(lines.map((l) => l.split(/\s+/).slice(2, 4).join(" "))).toEqual([
      "CREATE_IN_PROGRESS AWS::CloudFormation::Stack", "CREATE_IN_PROGRESS AWS::S3::Bucket", "CREATE_COMPLETE AWS::S3::Bucket",
      "CREATE_COMPLETE AWS::CodeBuild::Project", "CREATE_COMPLETE AWS::CodePipeline::Pipeline", "CREATE_COMPLETE AWS::CloudFormation::Stack",
    ]);
    expect(h.err.text()).toContain("Add     CodeBuildProject");
  });

  it("updates an existing stack and shows replacements in the change set table", async () => {
    const { cfn, h, p } = run(updateSucceeds());
    expect(await p).toMatchObject({ changeSetType: "UPDATE", status: "UPDATE_COMPLETE" });
    expect(cfn.calls).toContain("CreateChangeSet:UPDATE");
    expect(h.err.text()).toMatch(/Modify\s+ArtifactsBucket\s+AWS::S3::Bucket\s+True/);
  });

  it("reports a change set FAILED with \"didn't contain changes\" as no changes and deletes it", async () => {
    const { cfn, h, p } = run(noChanges());
    expect(await p).toMatchObject({ result: "no-changes", status: "UPDATE_COMPLETE" });
    expect(cfn.calls).toContain("DeleteChangeSet");
    expect(cfn.calls).not.toContain("ExecuteChangeSet");
    expect(h.err.text()).toContain("no changes");
  });

  it("treats moto's ValidationError at creation (adapter: noChanges) as no changes", async () => {
    const cfn = new ScriptedCloudFormation(updateSucceeds());
    cfn.createChangeSet = async () => ({ noChanges: true as const, reason: "No updates are to be performed." });
    const h = harness();
    const r = await deploy(input(), { cfn, io: h.io, view: view(h.io), sleep: async () => {}, now: () => new Date() });
    expect(r.result).toBe("no-changes");
    expect(cfn.calls).not.toContain("ExecuteChangeSet");
  });

  it("on failure lists the failed resources with their reasons and exits FAILED (7)", async () => {
    const { cfn, h, p } = run(createFails());
    // the headline is the root cause; the stack's state is in the hint
    await expect(p).rejects.toMatchObject({ code: "FAILED", exitCode: 7, message: `deploy of stack hdoc-backend-dev-codepipeline failed: CodeBuildProject CREATE_FAILED: ${CODEBUILD_REASON}`, hint: expect.stringContaining("the stack is ROLLBACK_COMPLETE") });
    expect(h.err.text()).toMatch(/failed resources:[\s\S]*CodeBuildProject\s+AWS::CodeBuild::Project\s+CREATE_FAILED\s+Resource handler returned message/);
    expect(h.err.text()).toContain(CODEBUILD_REASON);
    expect(cfn.calls).toContain("ExecuteChangeSet");
  });

  it("refuses a ROLLBACK_COMPLETE stack non-interactively without --yes, deleting nothing (exit 8)", async () => {
    const { cfn, h, p } = run(rolledBack());
    await expect(p).rejects.toMatchObject({ code: "ABORTED" });
    expect(h.err.text()).toContain("ROLLBACK_COMPLETE: its first creation failed");
    expect(cfn.calls).not.toContain("DeleteStack");
  });

  it("deletes and recreates a ROLLBACK_COMPLETE stack once confirmed", async () => {
    const { cfn, p } = run(rolledBack(), {}, harness({ interactive: true, answer: true }));
    expect(await p).toMatchObject({ changeSetType: "CREATE", status: "CREATE_COMPLETE" });
    expect(cfn.calls.indexOf("DeleteStack")).toBeLessThan(cfn.calls.indexOf("CreateChangeSet:CREATE"));
  });

  it("always asks for prod, even with confirm_changeset false; declining executes nothing and deletes the change set", async () => {
    const h = harness({ interactive: true, answer: false });
    const { cfn, p } = run(updateSucceeds(), { stage: "prod", confirmChangeset: false }, h);
    await expect(p).rejects.toMatchObject({ code: "DECLINED", message: expect.stringContaining("nothing was executed") });
    expect(h.asked).toHaveLength(1);
    expect(cfn.calls).not.toContain("ExecuteChangeSet");
    expect(cfn.calls).toContain("DeleteChangeSet");
  });

  it("refuses prod non-interactively without --yes (exit 8) before any AWS call, and executes with --yes", async () => {
    const refused = run(updateSucceeds(), { stage: "prod" });
    await expect(refused.p).rejects.toMatchObject({ exitCode: 8, message: expect.stringContaining("nothing was done") });
    expect(refused.cfn.calls).toEqual([]);
    const yes = run(updateSucceeds(), { stage: "prod" }, harness({ yes: true }));
    expect(await yes.p).toMatchObject({ status: "UPDATE_COMPLETE" });
  });

  it("does not ask for dev when confirm_changeset is false", async () => {
    const h = harness({ interactive: true });
    await run(updateSucceeds(), { confirmChangeset: false }, h).p;
    expect(h.asked).toEqual([]);
  });

  it("uploads a template over 51,200 bytes to the bucket and passes its URL", async () => {
    const big = "Resources: {}\n" + "# padding\n".repeat(INLINE_TEMPLATE_LIMIT / 10 + 1);
    const uploads: string[] = [];
    const store: TemplateStore = { upload: async (b, k) => { uploads.push(`${b}/${k}`); return `https://s3.example/${b}/${k}`; } };
    const { cfn, p } = run(updateSucceeds(), { templateBody: big }, harness(), store);
    await p;
    expect(uploads).toHaveLength(1);
    expect(uploads[0]).toMatch(/^hdoc-backend-dev-codepipeline-artifactsbucket-1abc\/hdoc-backend-dev-codepipeline\/[0-9a-f]{16}\.template\.yml$/);
    expect(cfn.created[0]).toMatchObject({ templateUrl: `https://s3.example/${uploads[0]}` });
    expect(cfn.created[0]!.templateBody).toBeUndefined();
  });

  it("refuses a template over the limit clearly when no bucket is known", async () => {
    const big = "x".repeat(INLINE_TEMPLATE_LIMIT + 1);
    const { cfn, p } = run({ ...rolledBack(), initial: undefined }, { templateBody: big }, harness(), { upload: async () => "u" });
    await expect(p).rejects.toThrow(/51,201 bytes, over CloudFormation's 51,200-byte limit.*no artifacts bucket is known for stage dev/);
    expect(cfn.calls.some((c) => c.startsWith("CreateChangeSet"))).toBe(false);
  });

  it("on a terminal prints every event as its own line, fitted to the width, above the status line", async () => {
    const h = harness({ tty: true });
    await run(updateSucceeds(), {}, h).p;
    // what a terminal keeps of each row: the text after its last "clear line"
    const rows = h.err.text().split("\n").map((l) => l.split("\r\u001b[2K").pop()!);
    const events = rows.filter((l) => /^\d\d:\d\d:\d\d /.test(l)).map((l) => l.split(/\s+/).slice(1, 3).join(" "));
    expect(events).toEqual([
      "UPDATE_IN_PROGRESS hdoc-backend-dev-codepipeline", "UPDATE_IN_PROGRESS CodeBuildProject", "UPDATE_COMPLETE CodeBuildProject",
      "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS hdoc-backend-dev-codepipeline", "UPDATE_COMPLETE hdoc-backend-dev-codepipeline",
    ]);
    for (const r of rows) expect([...r].length).toBeLessThanOrEqual(80);
  });

  it("formats an event with time, status, type, logical id and reason", () => {
    const line = formatEvent({ id: "1", timestamp: new Date(2026, 0, 1, 9, 5, 7), logicalId: "P", type: "AWS::CodePipeline::Pipeline", status: "CREATE_FAILED", reason: "boom", stack: "", path: "P" });
    expect(line).toMatch(/^09:05:07 {2}CREATE_FAILED\s+AWS::CodePipeline::Pipeline\s+P {4}boom$/);
  });

  it("prefixes an event inside a nested stack with the stack, and counts n/N", () => {
    const line = formatEvent({ id: "1", timestamp: new Date(2026, 0, 1, 9, 5, 7), logicalId: "GetUserFunction", type: "AWS::Lambda::Function", status: "CREATE_COMPLETE", stack: "Api", path: "Api/GetUserFunction" }, { done: 3, total: 12 });
    expect(line).toMatch(/^09:05:07 {3}3\/12 {2}CREATE_COMPLETE\s+AWS::Lambda::Function\s+Api\/GetUserFunction$/);
  });
});
