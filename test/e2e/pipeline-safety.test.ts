/**
 * `hdoc pipeline deploy|diff|status` end to end against the CloudFormation replay endpoint, for what moto
 * cannot produce: stuck states, busy stacks, another deploy in flight, OBSOLETE change sets, a deploy
 * failing halfway, parameter-only changes; and the exit code of `status` for every state.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeFileSync } from "node:fs";
import { runHdoc, tempHome } from "../helpers/hdoc.ts";
import { type CloudFormationEndpoint, type ScenarioName } from "../helpers/cloudformation-endpoint.ts";
import { startPipelineReplay, type PipelineReplay } from "../helpers/pipeline-replay.ts";

const STACK = "hdoc-backend-dev-codepipeline";
const h = tempHome();
let replay: CloudFormationEndpoint;
/** the stage's connection in front of the replay (deploy checks it first) */
let front: PipelineReplay;
const hdoc = (args: string[], timeoutMs = 60_000) => runHdoc([...args, "--endpoint-url", front.url], { home: h.home, timeoutMs });
const created = () => replay.calls.filter((c) => c === "CreateChangeSet").length;

beforeAll(async () => {
  writeFileSync(h.credentialsFile, "[mfa]\naws_access_key_id = AKIAPIPELINETEST0002\naws_secret_access_key = safety-secret-key-value\n");
  front = await startPipelineReplay();
  replay = front.replay;
});
afterAll(async () => {
  await front?.stop();
  h.cleanup();
});

describe("status: the exit code says what state the stack is in (--json carries the same)", () => {
  it.each<[ScenarioName | "missing", string, number, string, boolean]>([
    ["updateSucceeds", "CREATE_COMPLETE", 0, "healthy", true],
    ["busyStack", "UPDATE_IN_PROGRESS", 10, "busy", false],
    ["reviewStuck", "REVIEW_IN_PROGRESS", 11, "not-deployed", false],
    ["rollbackFailed", "UPDATE_ROLLBACK_FAILED", 9, "failed", false],
    ["rolledBack", "ROLLBACK_COMPLETE", 12, "rolled-back", false],
    ["updateRolledBack", "UPDATE_ROLLBACK_COMPLETE", 12, "rolled-back", false],
    ["missing", "", 6, "missing", false],
  ])("%s: %s -> exit %i (%s)", async (scenario, status, code, state, healthy) => {
    replay.load(scenario === "missing" ? "createFails" : scenario);
    const json = await hdoc(["pipeline", "status", "--stage", "dev", "--json"]);
    expect(json.exitCode, json.stderr).toBe(code);
    expect(JSON.parse(json.stdout)).toMatchObject({ state, exitCode: code, healthy, ...(status ? { status } : { status: null }), meaning: expect.any(String) });
    const text = await hdoc(["pipeline", "status", "--stage", "dev"]);
    expect(text.exitCode).toBe(code);
    if (status) expect(text.stdout).toMatch(new RegExp(`^status: +${status}`, "m"));
  });

  it("--watch follows a changing stack to its end, then reports it (exit 0)", async () => {
    replay.load("runningUpdate");
    const r = await hdoc(["pipeline", "status", "--stage", "dev", "--watch"]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).toContain(`following stack ${STACK} (UPDATE_IN_PROGRESS) ...`);
    expect(r.stderr).toMatch(/UPDATE_COMPLETE +AWS::CodeBuild::Project +CodeBuildProject/);
    expect(r.stdout).toMatch(/^status: +UPDATE_COMPLETE$/m);
  });
});

describe("deploy never hangs and never races", () => {
  it("a stack left in REVIEW_IN_PROGRESS whose execution never starts: reported within --timeout, exit 7, naming the state and the next command", async () => {
    replay.load("reviewStuck");
    const r = await hdoc(["pipeline", "deploy", "--stage", "dev", "--yes", "--timeout", "3s"], 30_000);
    expect(r.exitCode, r.stderr).toBe(7);
    expect(r.stderr).toMatch(/error: stack \S+ is in REVIEW_IN_PROGRESS and its change set never started executing after \ds: CloudFormation will not leave this state by itself/);
    expect(r.stderr).toContain("hdoc pipeline deploy --stage dev");
  });

  it("an update still running at --timeout: says CloudFormation goes on and how to follow or cancel it (exit 7)", async () => {
    replay.load("slowUpdate");
    const r = await hdoc(["pipeline", "deploy", "--stage", "dev", "--yes", "--timeout", "3s"], 30_000);
    expect(r.exitCode, r.stderr).toBe(7);
    expect(r.stderr).toMatch(/error: stack \S+ is still UPDATE_IN_PROGRESS after \ds \(--timeout\); CloudFormation goes on with it/);
    expect(r.stderr).toContain("hdoc pipeline status --stage dev --watch");
    expect(r.stderr).toContain(`aws cloudformation cancel-update-stack --stack-name ${STACK}`);
  });

  it("refuses a busy stack with how to follow it, making no change set (exit 10)", async () => {
    replay.load("busyStack");
    const r = await hdoc(["pipeline", "deploy", "--stage", "dev", "--yes"]);
    expect(r.exitCode).toBe(10);
    expect(r.stderr).toContain(`error: stack ${STACK} is busy: UPDATE_IN_PROGRESS`);
    expect(r.stderr).toContain("hint: follow it with `hdoc pipeline status --stage dev --watch`");
    expect(created()).toBe(0);
  });

  it("refuses while another deploy is in flight, saying who (exit 10)", async () => {
    replay.load("secondDeploy");
    const r = await hdoc(["pipeline", "deploy", "--stage", "dev", "--yes"]);
    expect(r.exitCode).toBe(10);
    expect(r.stderr).toContain("another deploy in flight: change set hdoc-dev-20260101-095900-aaaaaa is waiting to be executed (hdoc pipeline deploy by ana@laptop, pid 4242)");
    expect(created()).toBe(0);
  });

  it("does not execute an OBSOLETE change set: says so and deletes it (exit 7)", async () => {
    replay.load("obsoleteChangeSet");
    const r = await hdoc(["pipeline", "deploy", "--stage", "dev", "--yes"]);
    expect(r.exitCode).toBe(7);
    expect(r.stderr).toMatch(/error: change set hdoc-dev-\S+ is OBSOLETE: the stack changed after it was made/);
    expect(replay.calls).not.toContain("ExecuteChangeSet");
    expect(replay.calls).toContain("DeleteChangeSet");
  });

  it("an update failing halfway: the failed resource and its reason, the rolled-back state, one summary (exit 7)", async () => {
    replay.load("updateFails");
    const r = await hdoc(["pipeline", "deploy", "--stage", "dev", "--yes"]);
    expect(r.exitCode).toBe(7);
    expect(r.stderr).toContain("error: deploy of stack hdoc-backend-dev-codepipeline failed: Pipeline UPDATE_FAILED: Resource handler returned message");
    expect(r.stderr).toContain("hint: the stack is UPDATE_ROLLBACK_COMPLETE");
    const status = await hdoc(["pipeline", "status", "--stage", "dev"]);
    expect(status.exitCode).toBe(12); // the scripted stack stays as the deploy left it
  });

  it("the change set's Description says who is deploying (read by the next run)", async () => {
    replay.load("noChanges");
    await hdoc(["pipeline", "deploy", "--stage", "dev", "--yes"]);
    expect(replay.createForms[0]?.Description).toMatch(/^hdoc pipeline deploy by \S+@\S+, pid \d+$/);
  });
});

describe("preview: hdoc pipeline diff and deploy --no-execute", () => {
  it("diff shows parameter changes old -> new and tag changes when no resource changes, deletes the change set, exit 0", async () => {
    replay.load("parameterOnly");
    const r = await hdoc(["pipeline", "diff", "--stage", "dev", "--parameter-overrides", "BuildComputeType=BUILD_GENERAL1_MEDIUM"]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toContain("(no resource changes listed)");
    expect(r.stdout).toMatch(/^BuildComputeType +BUILD_GENERAL1_SMALL +BUILD_GENERAL1_MEDIUM$/m);
    expect(r.stdout).toMatch(/^owner +ops +\(none\)$/m);
    expect(r.stdout).toContain("nothing executed: change set deleted");
    expect(replay.calls).toContain("DeleteChangeSet");
    expect(replay.calls).not.toContain("ExecuteChangeSet");
  });

  it("deploy --no-execute-changeset (SAM's name) previews too; prod needs no --yes for a preview; --keep keeps it; --json", async () => {
    replay.load("updateSucceeds");
    const r = await hdoc(["pipeline", "deploy", "--stage", "prod", "--no-execute-changeset", "--keep", "--json", "--stack-name", STACK]);
    expect(r.exitCode, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({ result: "preview", kept: true, changes: expect.arrayContaining([expect.objectContaining({ logicalId: "ArtifactsBucket", replacement: "True" })]) });
    expect(replay.calls).not.toContain("DeleteChangeSet");
    expect(replay.calls).not.toContain("ExecuteChangeSet");
  });
});
