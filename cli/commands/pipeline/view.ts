/** How `hdoc pipeline deploy` shows a deploy: the change-set table, the events, failures, outputs. */
import type { Io } from "../../ui/io.ts";
import { table } from "../../ui/table.ts";
import { StatusLine } from "../../ui/progress.ts";
import type { ResourceChange, StackOutput } from "../../aws/cloudformation.ts";
import type { DeployView } from "../../core/pipeline/deploy.ts";
import type { NestedChange } from "../../core/pipeline/nested-changes.ts";
import type { TaggedEvent } from "../../core/pipeline/stack-events.ts";

/**
 * The change set as a table: action, logical id, type, replacement; with a Stack column first when
 * it reaches into nested stacks ("-" for the root's own resources).
 */
export function changesTable(changes: Array<ResourceChange & { stack?: string }>): string {
  if (!changes.length) return "(no resource changes listed)";
  const replacement = (c: ResourceChange) => (c.action === "Modify" ? (c.replacement ?? "False") : "-");
  if (!changes.some((c) => c.stack)) return table(["Action", "Logical ID", "Type", "Replacement"], changes.map((c) => [c.action, c.logicalId, c.type, replacement(c)]));
  return table(["Stack", "Action", "Logical ID", "Type", "Replacement"], changes.map((c) => [c.stack || "-", c.action, c.logicalId, c.type, replacement(c)]));
}

/** One line per change, for a nested preview under --json. */
export const changesJson = (changes: NestedChange[]) =>
  changes.map((c) => ({ stack: c.stack, action: c.action, logicalId: c.logicalId, type: c.type, ...(c.replacement ? { replacement: c.replacement } : {}) }));

export function outputsTable(outputs: StackOutput[]): string {
  if (!outputs.length) return "(no outputs)";
  return table(["Output", "Value", "Description"], outputs.map((o) => [o.key, o.value, o.description ?? ""]));
}

const pad2 = (n: number) => String(n).padStart(2, "0");
const clock = (d: Date) => `${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}`;

/** An event line: time, n/N over all stacks (when known), status, type, where (`Api/GetUserFunction` in a nested stack), reason. */
export function formatEvent(e: TaggedEvent, done?: { done: number; total: number }): string {
  const count = done && done.total ? `${done.done}/${done.total}`.padStart(5) : undefined;
  return [clock(e.timestamp), ...(count ? [count] : []), e.status.padEnd(24), e.type.padEnd(30), e.path, e.reason ? `  ${e.reason}` : ""].join("  ").trimEnd();
}

export function deployView(io: Io): DeployView {
  const status = new StatusLine(io);
  return {
    changeSet: (name, type, changes) => io.info(`change set ${name} (${type}):\n${changesTable(changes)}`),
    event: (e, done) => (io.live ? status.set(io.redactor.redact(formatEvent(e, done))) : io.info(formatEvent(e, done))),
    settled(stackName, stackStatus, count) {
      status.clear();
      io.info(`stack ${stackName}: ${stackStatus} (${count} event${count === 1 ? "" : "s"})`);
    },
    failures: (failed) => io.info(`failed resources:\n${table(["Logical ID", "Type", "Status", "Reason"], failed.map((e) => [e.path, e.type, e.status, e.reason ?? ""]))}`),
  };
}
