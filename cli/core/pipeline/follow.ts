/**
 * Following a stack until CloudFormation settles it: each new event to the view, bounded by a deadline.
 * After ExecuteChangeSet the change set's ExecutionStatus is watched together with the stack's status,
 * so a stack that looks settled before the execution began is not taken for done, and a status
 * CloudFormation will not leave by itself (REVIEW_IN_PROGRESS after execute, an execution that never
 * starts) is reported instead of waited on.
 */
import { HdocError } from "../../errors.ts";
import { formatElapsed } from "../../ui/time.ts";
import type { CloudFormationApi, StackInfo } from "../../aws/cloudformation.ts";
import type { DeployView } from "./deploy-view.ts";
import type { NestedChange } from "./nested-changes.ts";
import { progress } from "./root-cause.ts";
import { EventCursor, type TaggedEvent } from "./stack-events.ts";
import { isSettled } from "./stack-state.ts";
import { Interrupted, pollUntil, TimedOut, type WaitDeps } from "./waits.ts";

/** The commands messages point to (the pipeline's, or another stack's). */
export interface FollowCommands {
  /** e.g. "hdoc pipeline status --stage dev --watch" */
  watch: string;
  /** e.g. "hdoc pipeline deploy --stage dev" */
  deploy: string;
}

export interface FollowInput {
  stackName: string;
  /** What DescribeStacks is asked for: the stack's ARN when known (a CREATE over REVIEW_IN_PROGRESS), else its name. */
  stackRef: string;
  timeoutMs: number;
  /** After ExecuteChangeSet: the change set whose ExecutionStatus is watched with the stack. */
  changeSetId?: string;
  /** What the change set touches (nested stacks' resources included): the N of n/N. */
  changes?: NestedChange[];
  commands: FollowCommands;
}

export interface FollowDeps extends WaitDeps {
  cfn: CloudFormationApi;
  view: DeployView;
}

/** How long an executed change set may stay AVAILABLE (not started) before that is reported. */
const START_GRACE_MS = 30_000;
const RUNNING = new Set(["EXECUTE_IN_PROGRESS"]);

export async function followStack(input: FollowInput, cursor: EventCursor, deps: FollowDeps): Promise<{ stack: StackInfo; events: TaggedEvent[] }> {
  const events: TaggedEvent[] = [];
  const drain = async () => {
    for (const e of await cursor.next()) {
      events.push(e);
      deps.view.event(e, progress(input.changes ?? [], events, input.stackName));
    }
  };
  const grace = Math.min(START_GRACE_MS, input.timeoutMs);
  try {
    return await pollUntil<StackInfo>(input.timeoutMs, deps, async (elapsed) => {
      await drain();
      const stack = await deps.cfn.describeStack(input.stackRef);
      if (!stack || stack.status === "DELETE_COMPLETE") {
        throw new HdocError("FAILED", `stack ${input.stackName} disappeared while it was being deployed`, `someone deleted it; run \`${input.commands.deploy}\` to create it again`);
      }
      deps.view.activity(stack.status);
      if (!isSettled(stack.status)) return { done: false, last: stack };
      if (input.changeSetId) {
        const cs = await deps.cfn.describeChangeSet(input.changeSetId, input.stackRef);
        const ex = cs.executionStatus ?? "UNKNOWN";
        if (RUNNING.has(ex) || (ex === "AVAILABLE" && elapsed < grace)) return { done: false, last: stack };
        if (ex === "AVAILABLE" || stack.status === "REVIEW_IN_PROGRESS") throw stuck(input, stack, ex, elapsed);
      }
      await drain();
      return { done: true, value: stack };
    }).then((stack) => ({ stack, events }));
  } catch (e) {
    if (e instanceof TimedOut) throw timedOut(input, (e.last as StackInfo | undefined)?.status ?? "UNKNOWN", e.elapsedMs);
    throw e;
  }
}

function stuck(input: FollowInput, stack: StackInfo, executionStatus: string, elapsedMs: number): HdocError {
  const what = executionStatus === "AVAILABLE" ? "never started executing" : `is ${executionStatus}`;
  return new HdocError(
    "FAILED",
    `stack ${input.stackName} is in ${stack.status} and its change set ${what} after ${formatElapsed(elapsedMs)}: CloudFormation will not leave this state by itself`,
    stack.status === "REVIEW_IN_PROGRESS"
      ? `nothing was deployed into it; see its events with \`${input.commands.watch}\`, then run \`${input.commands.deploy}\` again (or delete the empty stack)`
      : `see the stack's events with \`${input.commands.watch}\`, then run \`${input.commands.deploy}\` again`,
  );
}

/** The deadline passed: CloudFormation goes on; say how to follow or cancel. */
export function timedOut(input: Pick<FollowInput, "stackName" | "commands">, status: string, elapsedMs: number): HdocError {
  return new HdocError(
    "FAILED",
    `stack ${input.stackName} is still ${status} after ${formatElapsed(elapsedMs)} (--timeout); CloudFormation goes on with it`,
    `follow it with \`${input.commands.watch}\`${status.startsWith("UPDATE_") && !status.includes("ROLLBACK") ? `, or cancel it with \`aws cloudformation cancel-update-stack --stack-name ${input.stackName}\`` : ""}`,
  );
}

/** `status --watch`: follows a changing stack until it settles (bounded); Ctrl-C only stops the watching. */
export async function watchStack(input: Omit<FollowInput, "stackRef" | "changeSetId">, deps: FollowDeps): Promise<StackInfo | undefined> {
  const first = await deps.cfn.describeStack(input.stackName);
  if (!first || isSettled(first.status)) return first;
  const cursor = new EventCursor(deps.cfn, first.stackId, undefined, input.stackName);
  await cursor.baseline();
  deps.view.note(`following stack ${input.stackName} (${first.status}) ...`);
  try {
    return (await followStack({ ...input, stackRef: first.stackId }, cursor, deps)).stack;
  } catch (e) {
    if (e instanceof Interrupted) throw new HdocError("INTERRUPTED", `stopped watching; CloudFormation goes on with stack ${input.stackName}`, `follow it again with \`${input.commands.watch}\``);
    throw e;
  }
}
