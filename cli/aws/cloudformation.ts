/**
 * The narrow CloudFormation port (what core/pipeline uses, nothing more) and its adapter (the S3
 * template upload is in s3.ts, so this module does not load the S3 client).
 * Every call goes through awsCall; CloudFormation's "not an error" answers (stack does not exist,
 * no updates to perform) become values here so the core never sees SDK error names.
 */
import {
  CloudFormationClient,
  CreateChangeSetCommand,
  DeleteChangeSetCommand,
  DeleteStackCommand,
  DescribeChangeSetCommand,
  DescribeStackEventsCommand,
  ListStackResourcesCommand,
  DescribeStacksCommand,
  ExecuteChangeSetCommand,
  GetTemplateCommand,
  ListChangeSetsCommand,
  type Capability,
  type Change,
} from "@aws-sdk/client-cloudformation";
import { awsCall } from "./errors.ts";
import { clientConfig, type AwsTarget } from "./clients.ts";

// ---- the narrow CloudFormation port (implemented below; test fakes implement it too) ----

export interface StackOutput { key: string; value: string; description?: string }

export interface StackInfo {
  stackId: string;
  name: string;
  status: string;
  statusReason?: string;
  creationTime?: Date;
  lastUpdatedTime?: Date;
  outputs: StackOutput[];
  /** ParameterValue as given (an SSM parameter's path, not its resolved value; NoEcho values as ****). */
  parameters: Record<string, string>;
  tags: Record<string, string>;
}

export interface ResourceChange {
  action: string;
  logicalId: string;
  type: string;
  replacement?: string;
  /** A nested stack's row in a change set made with IncludeNestedStacks: the id of that stack's own change set. */
  changeSetId?: string;
}

export interface ChangeSetInfo {
  id: string;
  /** The stack the change set belongs to (its ARN). */
  stackId?: string;
  status: string;
  statusReason?: string;
  executionStatus?: string;
  changes: ResourceChange[];
}

export interface StackEvent {
  id: string;
  timestamp: Date;
  logicalId: string;
  type: string;
  status: string;
  reason?: string;
  /** The resource's physical id; for a nested stack, its stack ARN (where its own events are read). */
  physicalId?: string;
}

export interface CreateChangeSetInput {
  stackName: string;
  changeSetName: string;
  type: "CREATE" | "UPDATE";
  templateBody?: string;
  templateUrl?: string;
  parameters: Record<string, string>;
  capabilities: string[];
  tags: Record<string, string>;
  /** Also create a change set for every nested stack, so the preview shows what changes inside each. */
  includeNestedStacks?: boolean;
  /** The role CloudFormation deploys with (the stage's execution role), instead of the caller's credentials. */
  roleArn?: string;
  /** Who made it ("hdoc pipeline deploy by user@host, pid 123"): another run reads it to say who is deploying. */
  description?: string;
}

/** The change set's id and its stack's id (ARN): after a CREATE on a stack in REVIEW_IN_PROGRESS, follow the stack by id. */
export type CreateChangeSetResult = { id: string; stackId?: string } | { noChanges: true; reason: string };

export interface ChangeSetSummary {
  id: string;
  name: string;
  status: string;
  executionStatus?: string;
  creationTime?: Date;
  description?: string;
}

export interface CloudFormationApi {
  /** undefined when the stack does not exist. */
  describeStack(stackName: string): Promise<StackInfo | undefined>;
  /** The stack's change sets (all pages). */
  listChangeSets(stackName: string): Promise<ChangeSetSummary[]>;
  createChangeSet(input: CreateChangeSetInput): Promise<CreateChangeSetResult>;
  /** All pages of changes. */
  describeChangeSet(changeSetId: string, stackName: string): Promise<ChangeSetInfo>;
  executeChangeSet(changeSetId: string, stackName: string): Promise<void>;
  deleteChangeSet(changeSetId: string, stackName: string): Promise<void>;
  /** One page, newest first, as DescribeStackEvents returns them. */
  stackEvents(stackName: string, nextToken?: string): Promise<{ events: StackEvent[]; nextToken?: string }>;
  deleteStack(stackName: string): Promise<void>;
  /** The original template body of the deployed stack. */
  getTemplate(stackName: string): Promise<string>;
  /** The physical id of each resource of a stack, by logical id (all pages); {} when the stack is not there. */
  stackResources(stackName: string): Promise<Record<string, string>>;
}

/** Uploads a template to S3 and returns the URL CloudFormation reads it from. */
export interface TemplateStore {
  upload(bucket: string, key: string, body: string): Promise<string>;
}

/** CloudFormation's words for "this change set changes nothing" (FAILED change set, or moto's ValidationError). */
export const NO_CHANGES = /didn't contain changes|No updates are to be performed/i;
export const isNoChangesReason = (reason: string | undefined): boolean => NO_CHANGES.test(reason ?? "");

const isMissingStack = (e: unknown) => (e as { name?: string }).name === "ValidationError" && /does not exist/.test((e as Error).message ?? "");
const isNoUpdates = (e: unknown) => (e as { name?: string }).name === "ValidationError" && NO_CHANGES.test((e as Error).message ?? "");

const pairs = (m: Record<string, string>) => Object.entries(m);

export interface AdapterOptions {
  /** Sees every stack parameter's (resolved) value, so the caller can register secrets for redaction. */
  onParameter?(key: string, value: string): void;
}

export function cloudFormationApi(target: AwsTarget, options: AdapterOptions = {}): CloudFormationApi {
  const client = new CloudFormationClient(clientConfig(target));
  const endpoint = target.endpoint;
  const call = <T>(action: string, fn: () => Promise<T>) => awsCall({ action: `cloudformation:${action}`, endpoint }, fn);

  return {
    async describeStack(stackName) {
      let out;
      try {
        out = await client.send(new DescribeStacksCommand({ StackName: stackName }));
      } catch (e) {
        if (isMissingStack(e)) return undefined;
        return call("DescribeStacks", () => Promise.reject(e));
      }
      const s = out.Stacks?.[0];
      if (!s) return undefined;
      const info: StackInfo = {
        stackId: s.StackId ?? stackName,
        name: s.StackName ?? stackName,
        status: s.StackStatus ?? "UNKNOWN",
        outputs: (s.Outputs ?? []).map((o) => ({ key: o.OutputKey ?? "", value: o.OutputValue ?? "", ...(o.Description ? { description: o.Description } : {}) })),
        parameters: Object.fromEntries((s.Parameters ?? []).map((p) => [p.ParameterKey ?? "", p.ParameterValue ?? ""])),
        tags: Object.fromEntries((s.Tags ?? []).map((t) => [t.Key ?? "", t.Value ?? ""])),
      };
      for (const p of s.Parameters ?? []) {
        options.onParameter?.(p.ParameterKey ?? "", p.ParameterValue ?? "");
        if (p.ResolvedValue) options.onParameter?.(p.ParameterKey ?? "", p.ResolvedValue);
      }
      if (s.StackStatusReason) info.statusReason = s.StackStatusReason;
      if (s.CreationTime) info.creationTime = s.CreationTime;
      if (s.LastUpdatedTime) info.lastUpdatedTime = s.LastUpdatedTime;
      return info;
    },

    async createChangeSet(input) {
      try {
        const out = await client.send(
          new CreateChangeSetCommand({
            StackName: input.stackName,
            ChangeSetName: input.changeSetName,
            ChangeSetType: input.type,
            ...(input.templateUrl ? { TemplateURL: input.templateUrl } : { TemplateBody: input.templateBody }),
            Parameters: pairs(input.parameters).map(([ParameterKey, ParameterValue]) => ({ ParameterKey, ParameterValue })),
            Capabilities: input.capabilities as Capability[],
            Tags: pairs(input.tags).map(([Key, Value]) => ({ Key, Value })),
            ...(input.includeNestedStacks ? { IncludeNestedStacks: true } : {}),
            ...(input.roleArn ? { RoleARN: input.roleArn } : {}),
            Description: (input.description ?? "hdoc").slice(0, 1024),
          }),
        );
        return { id: out.Id ?? input.changeSetName, ...(out.StackId ? { stackId: out.StackId } : {}) };
      } catch (e) {
        // moto (and older CloudFormation behaviour) refuse an empty UPDATE change set at creation.
        if (isNoUpdates(e)) return { noChanges: true, reason: (e as Error).message };
        return call("CreateChangeSet", () => Promise.reject(e));
      }
    },

    async describeChangeSet(changeSetId, stackName) {
      const changes: ResourceChange[] = [];
      let token: string | undefined;
      let first: { Status?: string; StatusReason?: string; ExecutionStatus?: string; ChangeSetId?: string; StackId?: string } | undefined;
      do {
        // a nested stack's change set is named by its ARN, which already says which stack it belongs to
        const stack = changeSetId.startsWith("arn:") ? {} : { StackName: stackName };
        const out = await call("DescribeChangeSet", () => client.send(new DescribeChangeSetCommand({ ChangeSetName: changeSetId, ...stack, NextToken: token })));
        first ??= out;
        for (const c of out.Changes ?? []) changes.push(toChange(c));
        token = out.NextToken;
      } while (token);
      return {
        id: first?.ChangeSetId ?? changeSetId,
        ...(first?.StackId ? { stackId: first.StackId } : {}),
        status: first?.Status ?? "UNKNOWN",
        ...(first?.StatusReason ? { statusReason: first.StatusReason } : {}),
        ...(first?.ExecutionStatus ? { executionStatus: first.ExecutionStatus } : {}),
        changes,
      };
    },

    async listChangeSets(stackName) {
      const out: ChangeSetSummary[] = [];
      let token: string | undefined;
      do {
        const page = await call("ListChangeSets", () => client.send(new ListChangeSetsCommand({ StackName: stackName, NextToken: token })));
        for (const c of page.Summaries ?? []) {
          out.push({
            id: c.ChangeSetId ?? c.ChangeSetName ?? "",
            name: c.ChangeSetName ?? "",
            status: c.Status ?? "UNKNOWN",
            ...(c.ExecutionStatus ? { executionStatus: c.ExecutionStatus } : {}),
            ...(c.CreationTime ? { creationTime: c.CreationTime } : {}),
            ...(c.Description ? { description: c.Description } : {}),
          });
        }
        token = page.NextToken;
      } while (token);
      return out;
    },

    async executeChangeSet(changeSetId, stackName) {
      await call("ExecuteChangeSet", () => client.send(new ExecuteChangeSetCommand({ ChangeSetName: changeSetId, StackName: stackName })));
    },

    async deleteChangeSet(changeSetId, stackName) {
      await call("DeleteChangeSet", () => client.send(new DeleteChangeSetCommand({ ChangeSetName: changeSetId, StackName: stackName })));
    },

    async stackEvents(stackName, nextToken) {
      const out = await call("DescribeStackEvents", () => client.send(new DescribeStackEventsCommand({ StackName: stackName, NextToken: nextToken })));
      return {
        events: (out.StackEvents ?? []).map((e) => ({
          id: e.EventId ?? "",
          timestamp: e.Timestamp ?? new Date(0),
          logicalId: e.LogicalResourceId ?? "",
          type: e.ResourceType ?? "",
          status: e.ResourceStatus ?? "",
          ...(e.ResourceStatusReason ? { reason: e.ResourceStatusReason } : {}),
          ...(e.PhysicalResourceId ? { physicalId: e.PhysicalResourceId } : {}),
        })),
        ...(out.NextToken ? { nextToken: out.NextToken } : {}),
      };
    },

    async deleteStack(stackName) {
      await call("DeleteStack", () => client.send(new DeleteStackCommand({ StackName: stackName })));
    },

    async stackResources(stackName) {
      const out: Record<string, string> = {};
      let token: string | undefined;
      try {
        do {
          const page = await client.send(new ListStackResourcesCommand({ StackName: stackName, NextToken: token }));
          for (const r of page.StackResourceSummaries ?? []) if (r.LogicalResourceId && r.PhysicalResourceId) out[r.LogicalResourceId] = r.PhysicalResourceId;
          token = page.NextToken;
        } while (token);
      } catch (e) {
        if (isMissingStack(e)) return {};
        return call("ListStackResources", () => Promise.reject(e));
      }
      return out;
    },

    async getTemplate(stackName) {
      const out = await call("GetTemplate", () => client.send(new GetTemplateCommand({ StackName: stackName, TemplateStage: "Original" })));
      return out.TemplateBody ?? "";
    },
  };
}

function toChange(c: Change): ResourceChange {
  const r = c.ResourceChange;
  return {
    action: r?.Action ?? c.Type ?? "",
    logicalId: r?.LogicalResourceId ?? "",
    type: r?.ResourceType ?? "",
    ...(r?.Replacement ? { replacement: r.Replacement } : {}),
    ...(r?.ChangeSetId ? { changeSetId: r.ChangeSetId } : {}),
  };
}
