/**
 * What a deploy checks before it changes anything: that a confirmation it will need can be given
 * (before any AWS call), and that the stack can be deployed over: not busy (an operation in flight, or
 * another hdoc run's change set pending), not stuck in a *_FAILED state. Never raced, never guessed.
 */
import { hostname, userInfo } from "node:os";
import { HdocError } from "../../errors.ts";
import type { Io } from "../../ui/io.ts";
import type { ChangeSetSummary, CloudFormationApi, StackInfo } from "../../aws/cloudformation.ts";
import type { FollowCommands } from "./follow.ts";
import { stackState } from "./stack-state.ts";

/** Another run's AVAILABLE change set younger than this is taken as waiting for its confirmation. */
export const PENDING_CONFIRMATION_MS = 15 * 60_000;
const BEING_MADE = new Set(["CREATE_PENDING", "CREATE_IN_PROGRESS"]);
/** Every change set hdoc makes says so in its Description (and who made it). */
export const HDOC_MARK = "hdoc ";

/** "hdoc pipeline deploy by ana@laptop, pid 4242": written into the change set, read by the next run. */
export function changeSetDescription(command: string, pid = process.pid): string {
  let user = "unknown";
  try {
    user = userInfo().username;
  } catch {
    // no passwd entry (containers): keep "unknown"
  }
  return `${HDOC_MARK}${command} by ${user}@${hostname()}, pid ${pid}`;
}

/**
 * Refuses, before any AWS call, a deploy that will need a confirmation it cannot get (no terminal, no
 * --yes): nothing is created and nothing is left behind.
 */
export function assertConfirmable(needed: boolean, io: Io, what: string): void {
  if (!needed || io.yes || io.interactive) return;
  throw new HdocError("ABORTED", `${what} needs a confirmation, and this is not an interactive terminal: nothing was done`, "re-run in a terminal to confirm, or pass --yes");
}

/** The commands whose change sets are previews: never executed by hdoc, so never waiting for a confirmation. */
const PREVIEW_COMMANDS = ["diff", "pipeline diff"];
const isPreview = (description: string) => PREVIEW_COMMANDS.some((command) => description.startsWith(`${HDOC_MARK}${command} by `));

/**
 * Change sets of other runs that are being made, executing, or (recently made by a deploy) waiting for a
 * confirmation. A preview's change set kept with --keep waits for no one: it is a leftover, not a deploy.
 */
export function pendingChangeSets(all: ChangeSetSummary[], now: Date): ChangeSetSummary[] {
  return all.filter((c) => {
    if (BEING_MADE.has(c.status) || c.executionStatus === "EXECUTE_IN_PROGRESS") return true;
    const description = c.description ?? "";
    return c.executionStatus === "AVAILABLE" && description.startsWith(HDOC_MARK) && !isPreview(description) && c.creationTime !== undefined && now.getTime() - c.creationTime.getTime() < PENDING_CONFIRMATION_MS;
  });
}

export interface StackCheck {
  stackName: string;
  commands: FollowCommands;
}

/** Refuses a stack that cannot be deployed over now; returns the change sets left by earlier runs. */
export async function assertDeployable(input: StackCheck, existing: StackInfo | undefined, deps: { cfn: CloudFormationApi; now(): Date }): Promise<ChangeSetSummary[]> {
  if (!existing || existing.status === "ROLLBACK_COMPLETE") return [];
  const { state } = stackState(existing.status);
  if (state === "busy") {
    throw new HdocError(
      "BUSY",
      `stack ${input.stackName} is busy: ${existing.status}${existing.statusReason ? ` (${existing.statusReason})` : ""}; not deploying over it`,
      `follow it with \`${input.commands.watch}\`, then deploy again`,
    );
  }
  if (state === "failed") {
    throw new HdocError(
      "FAILED",
      `stack ${input.stackName} is in ${existing.status} and cannot be updated`,
      existing.status === "UPDATE_ROLLBACK_FAILED" ? "continue the rollback in the CloudFormation console (or `aws cloudformation continue-update-rollback`), then deploy again" : "resolve it in the CloudFormation console, then deploy again",
    );
  }
  const all = await deps.cfn.listChangeSets(input.stackName);
  const pending = pendingChangeSets(all, deps.now());
  if (pending.length) {
    const c = pending[0]!;
    const who = c.description ? ` (${c.description})` : "";
    const since = c.creationTime ? `, made ${c.creationTime.toISOString()}` : "";
    throw new HdocError(
      "BUSY",
      `stack ${input.stackName} has another deploy in flight: change set ${c.name} is ${c.executionStatus === "AVAILABLE" ? "waiting to be executed" : (c.executionStatus ?? c.status)}${who}${since}`,
      `let it finish and follow it with \`${input.commands.watch}\`; if that run is gone, delete its change set with \`aws cloudformation delete-change-set --stack-name ${input.stackName} --change-set-name ${c.name}\``,
    );
  }
  return all.filter((c) => c.executionStatus === "AVAILABLE");
}
