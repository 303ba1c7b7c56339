/** How `hdoc pipeline deploy` shows a deploy: the change-set table, the events, failures, outputs. */
import type { Io } from "../../ui/io.ts";
import { table } from "../../ui/table.ts";
import { StatusLine } from "../../ui/progress.ts";
import type { ResourceChange, StackEvent, StackOutput } from "../../aws/cloudformation.ts";
import type { DeployView } from "../../core/pipeline/deploy.ts";

/** The change set as a table: action, logical id, type, replacement. */
export function changesTable(changes: ResourceChange[]): string {
  if (!changes.length) return "(no resource changes listed)";
  return table(
    ["Action", "Logical ID", "Type", "Replacement"],
    changes.map((c) => [c.action, c.logicalId, c.type, c.action === "Modify" ? (c.replacement ?? "False") : "-"]),
  );
}

export function outputsTable(outputs: StackOutput[]): string {
  if (!outputs.length) return "(no outputs)";
  return table(["Output", "Value", "Description"], outputs.map((o) => [o.key, o.value, o.description ?? ""]));
}

const pad2 = (n: number) => String(n).padStart(2, "0");
const clock = (d: Date) => `${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}`;

export function formatEvent(e: StackEvent): string {
  return [clock(e.timestamp), e.status.padEnd(24), e.type.padEnd(30), e.logicalId, e.reason ? `  ${e.reason}` : ""].join("  ").trimEnd();
}

export function deployView(io: Io): DeployView {
  const status = new StatusLine(io);
  return {
    changeSet: (name, type, changes) => io.info(`change set ${name} (${type}):\n${changesTable(changes)}`),
    event: (e) => (io.live ? status.set(io.redactor.redact(formatEvent(e))) : io.info(formatEvent(e))),
    settled(stackName, stackStatus, count) {
      status.clear();
      io.info(`stack ${stackName}: ${stackStatus} (${count} event${count === 1 ? "" : "s"})`);
    },
    failures: (failed) => io.info(`failed resources:\n${table(["Logical ID", "Type", "Status", "Reason"], failed.map((e) => [e.logicalId, e.type, e.status, e.reason ?? ""]))}`),
  };
}
