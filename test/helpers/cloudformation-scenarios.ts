/**
 * Scripted CloudFormation behaving as the real service does where moto does not: asynchronous change
 * sets, asynchronous execution with per-resource events (CREATE_FAILED reasons), empty change sets
 * that end FAILED ("didn't contain changes"), stacks in ROLLBACK_COMPLETE, and nested stacks as
 * CloudFormation shows them: change sets made with IncludeNestedStacks (the nested stack's row
 * carries the ChangeSetId of its own change set), and each nested stack's events read from its ARN
 * (the root lists it as one AWS::CloudFormation::Stack resource whose PhysicalResourceId is that ARN).
 * Used directly as the fake in unit tests, and served over CloudFormation's Query protocol by
 * cloudformation-endpoint.ts.
 */
import type { ChangeSetInfo, CloudFormationApi, CreateChangeSetInput, CreateChangeSetResult, ResourceChange, StackEvent, StackInfo, StackOutput } from "../../cli/aws/cloudformation.ts";

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
  initial?: { status: string; events?: Step["events"]; outputs?: StackOutput[] };
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

const NO_CHANGES_REASON = "The submitted information didn't contain changes. Submit different information to create a change set.";
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

  constructor(private readonly script: Script, stackName = "hdoc-backend-dev-codepipeline") {
    this.stackName = script.stackName ?? stackName;
    for (const id of Object.keys(script.nested ?? {})) this.nestedEvents.set(id, []);
    if (script.initial) {
      this.stack = this.makeStack(script.initial.status, script.initial.outputs ?? []);
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
    return { stackId: `arn:aws:cloudformation:us-east-1:${ACCOUNT}:stack/${this.stackName}/1`, name: this.stackName, status, creationTime: new Date(this.base), outputs, parameters: {} };
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
    return this.stack && name === this.stackName ? structuredClone(this.stack) : undefined;
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
    return { id: this.changeSetId };
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
      executionStatus: s.status === "CREATE_COMPLETE" ? "AVAILABLE" : "UNAVAILABLE",
      changes: s.status === "CREATE_COMPLETE" ? (this.script.changes ?? []).map((c): ScriptedChange => (this.script.nested?.[c.logicalId] && c.type === "AWS::CloudFormation::Stack" ? { ...c, changeSetId: this.nestedChangeSetId(c.logicalId) } : c)) : [],
    };
  }

  async executeChangeSet(): Promise<void> {
    this.calls.push("ExecuteChangeSet");
    this.phase = "executing";
    this.stepIndex = 0;
  }

  async deleteChangeSet(): Promise<void> {
    this.calls.push("DeleteChangeSet");
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

// ---- the scenarios the tests replay ----

const STACK = "AWS::CloudFormation::Stack";
const S = "hdoc-backend-dev-codepipeline";
export const CODEBUILD_REASON = 'Resource handler returned message: "No Access token found, please visit AWS CodeBuild console to connect to GitHub (Service: CodeBuild, Status Code: 400)"';

export const PIPELINE_CHANGES: ResourceChange[] = [
  { action: "Add", logicalId: "ArtifactsBucket", type: "AWS::S3::Bucket" },
  { action: "Add", logicalId: "CodeBuildProject", type: "AWS::CodeBuild::Project" },
  { action: "Add", logicalId: "Pipeline", type: "AWS::CodePipeline::Pipeline" },
];

const OUTPUTS: StackOutput[] = [
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

// ---- the backend: root hdoc-backend-dev and its nested stacks (hdoc deploy) ----

const B = "hdoc-backend-dev";
const LAMBDA = "AWS::Lambda::Function";
export const LAMBDA_REASON = 'Resource handler returned message: "Uploaded file must be a non-empty zip (Service: Lambda, Status Code: 400, Request ID: 5e0b5c3d-1f2a-4b6c-9d8e-7f6a5b4c3d2e)" (RequestToken: 0b1c2d3e-4f5a-6b7c-8d9e-0f1a2b3c4d5e, HandlerErrorCode: InvalidRequest)';
export const BACKEND_BUCKET = "hdoc-backend-dev-codepipeline-artifactsbucket-1abc";
export const BACKEND_ROLE = "arn:aws:iam::123456789012:role/hdoc-backend-dev-codepipeline-CloudFormationExecutionRole-XYZ";

/** The stage's pipeline stack, whose outputs name the artifacts bucket and the execution role. */
const PIPELINE_STACK = { name: S, status: "UPDATE_COMPLETE", outputs: [{ key: "ArtifactsBucket", value: BACKEND_BUCKET }, { key: "CloudFormationExecutionRoleArn", value: BACKEND_ROLE }] };
const BACKEND_OUTPUTS: StackOutput[] = [
  { key: "ApiUrl", value: "https://abc123.execute-api.us-east-1.amazonaws.com/dev", description: "Base URL of the REST API (stage included)" },
  { key: "CloudFrontUrl", value: "https://d111111abcdef8.cloudfront.net" },
];
const nestedRow = (id: string, action = "Modify"): ResourceChange => ({ action, logicalId: id, type: STACK, ...(action === "Modify" ? { replacement: "False" } : {}) });
const unchanged = { changeSet: { status: "FAILED", reason: NO_CHANGES_REASON } };

/** A first deploy of the backend: every nested stack is added, its resources created. */
export const backendCreate = (): Script => ({
  stackName: B,
  pageSize: 4,
  neighbours: [PIPELINE_STACK],
  changeSet: [{ status: "CREATE_PENDING" }, { status: "CREATE_IN_PROGRESS" }, { status: "CREATE_COMPLETE" }],
  changes: [nestedRow("Database", "Add"), nestedRow("Api", "Add")],
  nested: {
    Database: { changes: [{ action: "Add", logicalId: "UsersTable", type: "AWS::DynamoDB::Table" }] },
    Api: { changes: [{ action: "Add", logicalId: "GetUserFunction", type: LAMBDA }, { action: "Add", logicalId: "GetUserFunctionRole", type: "AWS::IAM::Role" }] },
  },
  execution: [
    { status: "CREATE_IN_PROGRESS", events: [[B, STACK, "CREATE_IN_PROGRESS", "User Initiated"], ["Database", STACK, "CREATE_IN_PROGRESS"], ["Database/UsersTable", "AWS::DynamoDB::Table", "CREATE_IN_PROGRESS"]] },
    { status: "CREATE_IN_PROGRESS", events: [["Database/UsersTable", "AWS::DynamoDB::Table", "CREATE_COMPLETE"], ["Database", STACK, "CREATE_COMPLETE"], ["Api", STACK, "CREATE_IN_PROGRESS"], ["Api/GetUserFunctionRole", "AWS::IAM::Role", "CREATE_IN_PROGRESS"]] },
    { status: "CREATE_IN_PROGRESS", events: [["Api/GetUserFunctionRole", "AWS::IAM::Role", "CREATE_COMPLETE"], ["Api/GetUserFunction", LAMBDA, "CREATE_IN_PROGRESS"], ["Api/GetUserFunction", LAMBDA, "CREATE_COMPLETE"], ["Api", STACK, "CREATE_COMPLETE"]] },
    { status: "CREATE_COMPLETE", events: [[B, STACK, "CREATE_COMPLETE"]], outputs: BACKEND_OUTPUTS },
  ],
});

/** A redeploy where nothing changed: the root change set ends FAILED "didn't contain changes". */
export const backendNoChanges = (): Script => ({
  stackName: B,
  neighbours: [PIPELINE_STACK],
  initial: { status: "UPDATE_COMPLETE", outputs: BACKEND_OUTPUTS },
  changeSet: [{ status: "CREATE_PENDING" }, { status: "FAILED", reason: NO_CHANGES_REASON }],
});

/** A change to one function inside Api: the root lists `Modify Api`, Api's own change set the function. */
export const backendApiChange = (): Script => ({
  stackName: B,
  pageSize: 3,
  neighbours: [PIPELINE_STACK],
  // the previous deploy's events, the nested ones included (read from Api's ARN, they must not show again)
  initial: { status: "UPDATE_COMPLETE", outputs: BACKEND_OUTPUTS, events: [["Api/GetUserFunction", LAMBDA, "UPDATE_COMPLETE"], ["Api", STACK, "UPDATE_COMPLETE"], [B, STACK, "UPDATE_COMPLETE"]] },
  changeSet: [{ status: "CREATE_IN_PROGRESS" }, { status: "CREATE_COMPLETE" }],
  changes: [nestedRow("Api"), nestedRow("Auth")],
  nested: {
    Api: { changes: [{ action: "Modify", logicalId: "GetUserFunction", type: LAMBDA, replacement: "False" }, { action: "Add", logicalId: "GetUserFunctionAlias", type: "AWS::Lambda::Alias" }] },
    Auth: unchanged,
  },
  execution: [
    { status: "UPDATE_IN_PROGRESS", events: [[B, STACK, "UPDATE_IN_PROGRESS", "User Initiated"], ["Api", STACK, "UPDATE_IN_PROGRESS"]] },
    { status: "UPDATE_IN_PROGRESS", events: [["Api/GetUserFunction", LAMBDA, "UPDATE_IN_PROGRESS"], ["Api/GetUserFunction", LAMBDA, "UPDATE_COMPLETE"], ["Api/GetUserFunctionAlias", "AWS::Lambda::Alias", "CREATE_COMPLETE"]] },
    { status: "UPDATE_COMPLETE", events: [["Api", STACK, "UPDATE_COMPLETE"], [B, STACK, "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS"], [B, STACK, "UPDATE_COMPLETE"]], outputs: BACKEND_OUTPUTS },
  ],
});

/** A function inside Api fails to update; Api and then the root roll back. */
export const backendApiFails = (): Script => ({
  ...backendApiChange(),
  execution: [
    { status: "UPDATE_IN_PROGRESS", events: [[B, STACK, "UPDATE_IN_PROGRESS", "User Initiated"], ["Api", STACK, "UPDATE_IN_PROGRESS"]] },
    {
      status: "UPDATE_ROLLBACK_IN_PROGRESS",
      events: [
        ["Api/GetUserFunction", LAMBDA, "UPDATE_IN_PROGRESS"],
        ["Api/GetUserFunction", LAMBDA, "UPDATE_FAILED", LAMBDA_REASON],
        ["Api/GetUserFunctionAlias", "AWS::Lambda::Alias", "CREATE_FAILED", "Resource creation cancelled"],
        ["Api", STACK, "UPDATE_FAILED", "Embedded stack arn:aws:cloudformation:us-east-1:123456789012:stack/hdoc-backend-dev-Api-1A2B3C4D5E6F/0000-api was not successfully updated. Currently in UPDATE_ROLLBACK_IN_PROGRESS with reason: The following resource(s) failed to update: [GetUserFunction]."],
        [B, STACK, "UPDATE_ROLLBACK_IN_PROGRESS", "The following resource(s) failed to update: [Api]."],
      ],
    },
    { status: "UPDATE_ROLLBACK_COMPLETE", events: [["Api/GetUserFunction", LAMBDA, "UPDATE_COMPLETE"], ["Api", STACK, "UPDATE_COMPLETE"], [B, STACK, "UPDATE_ROLLBACK_COMPLETE"]] },
  ],
});

export const SCENARIOS = { createFails, rolledBack, noChanges, updateSucceeds, backendCreate, backendNoChanges, backendApiChange, backendApiFails } as const;
export type ScenarioName = keyof typeof SCENARIOS;
