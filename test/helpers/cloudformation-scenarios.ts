/**
 * Scripted CloudFormation behaving as the real service does where moto does not: asynchronous change
 * sets, asynchronous execution with per-resource events (CREATE_FAILED reasons), empty change sets
 * that end FAILED ("didn't contain changes"), stacks in ROLLBACK_COMPLETE. Used directly as the fake
 * in unit tests, and served over CloudFormation's Query protocol by cloudformation-endpoint.ts.
 */
import type { ChangeSetInfo, ChangeSetSummary, CloudFormationApi, CreateChangeSetInput, CreateChangeSetResult, ResourceChange, StackEvent, StackInfo, StackOutput } from "../../cli/aws/cloudformation.ts";

export interface Step {
  status: string;
  statusReason?: string;
  /** Events that happen by the time this step is observed (oldest first). */
  events: Array<[logicalId: string, type: string, status: string, reason?: string]>;
  outputs?: StackOutput[];
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
}

const NO_CHANGES_REASON = "The submitted information didn't contain changes. Submit different information to create a change set.";
const ACCOUNT = "123456789012";

export class ScriptedCloudFormation implements CloudFormationApi {
  readonly calls: string[] = [];
  readonly created: CreateChangeSetInput[] = [];
  private stack?: StackInfo;
  private events: StackEvent[] = [];
  private seq = 0;
  private csPolls = 0;
  private phase: "idle" | "executing" | "deleting" = "idle";
  private stepIndex = 0;
  private readonly base = Date.parse("2026-01-01T10:00:00Z");
  private changeSetId?: string;
  private changeSetName?: string;
  private changeSetGone = false;
  private executed = false;

  constructor(private readonly script: Script, private readonly stackName = "hdoc-backend-dev-codepipeline") {
    if (script.alreadyRunning) this.phase = "executing";
    if (script.initial) {
      this.stack = { ...this.makeStack(script.initial.status, script.initial.outputs ?? []), parameters: script.initial.parameters ?? {}, tags: script.initial.tags ?? {} };
      this.addEvents(script.initial.events ?? [[stackName, "AWS::CloudFormation::Stack", script.initial.status]]);
    }
  }

  private makeStack(status: string, outputs: StackOutput[]): StackInfo {
    return { stackId: `arn:aws:cloudformation:us-east-1:${ACCOUNT}:stack/${this.stackName}/1`, name: this.stackName, status, creationTime: new Date(this.base), outputs, parameters: {}, tags: {} };
  }

  private addEvents(list: Step["events"]): void {
    for (const [logicalId, type, status, reason] of list) {
      this.seq++;
      this.events.push({ id: `ev-${this.seq}`, timestamp: new Date(this.base + this.seq * 1000), logicalId, type, status, ...(reason ? { reason } : {}) });
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
    const states = this.script.changeSet;
    const s = states[Math.min(this.csPolls++, states.length - 1)]!;
    return {
      id,
      status: s.status,
      ...(s.reason ? { statusReason: s.reason } : {}),
      stackId: this.stack?.stackId ?? this.stackName,
      executionStatus: s.status === "CREATE_COMPLETE" ? this.executionStatus() : "UNAVAILABLE",
      changes: s.status === "CREATE_COMPLETE" ? (this.script.changes ?? []) : [],
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

  async stackEvents(name: string, nextToken?: string): Promise<{ events: StackEvent[]; nextToken?: string }> {
    this.calls.push("DescribeStackEvents");
    this.requireStack(name);
    const newestFirst = [...this.events].reverse();
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

  async getTemplate(name: string): Promise<string> {
    this.calls.push("GetTemplate");
    this.requireStack(name);
    return this.script.template ?? "Resources: {}\n";
  }
}

// ---- the scenarios the tests replay ----

export const STACK = "AWS::CloudFormation::Stack";
export const S = "hdoc-backend-dev-codepipeline";
export const CODEBUILD_REASON = 'Resource handler returned message: "No Access token found, please visit AWS CodeBuild console to connect to GitHub (Service: CodeBuild, Status Code: 400)"';

export const PIPELINE_CHANGES: ResourceChange[] = [
  { action: "Add", logicalId: "ArtifactsBucket", type: "AWS::S3::Bucket" },
  { action: "Add", logicalId: "CodeBuildProject", type: "AWS::CodeBuild::Project" },
  { action: "Add", logicalId: "Pipeline", type: "AWS::CodePipeline::Pipeline" },
];

export const OUTPUTS: StackOutput[] = [
  { key: "ArtifactsBucket", value: "hdoc-backend-dev-codepipeline-artifactsbucket-1abc", description: "Encrypted, versioned bucket" },
  { key: "PipelineName", value: "hdoc-backend-dev-codepipeline-Pipeline-XYZ" },
];

/** A first create whose CodeBuild project fails; CloudFormation rolls back to ROLLBACK_COMPLETE. */
export const createFails = (): Script => ({
  pageSize: 3,
  changeSet: [{ status: "CREATE_PENDING" }, { status: "CREATE_IN_PROGRESS" }, { status: "CREATE_COMPLETE" }],
  changes: PIPELINE_CHANGES,
  execution: [
    { status: "CREATE_IN_PROGRESS", events: [[S, STACK, "CREATE_IN_PROGRESS", "User Initiated"], ["ArtifactsBucket", "AWS::S3::Bucket", "CREATE_IN_PROGRESS"], ["CodeBuildProject", "AWS::CodeBuild::Project", "CREATE_IN_PROGRESS"]] },
    {
      status: "ROLLBACK_IN_PROGRESS",
      events: [
        ["ArtifactsBucket", "AWS::S3::Bucket", "CREATE_COMPLETE"],
        ["CodeBuildProject", "AWS::CodeBuild::Project", "CREATE_FAILED", CODEBUILD_REASON],
        ["Pipeline", "AWS::CodePipeline::Pipeline", "CREATE_FAILED", "Resource creation cancelled"],
        [S, STACK, "ROLLBACK_IN_PROGRESS", "The following resource(s) failed to create: [CodeBuildProject, Pipeline]. Rollback requested by user."],
      ],
    },
    { status: "ROLLBACK_COMPLETE", events: [["ArtifactsBucket", "AWS::S3::Bucket", "DELETE_COMPLETE"], [S, STACK, "ROLLBACK_COMPLETE"]] },
  ],
});

/** A stack left in ROLLBACK_COMPLETE: deleted (after confirmation), then created again successfully. */
export const rolledBack = (): Script => ({
  pageSize: 2,
  initial: { status: "ROLLBACK_COMPLETE", events: [[S, STACK, "CREATE_IN_PROGRESS"], ["CodeBuildProject", "AWS::CodeBuild::Project", "CREATE_FAILED", CODEBUILD_REASON], [S, STACK, "ROLLBACK_COMPLETE"]] },
  deletion: [{ status: "DELETE_IN_PROGRESS", events: [[S, STACK, "DELETE_IN_PROGRESS", "User Initiated"]] }, { status: "GONE", events: [] }],
  changeSet: [{ status: "CREATE_PENDING" }, { status: "CREATE_COMPLETE" }],
  changes: PIPELINE_CHANGES,
  execution: [
    { status: "CREATE_IN_PROGRESS", events: [[S, STACK, "CREATE_IN_PROGRESS", "User Initiated"], ["ArtifactsBucket", "AWS::S3::Bucket", "CREATE_IN_PROGRESS"]] },
    { status: "CREATE_IN_PROGRESS", events: [["ArtifactsBucket", "AWS::S3::Bucket", "CREATE_COMPLETE"], ["CodeBuildProject", "AWS::CodeBuild::Project", "CREATE_COMPLETE"], ["Pipeline", "AWS::CodePipeline::Pipeline", "CREATE_COMPLETE"]] },
    { status: "CREATE_COMPLETE", events: [[S, STACK, "CREATE_COMPLETE"]], outputs: OUTPUTS },
  ],
});

/** An UPDATE whose change set ends FAILED because nothing changed (real AWS behaviour). */
export const noChanges = (): Script => ({
  initial: { status: "UPDATE_COMPLETE", outputs: OUTPUTS },
  changeSet: [{ status: "CREATE_PENDING" }, { status: "FAILED", reason: NO_CHANGES_REASON }],
});

/** An UPDATE that replaces a resource and succeeds. */
export const updateSucceeds = (): Script => ({
  pageSize: 2,
  initial: { status: "CREATE_COMPLETE", outputs: OUTPUTS },
  changeSet: [{ status: "CREATE_IN_PROGRESS" }, { status: "CREATE_COMPLETE" }],
  changes: [
    { action: "Modify", logicalId: "CodeBuildProject", type: "AWS::CodeBuild::Project", replacement: "False" },
    { action: "Modify", logicalId: "ArtifactsBucket", type: "AWS::S3::Bucket", replacement: "True" },
    { action: "Remove", logicalId: "OldRole", type: "AWS::IAM::Role" },
  ],
  execution: [
    { status: "UPDATE_IN_PROGRESS", events: [[S, STACK, "UPDATE_IN_PROGRESS", "User Initiated"], ["CodeBuildProject", "AWS::CodeBuild::Project", "UPDATE_IN_PROGRESS"]] },
    { status: "UPDATE_COMPLETE", events: [["CodeBuildProject", "AWS::CodeBuild::Project", "UPDATE_COMPLETE"], [S, STACK, "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS"], [S, STACK, "UPDATE_COMPLETE"]], outputs: OUTPUTS },
  ],
});

export const SCENARIOS = { createFails, rolledBack, noChanges, updateSucceeds } as const;
export type ScenarioName = keyof typeof SCENARIOS;
