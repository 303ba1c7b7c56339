/**
 * A loopback endpoint speaking CloudFormation's Query protocol (form-encoded POST with Action=...,
 * XML answers in the 2010-05-15 namespace, real error XML) that replays a scripted scenario from
 * cloudformation-scenarios.ts. For what moto does not do: per-resource events, asynchronous change
 * sets and executions, FAILED empty change sets, ROLLBACK_COMPLETE stacks, nested stacks (change
 * sets with IncludeNestedStacks, events read by a nested stack's ARN). With `proxyTo`, every request
 * that is not a CloudFormation call (S3's REST calls) goes on unchanged to that endpoint (moto), so
 * one --endpoint-url serves a whole deploy.
 */
import { createServer, type IncomingMessage, type Server } from "node:http";
import { randomUUID } from "node:crypto";
import type { AddressInfo } from "node:net";
import { ScriptedCloudFormation, SCENARIOS as BASE, type ScriptedChange, type ScriptedEvent } from "./cloudformation-scenarios.ts";
import { FAULT_SCENARIOS } from "./cloudformation-fault-scenarios.ts";
import { forward } from "./proxy.ts";

const SCENARIOS = { ...BASE, ...FAULT_SCENARIOS };
export type ScenarioName = keyof typeof SCENARIOS;
import type { CreateChangeSetInput } from "../../cli/aws/cloudformation.ts";

const NS = "http://cloudformation.amazonaws.com/doc/2010-05-15/";

export interface CloudFormationEndpoint {
  url: string;
  /** Starts a fresh replay of a scenario. */
  load(name: ScenarioName): void;
  /** Actions received since the last load, in order. */
  readonly calls: string[];
  /** CreateChangeSet requests received since the last load. */
  readonly created: CreateChangeSetInput[];
  /** Resolves when the next request with this Action arrives (e.g. to press Ctrl-C at that moment). */
  waitFor(action: string): Promise<void>;
  /** Holds every answer to this Action for ms (an AWS call in flight when Ctrl-C comes); until the next load. */
  delay(action: string, ms: number): void;
  /** The raw form of each CreateChangeSet since the last load (IncludeNestedStacks, RoleARN...). */
  readonly createForms: Array<Record<string, string>>;
  stop(): Promise<void>;
}

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
const el = (name: string, value: string | undefined) => (value === undefined ? "" : `<${name}>${esc(value)}</${name}>`);
const members = (name: string, items: string[]) => `<${name}>${items.map((i) => `<member>${i}</member>`).join("")}</${name}>`;

function respond(action: string, result: string): string {
  return `<${action}Response xmlns="${NS}"><${action}Result>${result}</${action}Result><ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></${action}Response>`;
}

function errorXml(code: string, message: string): string {
  return `<ErrorResponse xmlns="${NS}"><Error><Type>Sender</Type><Code>${esc(code)}</Code><Message>${esc(message)}</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`;
}

/** Query-protocol lists: Parameters.member.1.ParameterKey=... -> [{ParameterKey: ...}] */
function memberList(form: URLSearchParams, prefix: string): Array<Record<string, string>> {
  const out: Array<Record<string, string>> = [];
  for (const [k, v] of form) {
    const m = new RegExp(`^${prefix}\\.member\\.(\\d+)(?:\\.(\\w+))?$`).exec(k);
    if (!m) continue;
    const i = Number(m[1]) - 1;
    out[i] ??= {};
    out[i]![m[2] ?? "value"] = v;
  }
  return out.filter(Boolean);
}

async function body(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

async function handle(cfn: ScriptedCloudFormation, form: URLSearchParams): Promise<string> {
  const action = form.get("Action") ?? "";
  const stackName = form.get("StackName") ?? "";
  switch (action) {
    case "DescribeStacks": {
      const s = await cfn.describeStack(stackName);
      if (!s) throw Object.assign(new Error(`Stack with id ${stackName} does not exist`), { code: "ValidationError" });
      const stack = [
        el("StackId", s.stackId), el("StackName", s.name), el("StackStatus", s.status), el("StackStatusReason", s.statusReason),
        el("CreationTime", s.creationTime?.toISOString()), el("LastUpdatedTime", s.lastUpdatedTime?.toISOString()),
        members("Outputs", s.outputs.map((o) => el("OutputKey", o.key) + el("OutputValue", o.value) + el("Description", o.description))),
        members("Parameters", Object.entries(s.parameters).map(([k, v]) => el("ParameterKey", k) + el("ParameterValue", v))),
        members("Tags", Object.entries(s.tags).map(([k, v]) => el("Key", k) + el("Value", v))),
      ].join("");
      return respond(action, members("Stacks", [stack]));
    }
    case "CreateChangeSet": {
      const r = await cfn.createChangeSet({
        stackName,
        changeSetName: form.get("ChangeSetName") ?? "",
        type: form.get("ChangeSetType") === "CREATE" ? "CREATE" : "UPDATE",
        ...(form.get("TemplateBody") !== null ? { templateBody: form.get("TemplateBody")! } : {}),
        ...(form.get("TemplateURL") !== null ? { templateUrl: form.get("TemplateURL")! } : {}),
        parameters: Object.fromEntries(memberList(form, "Parameters").map((p) => [p.ParameterKey ?? "", p.ParameterValue ?? ""])),
        capabilities: memberList(form, "Capabilities").map((c) => c.value ?? ""),
        tags: Object.fromEntries(memberList(form, "Tags").map((t) => [t.Key ?? "", t.Value ?? ""])),
        ...(form.get("Description") !== null ? { description: form.get("Description")! } : {}),
      });
      if ("noChanges" in r) throw Object.assign(new Error(r.reason), { code: "ValidationError" });
      return respond(action, el("Id", r.id) + el("StackId", r.stackId ?? `arn:aws:cloudformation:us-east-1:123456789012:stack/${stackName}/1`));
    }
    case "DescribeChangeSet": {
      const cs = await cfn.describeChangeSet(form.get("ChangeSetName") ?? "");
      const changes = (cs.changes as ScriptedChange[]).map(
        (c) => el("Type", "Resource") + `<ResourceChange>${el("Action", c.action) + el("LogicalResourceId", c.logicalId) + el("ResourceType", c.type) + el("Replacement", c.replacement) + el("ChangeSetId", c.changeSetId)}</ResourceChange>`,
      );
      return respond(action, el("ChangeSetId", cs.id) + el("StackId", cs.stackId) + el("StackName", stackName) + el("Status", cs.status) + el("StatusReason", cs.statusReason) + el("ExecutionStatus", cs.executionStatus) + members("Changes", changes));
    }
    case "ListChangeSets": {
      const all = await cfn.listChangeSets(stackName);
      const rows = all.map(
        (c) =>
          el("StackId", `arn:aws:cloudformation:us-east-1:123456789012:stack/${stackName}/1`) + el("StackName", stackName) + el("ChangeSetId", c.id) + el("ChangeSetName", c.name) +
          el("ExecutionStatus", c.executionStatus) + el("Status", c.status) + el("CreationTime", c.creationTime?.toISOString()) + el("Description", c.description),
      );
      return respond(action, members("Summaries", rows));
    }
    case "ExecuteChangeSet":
      await cfn.executeChangeSet();
      return respond(action, "");
    case "DeleteChangeSet":
      await cfn.deleteChangeSet();
      return respond(action, "");
    case "DeleteStack":
      await cfn.deleteStack();
      return `<DeleteStackResponse xmlns="${NS}"><ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></DeleteStackResponse>`;
    case "DescribeStackEvents": {
      const page = await cfn.stackEvents(stackName, form.get("NextToken") ?? undefined);
      // a nested stack is asked for by its ARN: arn:...:stack/<name>/<id>
      const name = stackName.startsWith("arn:") ? stackName.split("/")[1]! : stackName;
      const stackId = stackName.startsWith("arn:") ? stackName : `arn:aws:cloudformation:us-east-1:123456789012:stack/${stackName}/1`;
      const events = (page.events as ScriptedEvent[]).map(
        (e) =>
          el("StackId", stackId) + el("EventId", e.id) + el("StackName", name) +
          el("LogicalResourceId", e.logicalId) + el("PhysicalResourceId", e.physicalId) + el("ResourceType", e.type) + el("Timestamp", e.timestamp.toISOString()) +
          el("ResourceStatus", e.status) + el("ResourceStatusReason", e.reason),
      );
      return respond(action, members("StackEvents", events) + el("NextToken", page.nextToken));
    }
    case "GetTemplate":
      return respond(action, el("TemplateBody", await cfn.getTemplate(stackName)));
  }
  throw Object.assign(new Error(`The action ${action} is not valid for this web service.`), { code: "InvalidAction" });
}

/** CloudFormation's Query calls are form-encoded POSTs to "/"; everything else (S3's REST calls) is not. */
const isQueryCall = (req: IncomingMessage, raw: Buffer) =>
  req.method === "POST" && (req.url ?? "/").split("?")[0] === "/" && /x-www-form-urlencoded/.test(String(req.headers["content-type"] ?? "")) && raw.toString("latin1").includes("Action=");

export async function startCloudFormationEndpoint(opts: { proxyTo?: string } = {}): Promise<CloudFormationEndpoint> {
  let cfn = new ScriptedCloudFormation(SCENARIOS.noChanges());
  const calls: string[] = [];
  const waiters: Array<{ action: string; resolve: () => void }> = [];
  const delays = new Map<string, number>();
  const createForms: Array<Record<string, string>> = [];
  const server: Server = createServer((req, res) => {
    void (async () => {
      const raw = await body(req);
      if (opts.proxyTo && !isQueryCall(req, raw)) return forward(req, raw, res, opts.proxyTo);
      const form = new URLSearchParams(raw.toString("utf8"));
      const action = form.get("Action") ?? "?";
      calls.push(action);
      if (action === "CreateChangeSet") createForms.push(Object.fromEntries(form));
      for (const w of waiters.filter((x) => x.action === action)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
      const held = delays.get(action);
      if (held) await new Promise((r) => setTimeout(r, held));
      try {
        const xml = await handle(cfn, form);
        res.writeHead(200, { "content-type": "text/xml", "x-amzn-requestid": randomUUID() }).end(xml);
      } catch (e) {
        const code = (e as { code?: string }).code ?? "InternalFailure";
        res.writeHead(code === "InternalFailure" ? 500 : 400, { "content-type": "text/xml" }).end(errorXml(code, (e as Error).message));
      }
    })();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    load(name) {
      cfn = new ScriptedCloudFormation(SCENARIOS[name]());
      calls.length = 0;
      delays.clear();
      createForms.length = 0;
    },
    calls,
    createForms,
    waitFor: (action) => new Promise<void>((resolve) => waiters.push({ action, resolve })),
    delay: (action, ms) => void delays.set(action, ms),
    get created() {
      return cfn.created;
    },
    stop: () => new Promise<void>((r) => server.close(() => r())),
  };
}
