/**
 * Deploying one stack through a change set, as real CloudFormation behaves (asynchronous change sets and
 * executions, per-resource events): check, create the change set, wait, show, confirm, execute, follow
 * to a settled status. Stack-agnostic (the pipeline's specifics come in `input`), every wait bounded,
 * Ctrl-C tidied (deploy-state.ts). Nested stacks are first-class: with `includeNestedStacks` the preview
 * lists the changes inside each nested stack, and every nested stack's events are followed and counted
 * with the root's. Everything it touches comes in `deps`; it never renders.
 */
import { randomBytes } from "node:crypto";
import { HdocError, interruptedOr, isHdocError } from "../../errors.ts";
import type { Io } from "../../ui/io.ts";
import { formatElapsed } from "../../ui/time.ts";
import type { ChangeSetInfo, CloudFormationApi, StackInfo, StackOutput, TemplateStore } from "../../aws/cloudformation.ts";
import { isNoChangesReason } from "../../aws/cloudformation.ts";
import type { ChangeSetPreview, DeployView, ParameterChange, TagChange } from "./deploy-view.ts";
import { DeployState } from "./deploy-state.ts";
import { followStack, type FollowCommands } from "./follow.ts";
import { assertConfirmable, assertDeployable } from "./preflight.ts";
import { parameterChanges, tagChanges } from "./preview.ts";
import { expandNestedChanges, type NestedChange } from "./nested-changes.ts";
import { failedResources, rootCause } from "./root-cause.ts";
import { EventCursor, type TaggedEvent } from "./stack-events.ts";
import { STABLE } from "./stack-state.ts";
import { templateSource, type TemplateInput } from "./template-source.ts";
import { checkpoint, Interrupted, pollUntil, step, TimedOut, type WaitDeps } from "./waits.ts";

export { INLINE_TEMPLATE_LIMIT } from "./template-source.ts";
export type { DeployView } from "./deploy-view.ts";

export interface DeployInput extends TemplateInput {
  region: string;
  parameters: Record<string, string>;
  capabilities: string[];
  tags: Record<string, string>;
  /** Ask before executing (samconfig's confirm_changeset); prod always asks. */
  confirmChangeset: boolean;
  /** Stop once the change set is shown (diff, --no-execute): deleted unless `keep`. */
  preview?: { keep: boolean };
  /** Bound on each stack operation (execute, delete). */
  timeoutMs: number;
  /** Bound on making the change set (default: the smaller of timeoutMs and 15 minutes). */
  changeSetTimeoutMs?: number;
  /** The commands the messages point to. */
  commands: FollowCommands;
  /** Written into the change set's Description: who is deploying (another run reads it). */
  description: string;
  /** Parameters shown masked in the preview besides NoEcho ones. */
  isSecret?(key: string): boolean;
  /** Change sets for the nested stacks too (IncludeNestedStacks), described into the preview. */
  includeNestedStacks?: boolean;
  /** The role CloudFormation deploys with. */
  roleArn?: string;
}

export interface DeployDeps extends WaitDeps {
  cfn: CloudFormationApi;
  view: DeployView;
  templates?: TemplateStore;
  /** Confirmations only (all output goes through the view). */
  io: Io;
  changeSetName?(): string;
  /** Read-only checks run before anything is changed (the stack as found, or undefined): throw an HdocError to stop. */
  preflight?: Array<(existing: StackInfo | undefined) => Promise<void>>;
  /** Where the run is (the command reads it for a forced exit); made here when not given. */
  state?: DeployState;
}

export interface DeployResult {
  stage: string;
  stackName: string;
  region: string;
  changeSetType?: "CREATE" | "UPDATE";
  changeSetId?: string;
  changeSetName?: string;
  result: "no-changes" | "executed" | "preview";
  status: string;
  /** Nested stacks' changes under their stack. */
  changes: NestedChange[];
  parameterChanges: ParameterChange[];
  tagChanges: TagChange[];
  outputs: StackOutput[];
  durationMs: number;
  /** preview only: the change set was kept (--keep). */
  kept?: boolean;
  templateUrl?: string;
}

const CHANGE_SET_LIMIT_MS = 15 * 60_000;

export const needsConfirmation = (input: Pick<DeployInput, "stage" | "confirmChangeset" | "preview">): boolean => !input.preview && (input.stage === "prod" || input.confirmChangeset);

export function defaultChangeSetName(stage: string, now: Date): string {
  const stamp = now.toISOString().replace(/[-:]/g, "").replace(/\..*$/, "").replace("T", "-");
  return `hdoc-${stage}-${stamp}-${randomBytes(3).toString("hex")}`;
}

/** A confirmation that gives way to Ctrl-C (a signal does not reach a prompt reading raw keys). */
async function confirm(deps: DeployDeps, message: string): Promise<boolean> {
  deps.view.pause();
  const asked = deps.io.confirm(message);
  const signal = deps.signal;
  if (!signal) return asked;
  return Promise.race([asked, new Promise<never>((_, reject) => (signal.aborted ? reject(new Interrupted()) : signal.addEventListener("abort", () => reject(new Interrupted()), { once: true })))]);
}

export async function deploy(input: DeployInput, deps: DeployDeps): Promise<DeployResult> {
  const state = deps.state ?? new DeployState(input.stackName, input.commands);
  assertConfirmable(needsConfirmation(input), deps.io, `deploying stack ${input.stackName} (stage ${input.stage})`);
  try {
    return await run(input, deps, state, deps.now().getTime());
  } catch (e) {
    const ie = interruptedOr(e);
    if (e instanceof Interrupted || (isHdocError(ie) && ie.code === "INTERRUPTED")) throw await state.interrupted(deps.cfn);
    throw e;
  } finally {
    deps.view.pause();
  }
}

async function run(input: DeployInput, deps: DeployDeps, state: DeployState, started: number): Promise<DeployResult> {
  const { cfn, view } = deps;
  view.activity(`reading stack ${input.stackName}`);
  let existing = await step(deps, () => cfn.describeStack(input.stackName));
  const leftovers = await step(deps, () => assertDeployable(input, existing, deps));
  for (const c of leftovers) view.note(`change set ${c.name} is left from an earlier run${c.description ? ` (${c.description})` : ""}; executing this deploy makes it OBSOLETE`);
  for (const check of deps.preflight ?? []) await step(deps, () => check(existing));
  if (existing?.status === "ROLLBACK_COMPLETE") {
    await replaceRolledBackStack(input, deps, state);
    existing = undefined;
  }
  const type: "CREATE" | "UPDATE" = existing && existing.status !== "REVIEW_IN_PROGRESS" ? "UPDATE" : "CREATE";
  const source = await step(deps, () => templateSource(input, existing, { ...(deps.templates ? { templates: deps.templates } : {}), note: (l) => view.note(l) }));
  const changeSetName = deps.changeSetName?.() ?? defaultChangeSetName(input.stage, deps.now());
  const elapsed = () => deps.now().getTime() - started;
  const base = { stage: input.stage, stackName: input.stackName, region: input.region, changeSetType: type, changeSetName, ...(source.templateUrl ? { templateUrl: source.templateUrl } : {}) };
  const noChanges = async (): Promise<DeployResult> => {
    view.note(`no changes: stack ${input.stackName} already matches the template and parameters`);
    const stack = await cfn.describeStack(input.stackName);
    return { ...base, result: "no-changes", status: stack?.status ?? "UNKNOWN", changes: [], parameterChanges: [], tagChanges: [], outputs: stack?.outputs ?? [], durationMs: elapsed() };
  };

  view.note(`creating change set ${changeSetName} (${type}) for stack ${input.stackName} in ${input.region} ...`);
  view.activity(`creating change set ${changeSetName}`);
  state.creating(changeSetName, !existing);
  const created = await step(deps, async () => {
    const r = await cfn.createChangeSet({
      stackName: input.stackName, changeSetName, type, ...source, parameters: input.parameters, capabilities: input.capabilities, tags: input.tags, description: input.description,
      ...(input.includeNestedStacks ? { includeNestedStacks: true } : {}),
      ...(input.roleArn ? { roleArn: input.roleArn } : {}),
    });
    if (!("noChanges" in r)) state.created(r.id, r.stackId);
    return r;
  });
  if ("noChanges" in created) return state.done(), noChanges();

  const cs = await waitForChangeSet(created.id, changeSetName, input, deps, state);
  if (cs.status === "FAILED" && isNoChangesReason(cs.statusReason)) {
    await state.cleanUp(cfn);
    return noChanges();
  }
  if (cs.status === "FAILED") {
    state.done();
    throw new HdocError("FAILED", `change set for ${input.stackName} failed: ${cs.statusReason ?? "no reason given"}`, "fix the template or parameters; the failed change set is left for inspection in the console");
  }
  if (cs.status !== "CREATE_COMPLETE") throw new HdocError("FAILED", `change set ${changeSetName} is ${cs.status}`, `someone else may have removed it; run \`${input.commands.deploy}\` again`);

  const changes = await step(deps, () => expandNestedChanges(cs.changes, input.stackName, cfn));
  const preview: ChangeSetPreview = {
    name: changeSetName,
    type,
    stackName: input.stackName,
    changes,
    parameters: parameterChanges(input.templateBody, existing?.parameters, input.parameters, input.isSecret ?? (() => false)),
    tags: tagChanges(existing?.tags, input.tags),
  };
  view.changeSet(preview);
  const shown = { changes, parameterChanges: preview.parameters, tagChanges: preview.tags };
  if (input.preview) {
    if (input.preview.keep) state.done();
    else for (const n of await state.cleanUp(cfn)) view.note(n);
    return { ...base, ...shown, result: "preview", status: existing?.status ?? "REVIEW_IN_PROGRESS", outputs: existing?.outputs ?? [], durationMs: elapsed(), kept: input.preview.keep, ...(input.preview.keep ? { changeSetId: created.id } : {}) };
  }
  if (needsConfirmation(input)) {
    state.confirming();
    const ok = await confirm(deps, `Execute this change set on ${input.stackName} (stage ${input.stage})?`);
    checkpoint(deps);
    if (!ok) {
      const notes = await state.cleanUp(cfn);
      throw new HdocError("DECLINED", `nothing changed: nothing was executed on ${input.stackName}${notes.length ? ` (${notes.join("; ")})` : ""}`);
    }
  }
  if (cs.executionStatus && cs.executionStatus !== "AVAILABLE") {
    const notes = await state.cleanUp(cfn);
    throw new HdocError("FAILED", `change set ${changeSetName} is ${cs.executionStatus}: the stack changed after it was made (another deploy?)${notes.length ? `; ${notes.join("; ")}` : ""}`, `see what ran with \`${input.commands.watch}\`, then run \`${input.commands.deploy}\` again`);
  }

  const stackRef = ("stackId" in created && created.stackId) || cs.stackId || input.stackName;
  const cursor = new EventCursor(cfn, stackRef, undefined, input.stackName);
  await step(deps, () => cursor.baseline());
  view.note(`executing change set ${changeSetName} ...`);
  state.executing(type);
  await step(deps, () => cfn.executeChangeSet(created.id, stackRef));
  const { stack, events } = await followStack({ stackName: input.stackName, stackRef, timeoutMs: input.timeoutMs, changeSetId: created.id, changes, commands: input.commands }, cursor, deps);
  state.done();
  if (!STABLE.has(stack.status)) throw reportFailure(stack, events, view, input.commands);
  return { ...base, ...shown, changeSetId: created.id, result: "executed", status: stack.status, outputs: stack.outputs, durationMs: elapsed() };
}

async function waitForChangeSet(id: string, name: string, input: DeployInput, deps: DeployDeps, state: DeployState): Promise<ChangeSetInfo> {
  const limit = input.changeSetTimeoutMs ?? Math.min(input.timeoutMs, CHANGE_SET_LIMIT_MS);
  try {
    return await pollUntil<ChangeSetInfo>(limit, deps, async () => {
      const cs = await deps.cfn.describeChangeSet(id, input.stackName);
      deps.view.activity(`waiting for change set ${name} (${cs.status})`);
      return cs.status === "CREATE_COMPLETE" || cs.status === "FAILED" || cs.status.startsWith("DELETE_") ? { done: true, value: cs } : { done: false, last: cs };
    });
  } catch (e) {
    if (!(e instanceof TimedOut)) throw e;
    const notes = await state.cleanUp(deps.cfn);
    const last = (e.last as ChangeSetInfo | undefined)?.status ?? "UNKNOWN";
    throw new HdocError("FAILED", `change set ${name} for ${input.stackName} was still ${last} after ${formatElapsed(e.elapsedMs)}${notes.length ? `; ${notes.join("; ")}` : ""}`, `CloudFormation may be slow or throttled; run \`${input.commands.deploy}\` again (--timeout sets the bound)`);
  }
}

/** A stack in ROLLBACK_COMPLETE can only be deleted: explain, ask, delete, wait (bounded). */
async function replaceRolledBackStack(input: DeployInput, deps: DeployDeps, state: DeployState): Promise<void> {
  const { view, cfn } = deps;
  view.warn(`stack ${input.stackName} is in ROLLBACK_COMPLETE: its first creation failed and CloudFormation rolled it back.`);
  view.note("A stack in this state cannot be updated; it has to be deleted and created again (its resources were already removed by the rollback).");
  const ok = await confirm(deps, `Delete stack ${input.stackName} and create it again?`);
  if (!ok) throw new HdocError("DECLINED", `nothing changed: stack ${input.stackName} was left in ROLLBACK_COMPLETE (delete it yourself, or run the deploy again and confirm)`);
  view.note(`deleting stack ${input.stackName} ...`);
  state.deleting();
  await step(deps, () => cfn.deleteStack(input.stackName));
  try {
    await pollUntil<StackInfo | undefined>(input.timeoutMs, deps, async () => {
      const s = await cfn.describeStack(input.stackName);
      if (!s || s.status === "DELETE_COMPLETE") return { done: true, value: undefined };
      if (s.status === "DELETE_FAILED") throw new HdocError("FAILED", `deleting stack ${input.stackName} failed: ${s.statusReason ?? "DELETE_FAILED"}`, "fix the resource named above in the console, then run the deploy again");
      view.activity(`deleting stack ${input.stackName} (${s.status})`);
      return { done: false, last: s };
    });
  } catch (e) {
    if (e instanceof TimedOut) throw new HdocError("FAILED", `stack ${input.stackName} is still being deleted after ${formatElapsed(e.elapsedMs)} (--timeout); CloudFormation goes on with the delete`, `follow it with \`${input.commands.watch}\`, then \`${input.commands.deploy}\` creates it again`);
    throw e;
  }
  state.deleted();
  view.note(`stack ${input.stackName} deleted`);
}

/**
 * The failure's headline is its root cause: the first resource, in any stack, that failed for a
 * reason of its own (not the `Embedded stack ... was not successfully created` chain above it).
 */
function reportFailure(stack: StackInfo, events: TaggedEvent[], view: DeployView, commands: FollowCommands): HdocError {
  const failed = failedResources(events, stack.name);
  if (failed.length) view.failures(failed);
  const cause = rootCause(failed);
  const state = `the stack is ${stack.status}${stack.statusReason ? ` (${stack.statusReason})` : ""}`;
  const hint =
    stack.status === "ROLLBACK_COMPLETE"
      ? `${state}: fix the cause; the next \`${commands.deploy}\` offers to delete the rolled-back stack and create it again`
      : `${state}: fix the cause, then run \`${commands.deploy}\` again`;
  const headline = cause ? `${cause.path} ${cause.status}${cause.reason ? `: ${cause.reason}` : ""}` : stack.status;
  return new HdocError("FAILED", `deploy of stack ${stack.name} failed: ${headline}`, hint);
}
