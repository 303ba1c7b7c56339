/**
 * Ctrl-C at each phase of `hdoc pipeline deploy` (the built binary, a real SIGINT), and the live view in
 * an 80-column terminal, against the CloudFormation replay endpoint.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { execa } from "execa";
import { cleanEnv, HDOC_BIN, REPO_ROOT, runHdocInTerminal, tempHome } from "../helpers/hdoc.ts";
import { type CloudFormationEndpoint, type ScenarioName } from "../helpers/cloudformation-endpoint.ts";
import { startPipelineReplay, type PipelineReplay } from "../helpers/pipeline-replay.ts";

const STACK = "hdoc-backend-dev-codepipeline";
const h = tempHome();
let replay: CloudFormationEndpoint;
/** the stage's connection in front of the replay (deploy checks it first) */
let front: PipelineReplay;

beforeAll(async () => {
  writeFileSync(h.credentialsFile, "[mfa]\naws_access_key_id = AKIAPIPELINETEST0003\naws_secret_access_key = interrupt-secret-key-value\n");
  front = await startPipelineReplay();
  replay = front.replay;
});
afterAll(async () => {
  await front?.stop();
  h.cleanup();
});

/** Starts a deploy, presses Ctrl-C (SIGINT) `times` times once `when` resolves, and returns what it said. */
async function interrupt(scenario: ScenarioName, when: () => Promise<void>, opts: { times?: number; args?: string[] } = {}) {
  replay.load(scenario);
  const child = execa("node", [HDOC_BIN, "pipeline", "deploy", "--stage", "dev", "--yes", "--endpoint-url", front.url, ...(opts.args ?? [])], {
    cwd: REPO_ROOT, env: cleanEnv(h.home), extendEnv: false, reject: false, stdin: "ignore", timeout: 60_000,
  });
  await when();
  for (let i = 0; i < (opts.times ?? 1); i++) {
    child.kill("SIGINT");
    await new Promise((r) => setTimeout(r, 100));
  }
  const r = await child;
  return { exitCode: r.exitCode, stderr: String(r.stderr), stdout: String(r.stdout) };
}
const after = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

describe("Ctrl-C says what state things are in, and tidies", () => {
  it("during CreateChangeSet (the call in flight): deletes the change set and the empty stack this run created", async () => {
    const r = await interrupt("createFails", async () => {
      replay.delay("CreateChangeSet", 800);
      await replay.waitFor("CreateChangeSet");
    });
    expect(r.exitCode).toBe(130);
    expect(r.stderr).toMatch(/interrupted: nothing was executed on stack hdoc-backend-dev-codepipeline \(change set hdoc-dev-\S+ deleted; the empty stack hdoc-backend-dev-codepipeline \(REVIEW_IN_PROGRESS\) this run created deleted\)/);
    expect(replay.calls.slice(-2)).toEqual(["DeleteChangeSet", "DeleteStack"]);
    expect(replay.calls).not.toContain("ExecuteChangeSet");
  });

  it("while waiting for the change set: deletes it (the stack existed before: it stays)", async () => {
    const r = await interrupt("slowChangeSet", () => replay.waitFor("DescribeChangeSet").then(() => after(300)));
    expect(r.exitCode).toBe(130);
    expect(r.stderr).toMatch(/interrupted: nothing was executed on stack \S+ \(change set hdoc-dev-\S+ deleted\)/);
    expect(replay.calls).toContain("DeleteChangeSet");
    expect(replay.calls).not.toContain("DeleteStack");
  });

  it("after ExecuteChangeSet: says CloudFormation goes on, and how to follow or cancel it; deletes nothing", async () => {
    const r = await interrupt("slowUpdate", () => replay.waitFor("ExecuteChangeSet").then(() => after(500)));
    expect(r.exitCode).toBe(130);
    expect(r.stderr).toContain(`interrupted: CloudFormation goes on with the update of stack ${STACK}; hdoc stopped watching`);
    expect(r.stderr).toContain("hint: follow it with `hdoc pipeline status --stage dev --watch`, or cancel it with `aws cloudformation cancel-update-stack --stack-name hdoc-backend-dev-codepipeline`");
    expect(replay.calls).not.toContain("DeleteChangeSet");
  });

  it("between deleting a ROLLBACK_COMPLETE stack and creating it again: says it is being deleted and what comes next", async () => {
    const r = await interrupt("rolledBack", () => replay.waitFor("DeleteStack"));
    expect(r.exitCode).toBe(130);
    expect(r.stderr).toContain(`interrupted: stack ${STACK} is being deleted (it was ROLLBACK_COMPLETE); CloudFormation goes on with the delete`);
    expect(r.stderr).toContain("then `hdoc pipeline deploy --stage dev` creates it again");
    expect(replay.calls).not.toContain("CreateChangeSet");
  });

  it("a second Ctrl-C forces, saying what may be left", async () => {
    const r = await interrupt(
      "slowUpdate",
      async () => {
        await replay.waitFor("ExecuteChangeSet");
        replay.delay("DescribeStacks", 3000); // the first Ctrl-C waits for this call to end
        await replay.waitFor("DescribeStacks");
      },
      { times: 2 },
    );
    expect(r.exitCode).toBe(130);
    expect(r.stderr).toContain("interrupted again: stopping now");
    expect(r.stderr).toContain(`CloudFormation goes on with stack ${STACK}: follow it with \`hdoc pipeline status --stage dev --watch\``);
  });

  it("at the confirmation prompt (Ctrl-C typed in the terminal): nothing executed, the change set deleted", async () => {
    replay.load("updateSucceeds");
    const r = await runHdocInTerminal(["pipeline", "deploy", "--stage", "dev", "--endpoint-url", front.url], { home: h.home, keys: [{ after: "Execute this change set", send: "\u0003" }] });
    expect(r.exitCode).toBe(130);
    expect(r.output).toMatch(/interrupted: nothing was executed on stack \S+ \(change set hdoc-dev-\S+ deleted\)/);
    expect(replay.calls).not.toContain("ExecuteChangeSet");
  });
});

describe("the live view in an 80-column terminal", () => {
  it("prints every event on its own row, no row over 80 columns, with n/N, the activity and elapsed time at the bottom, and one summary", async () => {
    replay.load("manyEvents");
    const results = path.join(h.home, "deploy.stdout");
    const r = await runHdocInTerminal(["pipeline", "deploy", "--stage", "dev", "--yes", "--endpoint-url", front.url], { home: h.home, keys: [], columns: 80, stdoutFile: results });
    expect(r.exitCode, r.output).toBe(0);
    const long = r.screen.filter((row) => [...row].length > 80);
    expect(long).toEqual([]);
    const events = r.screen.filter((row) => /^\d\d:\d\d:\d\d /.test(row));
    // each logical id is cut in the middle, so its distinguishing end stays on screen
    for (let i = 1; i <= 12; i++) {
      for (const status of ["CREATE_IN_PROGRESS", "CREATE_COMPLETE"]) {
        expect(events.filter((row) => new RegExp(`${status} +VeryLong\\S*…\\S*Number${i}\\b`).test(row)), `${status} Number${i}`).toHaveLength(1);
      }
    }
    expect(events.filter((row) => row.includes("…")).length).toBeGreaterThan(0); // cut, not wrapped
    expect(r.output).toMatch(/\d+\/12 resources · \S.* · \d+s/);
    // the end: one summary line (the result, on stdout), not a second one on the terminal
    expect(readFileSync(results, "utf8")).toMatch(new RegExp(`^stack ${STACK}: UPDATE_COMPLETE in \\d+s \\(stage dev, us-east-1\\)$`, "m"));
    expect(r.output).not.toMatch(/UPDATE_COMPLETE \(\d+ events?\)/);
  });
});
