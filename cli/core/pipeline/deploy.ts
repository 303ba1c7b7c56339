/**
 * Deploying a stack through a change set, as real CloudFormation behaves (asynchronous change sets,
 * asynchronous execution, per-resource events): CREATE vs UPDATE, wait, show, confirm, execute, stream
 * events to a final status, report failures and outputs. Everything it touches comes in `deps`.
 * Nested stacks are first-class: with `includeNestedStacks` the preview lists the changes inside each
 * nested stack, and the events of every nested stack are followed and counted with the root's.
 */
import { createHash, randomBytes } from "node:crypto";
import { HdocError } from "../../errors.ts";
import type { Io } from "../../ui/io.ts";
import type { ChangeSetInfo, CloudFormationApi, StackInfo, StackOutput, TemplateStore } from "../../aws/cloudformation.ts";
import { isNoChangesReason } from "../../aws/cloudformation.ts";
import { EventCursor, type TaggedEvent } from "./stack-events.ts";
import { expandNestedChanges, type NestedChange } from "./nested-changes.ts";
import { failedResources, progress, rootCause } from "./root-cause.ts";
import type { Stage } from "./stage.ts";

// ---- deploy ----

/** CloudFormation's limit for TemplateBody; larger templates must come from S3. */
export const INLINE_TEMPLATE_LIMIT = 51_200;

export interface DeployInput {
  stage: Stage;
  stackName: string;
  region: string;
  templateFile: string;
  templateBody: string;
  parameters: Record<string, string>;
  capabilities: string[];
  tags: Record<string, string>;
  confirmChangeset: boolean;
  /** Where a large template goes (from --s3-bucket or samconfig's s3_bucket). */
  bucket?: string;
  bucketPrefix?: string;
  /** Change sets for the nested stacks too (IncludeNestedStacks), described into the preview. */
  includeNestedStacks?: boolean;
  /** The role CloudFormation deploys with. */
  roleArn?: string;
  /** The change set's description. */
  description?: string;
  /** false: show the change set and stop (a preview); it is deleted unless `keep`. Default true. */
  execute?: boolean;
  keep?: boolean;
}

/** How the flow shows what it finds; the command renders it (tables, the live view). */
export interface DeployView {
  /** The change set, before it is confirmed or executed (nested stacks' changes under their stack). */
  changeSet(name: string, type: "CREATE" | "UPDATE", changes: NestedChange[]): void;
  /** One new event of the stack or of one of its nested stacks, as it arrives, with n/N over all stacks. */
  event(e: TaggedEvent, done: { done: number; total: number }): void;
  /** The stack settled (the live view ends here). */
  settled(stackName: string, status: string, eventCount: number): void;
  /** The resources that failed (in every stack), before the error is raised. */
  failures(failed: TaggedEvent[]): void;
}

export interface DeployDeps {
  cfn: CloudFormationApi;
  view: DeployView;
  templates?: TemplateStore;
  io: Io;
  sleep(ms: number): Promise<void>;
  now(): Date;
  /** Poll delays in ms; the last one repeats. */
  pollDelays?: number[];
  changeSetName?(): string;
}

export interface DeployResult {
  stage: Stage;
  stackName: string;
  region: string;
  changeSetType?: "CREATE" | "UPDATE";
  changeSetId?: string;
  /** previewed: the change set was shown and not executed (deleted, or kept with `keep`). */
  result: "no-changes" | "executed" | "previewed";
  status: string;
  changes: NestedChange[];
  /** A preview's change set, when kept. */
  keptChangeSet?: string;
  outputs: StackOutput[];
  templateUrl?: string;
}

const DEFAULT_DELAYS = [250, 500, 1000, 2000, 3000, 5000];
const SUCCESS = new Set(["CREATE_COMPLETE", "UPDATE_COMPLETE", "IMPORT_COMPLETE"]);
const STUCK = new Set(["UPDATE_ROLLBACK_FAILED", "DELETE_FAILED", "ROLLBACK_FAILED", "IMPORT_ROLLBACK_FAILED", "CREATE_FAILED"]);

export const isTerminal = (status: string): boolean => !status.endsWith("_IN_PROGRESS");

export function defaultChangeSetName(stage: string, now: Date): string {
  const stamp = now.toISOString().replace(/[-:]/g, "").replace(/\..*$/, "").replace("T", "-");
  return `hdoc-${stage}-${stamp}-${randomBytes(3).toString("hex")}`;
}

class Poller {
  private i = 0;
  constructor(private readonly deps: DeployDeps) {}
  wait(): Promise<void> {
    const delays = this.deps.pollDelays ?? DEFAULT_DELAYS;
    const ms = delays[Math.min(this.i++, delays.length - 1)] ?? 1000;
    return this.deps.sleep(ms);
  }
}

async function waitForChangeSet(id: string, input: DeployInput, deps: DeployDeps): Promise<ChangeSetInfo> {
  const poll = new Poller(deps);
  const started = deps.now().getTime();
  for (;;) {
    const cs = await deps.cfn.describeChangeSet(id, input.stackName);
    if (cs.status === "CREATE_COMPLETE" || cs.status === "FAILED" || cs.status.startsWith("DELETE_")) return cs;
    if (deps.now().getTime() - started > 15 * 60_000) {
      throw new HdocError("FAILED", `change set for ${input.stackName} is still ${cs.status} after 15 minutes`, "look at it in the CloudFormation console, then run the deploy again");
    }
    await poll.wait();
  }
}

async function waitForDelete(input: DeployInput, deps: DeployDeps): Promise<void> {
  const poll = new Poller(deps);
  for (;;) {
    const s = await deps.cfn.describeStack(input.stackName);
    if (!s || s.status === "DELETE_COMPLETE") return;
    if (s.status === "DELETE_FAILED") {
      throw new HdocError("FAILED", `deleting stack ${input.stackName} failed: ${s.statusReason ?? "DELETE_FAILED"}`, "fix the resource named above in the console, then run the deploy again");
    }
    await poll.wait();
  }
}

/** A stack in ROLLBACK_COMPLETE can only be deleted: explain, ask, delete, wait. */
async function replaceRolledBackStack(input: DeployInput, deps: DeployDeps): Promise<void> {
  const { io } = deps;
  io.warn(`stack ${input.stackName} is in ROLLBACK_COMPLETE: its first creation failed and CloudFormation rolled it back.`);
  io.info("A stack in this state cannot be updated; it has to be deleted and created again (its resources were already removed by the rollback).");
  const ok = await io.confirm(`Delete stack ${input.stackName} and create it again?`);
  if (!ok) throw new HdocError("DECLINED", `nothing changed: stack ${input.stackName} was left in ROLLBACK_COMPLETE (delete it yourself, or run the deploy again and confirm)`);
  io.info(`deleting stack ${input.stackName} ...`);
  await deps.cfn.deleteStack(input.stackName);
  await waitForDelete(input, deps);
  io.info(`stack ${input.stackName} deleted`);
}

async function templateSource(input: DeployInput, existing: StackInfo | undefined, deps: DeployDeps): Promise<{ templateBody?: string; templateUrl?: string }> {
  const size = Buffer.byteLength(input.templateBody, "utf8");
  if (size <= INLINE_TEMPLATE_LIMIT) return { templateBody: input.templateBody };
  const bucket = input.bucket ?? existing?.outputs.find((o) => o.key === "ArtifactsBucket")?.value;
  if (!bucket || !deps.templates) {
    throw new HdocError(
      "USAGE",
      `${input.templateFile} is ${size.toLocaleString("en-US")} bytes, over CloudFormation's ${INLINE_TEMPLATE_LIMIT.toLocaleString("en-US")}-byte limit for inline templates, and no artifacts bucket is known for stage ${input.stage}`,
      `pass --s3-bucket <bucket>, or set s3_bucket in [${input.stage}.deploy.parameters]`,
    );
  }
  const hash = createHash("sha256").update(input.templateBody).digest("hex").slice(0, 16);
  const key = `${input.bucketPrefix ?? input.stackName}/${hash}.template.yml`;
  deps.io.info(`template is ${size.toLocaleString("en-US")} bytes (over ${INLINE_TEMPLATE_LIMIT.toLocaleString("en-US")}): uploading it to s3://${bucket}/${key}`);
  return { templateUrl: await deps.templates.upload(bucket, key, input.templateBody) };
}

async function streamUntilDone(input: DeployInput, cursor: EventCursor, changes: NestedChange[], deps: DeployDeps): Promise<{ stack: StackInfo; events: TaggedEvent[] }> {
  const { view, cfn } = deps;
  const poll = new Poller(deps);
  const all: TaggedEvent[] = [];
  const show = (events: TaggedEvent[]) => {
    for (const e of events) {
      all.push(e);
      view.event(e, progress(changes, all, input.stackName));
    }
  };
  for (;;) {
    show(await cursor.next());
    const stack = await cfn.describeStack(input.stackName);
    if (!stack) throw new HdocError("FAILED", `stack ${input.stackName} disappeared while it was being deployed`);
    if (isTerminal(stack.status) && stack.status !== "REVIEW_IN_PROGRESS") {
      show(await cursor.next());
      view.settled(input.stackName, stack.status, all.length);
      return { stack, events: all };
    }
    await poll.wait();
  }
}

/**
 * The failure's headline is its root cause: the first resource, in any stack, that failed for a
 * reason of its own (not the `Embedded stack ... was not successfully created` chain above it).
 */
function reportFailure(stack: StackInfo, events: TaggedEvent[], view: DeployView): HdocError {
  const failed = failedResources(events, stack.name);
  if (failed.length) view.failures(failed);
  const cause = rootCause(failed);
  const state = `the stack is ${stack.status}${stack.statusReason ? ` (${stack.statusReason})` : ""}`;
  const hint =
    stack.status === "ROLLBACK_COMPLETE"
      ? `${state}: fix the cause; the next deploy offers to delete the rolled-back stack and create it again`
      : `${state}: fix the cause, then deploy again`;
  const headline = cause ? `${cause.path} ${cause.status}${cause.reason ? `: ${cause.reason}` : ""}` : stack.status;
  return new HdocError("FAILED", `deploy of stack ${stack.name} failed: ${headline}`, hint);
}

export async function deploy(input: DeployInput, deps: DeployDeps): Promise<DeployResult> {
  const { io, cfn } = deps;
  let existing = await cfn.describeStack(input.stackName);
  if (existing?.status === "ROLLBACK_COMPLETE") {
    await replaceRolledBackStack(input, deps);
    existing = undefined;
  } else if (existing && STUCK.has(existing.status)) {
    throw new HdocError("FAILED", `stack ${input.stackName} is in ${existing.status} and cannot be updated`, existing.status === "UPDATE_ROLLBACK_FAILED" ? "continue the rollback in the CloudFormation console (or `aws cloudformation continue-update-rollback`), then deploy again" : "resolve it in the CloudFormation console, then deploy again");
  } else if (existing && !isTerminal(existing.status) && existing.status !== "REVIEW_IN_PROGRESS") {
    throw new HdocError("FAILED", `stack ${input.stackName} is busy (${existing.status})`, "wait for the running operation to finish (`hdoc pipeline status`), then deploy again");
  }
  const type: "CREATE" | "UPDATE" = existing && existing.status !== "REVIEW_IN_PROGRESS" ? "UPDATE" : "CREATE";
  const base = { stage: input.stage, stackName: input.stackName, region: input.region, changeSetType: type };
  const source = await templateSource(input, existing, deps);
  const changeSetName = deps.changeSetName?.() ?? defaultChangeSetName(input.stage, deps.now());

  io.info(`creating change set ${changeSetName} (${type}) for stack ${input.stackName} in ${input.region} ...`);
  const created = await cfn.createChangeSet({
    stackName: input.stackName, changeSetName, type, ...source, parameters: input.parameters, capabilities: input.capabilities, tags: input.tags,
    ...(input.includeNestedStacks ? { includeNestedStacks: true } : {}),
    ...(input.roleArn ? { roleArn: input.roleArn } : {}),
    ...(input.description ? { description: input.description } : {}),
  });
  const noChanges = async (): Promise<DeployResult> => {
    io.info(`no changes: stack ${input.stackName} already matches the template and parameters`);
    const stack = await cfn.describeStack(input.stackName);
    return { ...base, result: "no-changes", status: stack?.status ?? "UNKNOWN", changes: [], outputs: stack?.outputs ?? [], ...(source.templateUrl ? { templateUrl: source.templateUrl } : {}) };
  };
  if ("noChanges" in created) return noChanges();

  const cs = await waitForChangeSet(created.id, input, deps);
  if (cs.status === "FAILED") {
    if (isNoChangesReason(cs.statusReason)) {
      await cfn.deleteChangeSet(created.id, input.stackName);
      return noChanges();
    }
    throw new HdocError("FAILED", `change set for ${input.stackName} failed: ${cs.statusReason ?? "no reason given"}`, "fix the template or parameters; the failed change set is left for inspection in the console");
  }
  if (cs.status !== "CREATE_COMPLETE") throw new HdocError("FAILED", `change set ${changeSetName} is ${cs.status}`, "someone else may have removed it; run the deploy again");

  const changes = await expandNestedChanges(cs.changes, input.stackName, cfn);
  deps.view.changeSet(changeSetName, type, changes);
  if (input.execute === false) return preview(input, { base, id: created.id, name: changeSetName, createdStack: !existing, changes }, deps);
  const ask = input.stage === "prod" || input.confirmChangeset;
  if (ask) {
    let ok: boolean;
    try {
      ok = await io.confirm(`Execute this change set on ${input.stackName} (stage ${input.stage})?`);
    } catch (e) {
      // keep the reason the confirmation failed (Ctrl-C, no terminal) even if the clean-up fails too
      await cfn.deleteChangeSet(created.id, input.stackName).catch((d: Error) => io.warn(`could not delete change set ${changeSetName}: ${d.message}`));
      throw e;
    }
    if (!ok) {
      await cfn.deleteChangeSet(created.id, input.stackName);
      throw new HdocError("DECLINED", `nothing changed: nothing was executed on ${input.stackName} (change set deleted)`);
    }
  }

  const cursor = new EventCursor(cfn, input.stackName);
  await cursor.baseline();
  io.info(`executing change set ${changeSetName} ...`);
  await cfn.executeChangeSet(created.id, input.stackName);
  const { stack, events } = await streamUntilDone(input, cursor, changes, deps);
  if (!SUCCESS.has(stack.status)) throw reportFailure(stack, events, deps.view);
  return { ...base, changeSetId: created.id, result: "executed", status: stack.status, changes, outputs: stack.outputs, ...(source.templateUrl ? { templateUrl: source.templateUrl } : {}) };
}

/**
 * A preview ends here: the change set is deleted (and the empty REVIEW_IN_PROGRESS stack a CREATE
 * change set made, when this run made it), or kept with `keep` for executing later in the console.
 */
async function preview(
  input: DeployInput,
  cs: { base: Omit<DeployResult, "result" | "status" | "changes" | "outputs">; id: string; name: string; createdStack: boolean; changes: NestedChange[] },
  deps: DeployDeps,
): Promise<DeployResult> {
  const { cfn, io } = deps;
  if (input.keep) {
    io.info(`change set ${cs.name} kept (not executed): execute or delete it in the CloudFormation console`);
  } else {
    await cfn.deleteChangeSet(cs.id, input.stackName);
    if (cs.createdStack) await cfn.deleteStack(input.stackName);
    io.info(`change set ${cs.name} deleted (not executed)${cs.createdStack ? `, and the empty stack ${input.stackName} it had created` : ""}`);
  }
  const stack = cs.createdStack && !input.keep ? undefined : await cfn.describeStack(input.stackName);
  return { ...cs.base, changeSetId: cs.id, result: "previewed", status: stack?.status ?? "NOT_CREATED", changes: cs.changes, outputs: stack?.outputs ?? [], ...(input.keep ? { keptChangeSet: cs.name } : {}) };
}
