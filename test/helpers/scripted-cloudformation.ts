/**
 * Scripted CloudFormation behaving as the real service does where moto does not: asynchronous change
 * sets, asynchronous execution with per-resource events (CREATE_FAILED reasons), empty change sets
 * that end FAILED ("didn't contain changes"), stacks in ROLLBACK_COMPLETE, and nested stacks as
 * CloudFormation shows them: change sets made with IncludeNestedStacks (the nested stack's row
 * carries the ChangeSetId of its own change set), and each nested stack's events read from its ARN
 * (the root lists it as one AWS::CloudFormation::Stack resource whose PhysicalResourceId is that ARN).
 * Used directly as the fake in unit tests, and served over CloudFormation's Query protocol by
 * cloudformation-endpoint.ts. The scenarios it replays are in cloudformation-scenarios.ts and
 * cloudformation-fault-scenarios.ts.
 */
import type { ChangeSetInfo, ChangeSetSummary, CloudFormationApi, CreateChangeSetInput, CreateChangeSetResult, ResourceChange, StackEvent, StackInfo, StackOutput } from "../../cli/aws/cloudformation.ts";

export interface Step {
  status: string;
  statusReason?: string;
  /**
   * Events that happen by the time this step is observed (oldest first). A logical id "Api/GetUser"
   * is an event inside nested stack Api (see Script.nested).
   */
  events: Array<[logicalId: string, type: string, status: string, reason?: string]>;
  outputs?: StackOutput[];
}

/** Events and changes with what nested stacks add: the physical id (a nested stack's ARN) and a nested change set's id. */
export type ScriptedEvent = StackEvent & { physicalId?: string };
export type ScriptedChange = ResourceChange & { changeSetId?: string };

export interface NestedScript {
  /** What the nested stack's own change set lists (DescribeChangeSet of the row's ChangeSetId). */
  changes?: ResourceChange[];
  /** Its change set's status, CREATE_COMPLETE unless given (a FAILED "didn't contain changes" for an unchanged nested stack). */
  changeSet?: { status: string; reason?: string };
}

export interface Script {
  /** The stack before the deploy (undefined: it does not exist). */
  initial?: { status: string; events?: Step["events"]; outputs?: StackOutput[]; parameters?: Record<string, string>; tags?: Record<string, string> };
  /** Change sets already on the stack (another run's, or left behind), as ListChangeSets shows them. */
  otherChangeSets?: ChangeSetSummary[];
  /** ExecuteChangeSet is accepted but the execution never starts (the stack stays as it is, the change set AVAILABLE). */
  neverStarts?: boolean;
  /** The change set turns OBSOLETE once made (another change set was executed meanwhile). */
  obsolete?: boolean;
  /** The stack is already changing (someone else's operation): DescribeStacks walks `execution` from the start. */
  alreadyRunning?: boolean;
  /** Statuses DescribeChangeSet reports in turn (the last repeats). */
  changeSet: Array<{ status: string; reason?: string }>;
  changes?: ResourceChange[];
  /** What each DescribeStacks after ExecuteChangeSet sees, in turn (the last repeats). */
  execution?: Step[];
  /** What each DescribeStacks after DeleteStack sees (a step with status "GONE" means the stack is gone). */
  deletion?: Step[];
  /** DescribeStackEvents page size (small, to exercise NextToken paging). */
  pageSize?: number;
  template?: string;
  /** The stack's name (default: the dev pipeline stack). */
  stackName?: string;
  /** Nested stacks by logical id in the root (IncludeNestedStacks change sets, events read by ARN). */
  nested?: Record<string, NestedScript>;
  /** Other stacks DescribeStacks answers for, unchanged (e.g. the pipeline stack whose outputs a deploy reads). */
  neighbours?: Array<{ name: string; status: string; outputs: StackOutput[]; resources?: Record<string, string> }>;
}

export const NO_CHANGES_REASON = "The submitted information didn't contain changes. Submit different information to create a change set.";
const ACCOUNT = "123456789012";

export class ScriptedCloudFormation implements CloudFormationApi {
  readonly calls: string[] = [];
  readonly created: CreateChangeSetInput[] = [];
  private stack?: StackInfo;
  private events: ScriptedEvent[] = [];
  /** Events inside each nested stack, by logical id. */
  private readonly nestedEvents = new Map<string, ScriptedEvent[]>();
  private readonly stackName: string;
  private seq = 0;
  private csPolls = 0;
  private phase: "idle" | "executing" | "deleting" = "idle";
  private stepIndex = 0;
  private readonly base = Date.parse("2026-01-01T10:00:00Z");
  private changeSetId?: string;
  private changeSetName?: string;
  private changeSetGone = false;
  private executed = false;

  constructor(private readonly script: Script, stackName = "hdoc-backend-dev-codepipeline") {
    this.stackName = script.stackName ?? stackName;
    for (const id of Object.keys(script.nested ?? {})) this.nestedEvents.set(id, []);
    if (script.alreadyRunning) this.phase = "executing";
    if (script.initial) {
      this.stack = { ...this.makeStack(script.initial.status, script.initial.outputs ?? []), parameters: script.initial.parameters ?? {}, tags: script.initial.tags ?? {} };
      this.addEvents(script.initial.events ?? [[this.stackName, "AWS::CloudFormation::Stack", script.initial.status]]);
    }
  }

  /** The ARN of a nested stack, as CloudFormation names it: <root>-<LogicalId>-<suffix>. */
  nestedArn(logicalId: string): string {
    return `arn:aws:cloudformation:us-east-1:${ACCOUNT}:stack/${this.stackName}-${logicalId}-1A2B3C4D5E6F/0000-${logicalId.toLowerCase()}`;
  }

  private nestedChangeSetId(logicalId: string): string {
    return `${this.changeSetId ?? "arn:aws:cloudformation:us-east-1:123456789012:changeSet/none/1"}-${logicalId}`;
  }

  private makeStack(status: string, outputs: StackOutput[]): StackInfo {
    return { stackId: `arn:aws:cloudformation:us-east-1:${ACCOUNT}:stack/${this.stackName}/1`, name: this.stackName, status, creationTime: new Date(this.base), outputs, parameters: {}, tags: {} };
  }

  private addEvents(list: Step["events"]): void {
    for (const [logicalId, type, status, reason] of list) {
      this.seq++;
      const at = new Date(this.base + this.seq * 1000);
      const slash = logicalId.indexOf("/");
      if (slash > 0) {
        // an event inside a nested stack
        const inner = this.nestedEvents.get(logicalId.slice(0, slash));
        if (!inner) throw new Error(`scenario names nested stack ${logicalId.slice(0, slash)}, which Script.nested does not declare`);
        inner.push({ id: `ev-${this.seq}`, timestamp: at, logicalId: logicalId.slice(slash + 1), type, status, ...(reason ? { reason } : {}) });
        continue;
      }
      const nested = this.nestedEvents.get(logicalId);
      const physicalId = nested && type === "AWS::CloudFormation::Stack" ? this.nestedArn(logicalId) : undefined;
      this.events.push({ id: `ev-${this.seq}`, timestamp: at, logicalId, type, status, ...(reason ? { reason } : {}), ...(physicalId ? { physicalId } : {}) });
      // the nested stack lists its own status too (under its own name and ARN), as CloudFormation does
      if (nested && physicalId) nested.push({ id: `ev-${this.seq}-self`, timestamp: at, logicalId: physicalId.split("/")[1]!, type, status, physicalId, ...(reason ? { reason } : {}) });
    }
  }

  private applyStep(steps: Step[]): void {
    const step = steps[Math.min(this.stepIndex++, steps.length - 1)]!;
    if (this.stepIndex > steps.length) return; // the last step repeats without new events
    this.addEvents(step.events);
    if (step.status === "GONE") {
      this.stack = undefined;
      this.events = [];
      this.phase = "idle";
      this.stepIndex = 0;
      return;
    }
    this.stack = { ...(this.stack ?? this.makeStack(step.status, [])), status: step.status, ...(step.statusReason ? { statusReason: step.statusReason } : {}), ...(step.outputs ? { outputs: step.outputs } : {}) };
  }

  private requireStack(name: string): StackInfo {
    if (!this.stack) throw Object.assign(new Error(`Stack with id ${name} does not exist`), { name: "ValidationError", httpStatus: 400 });
    return this.stack;
  }

  async describeStack(name: string): Promise<StackInfo | undefined> {
    this.calls.push("DescribeStacks");
    if (this.phase === "executing" && this.script.execution) this.applyStep(this.script.execution);
    if (this.phase === "deleting" && this.script.deletion) this.applyStep(this.script.deletion);
    const neighbour = this.script.neighbours?.find((n) => n.name === name);
    if (neighbour) return { ...this.makeStack(neighbour.status, neighbour.outputs), name, stackId: `arn:aws:cloudformation:us-east-1:${ACCOUNT}:stack/${name}/1` };
    return this.stack && (name === this.stackName || name === this.stack.stackId) ? structuredClone(this.stack) : undefined;
  }

  async listChangeSets(name: string): Promise<ChangeSetSummary[]> {
    this.calls.push("ListChangeSets");
    this.requireStack(name);
    const own: ChangeSetSummary[] =
      this.changeSetId && !this.changeSetGone ? [{ id: this.changeSetId, name: this.changeSetName ?? "", status: "CREATE_COMPLETE", executionStatus: this.executionStatus(), creationTime: new Date(this.base) }] : [];
    return structuredClone([...(this.script.otherChangeSets ?? []), ...own]);
  }

  /** AVAILABLE until executed; then in progress until the stack settles, and complete or failed. */
  private executionStatus(): string {
    if (this.script.obsolete) return "OBSOLETE";
    if (!this.executed || this.script.neverStarts) return "AVAILABLE";
    const status = this.stack?.status ?? "";
    if (status.endsWith("_IN_PROGRESS")) return "EXECUTE_IN_PROGRESS";
    return /ROLLBACK|FAILED/.test(status) ? "EXECUTE_FAILED" : "EXECUTE_COMPLETE";
  }

  async createChangeSet(input: CreateChangeSetInput): Promise<CreateChangeSetResult> {
    this.calls.push(`CreateChangeSet:${input.type}`);
    this.created.push(input);
    if (!this.stack) {
      this.stack = this.makeStack("REVIEW_IN_PROGRESS", []);
      this.addEvents([[this.stackName, "AWS::CloudFormation::Stack", "REVIEW_IN_PROGRESS", "User Initiated"]]);
    }
    this.csPolls = 0;
    this.changeSetId = `arn:aws:cloudformation:us-east-1:${ACCOUNT}:changeSet/${input.changeSetName}/1`;
    this.changeSetName = input.changeSetName;
    this.changeSetGone = false;
    this.executed = false;
    return { id: this.changeSetId, stackId: this.stack!.stackId };
  }

  async describeChangeSet(id: string): Promise<ChangeSetInfo> {
    this.calls.push("DescribeChangeSet");
    for (const [logicalId, nested] of Object.entries(this.script.nested ?? {})) {
      if (id !== this.nestedChangeSetId(logicalId)) continue;
      const st = nested.changeSet ?? { status: "CREATE_COMPLETE" };
      return { id, status: st.status, ...(st.reason ? { statusReason: st.reason } : {}), executionStatus: st.status === "CREATE_COMPLETE" ? "AVAILABLE" : "UNAVAILABLE", changes: st.status === "CREATE_COMPLETE" ? (nested.changes ?? []) : [] };
    }
    const states = this.script.changeSet;
    const s = states[Math.min(this.csPolls++, states.length - 1)]!;
    return {
      id,
      status: s.status,
      ...(s.reason ? { statusReason: s.reason } : {}),
      stackId: this.stack?.stackId ?? this.stackName,
      executionStatus: s.status === "CREATE_COMPLETE" ? this.executionStatus() : "UNAVAILABLE",
      changes: s.status === "CREATE_COMPLETE" ? (this.script.changes ?? []).map((c): ScriptedChange => (this.script.nested?.[c.logicalId] && c.type === "AWS::CloudFormation::Stack" ? { ...c, changeSetId: this.nestedChangeSetId(c.logicalId) } : c)) : [],
    };
  }

  async executeChangeSet(): Promise<void> {
    this.calls.push("ExecuteChangeSet");
    if (this.script.obsolete) throw Object.assign(new Error(`ChangeSet [${this.changeSetId}] cannot be executed in its current status of [OBSOLETE]`), { name: "InvalidChangeSetStatusException", code: "InvalidChangeSetStatus" });
    this.executed = true;
    if (this.script.neverStarts) return;
    this.phase = "executing";
    this.stepIndex = 0;
  }

  async deleteChangeSet(): Promise<void> {
    this.calls.push("DeleteChangeSet");
    this.changeSetGone = true;
  }

  async stackEvents(name: string, nextToken?: string): Promise<{ events: ScriptedEvent[]; nextToken?: string }> {
    this.calls.push("DescribeStackEvents");
    const nestedId = [...this.nestedEvents.keys()].find((id) => this.nestedArn(id) === name);
    if (nestedId === undefined) this.requireStack(name);
    const newestFirst = [...(nestedId === undefined ? this.events : this.nestedEvents.get(nestedId)!)].reverse();
    const size = this.script.pageSize ?? 100;
    const start = nextToken ? Number(nextToken) : 0;
    const page = newestFirst.slice(start, start + size);
    return { events: structuredClone(page), ...(start + size < newestFirst.length ? { nextToken: String(start + size) } : {}) };
  }

  async deleteStack(): Promise<void> {
    this.calls.push("DeleteStack");
    if (!this.script.deletion) {
      // an empty REVIEW_IN_PROGRESS stack goes at once
      this.stack = undefined;
      this.events = [];
      return;
    }
    this.phase = "deleting";
    this.stepIndex = 0;
  }

  async stackResources(name: string): Promise<Record<string, string>> {
    this.calls.push("ListStackResources");
    return { ...this.script.neighbours?.find((n) => n.name === name)?.resources };
  }

  async getTemplate(name: string): Promise<string> {
    this.calls.push("GetTemplate");
    this.requireStack(name);
    return this.script.template ?? "Resources: {}\n";
  }
}
