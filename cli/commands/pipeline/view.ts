/**
 * How a stack deploy is shown (the DeployView the core calls): the change set (resources, parameters
 * old -> new, tags), then the live view: one line per event above a status line with n/N resources,
 * the current activity and the elapsed time, all fitted to the terminal. Without a terminal: one plain
 * line per event. Reused by every command that deploys a stack (nested stacks prefix their events).
 */
import type { Io } from "../../ui/io.ts";
import { table } from "../../ui/table.ts";
import { fitCells, StatusLine } from "../../ui/progress.ts";
import { formatElapsed } from "../../ui/time.ts";
import type { ResourceChange, StackOutput } from "../../aws/cloudformation.ts";
import type { ChangeSetPreview, DeployView } from "../../core/pipeline/deploy-view.ts";
import type { NestedChange } from "../../core/pipeline/nested-changes.ts";
import type { TaggedEvent } from "../../core/pipeline/stack-events.ts";

/**
 * The change set as a table: action, logical id, type, replacement; with a Stack column first when
 * it reaches into nested stacks ("-" for the root's own resources). Fitted to `maxWidth` when given.
 */
export function changesTable(changes: Array<ResourceChange & { stack?: string }>, maxWidth?: number): string {
  if (!changes.length) return "(no resource changes listed)";
  const w = maxWidth === undefined ? {} : { maxWidth };
  const replacement = (c: ResourceChange) => (c.action === "Modify" ? (c.replacement ?? "False") : "-");
  if (!changes.some((c) => c.stack)) return table(["Action", "Logical ID", "Type", "Replacement"], changes.map((c) => [c.action, c.logicalId, c.type, replacement(c)]), w);
  return table(["Stack", "Action", "Logical ID", "Type", "Replacement"], changes.map((c) => [c.stack || "-", c.action, c.logicalId, c.type, replacement(c)]), w);
}

/** One line per change, for a nested preview under --json. */
export const changesJson = (changes: NestedChange[]) =>
  changes.map((c) => ({ stack: c.stack, action: c.action, logicalId: c.logicalId, type: c.type, ...(c.replacement ? { replacement: c.replacement } : {}) }));

/** The whole preview: resources, then parameter and tag changes (old -> new). */
export function previewText(p: ChangeSetPreview, maxWidth?: number): string {
  const w = maxWidth === undefined ? {} : { maxWidth };
  const parts = [`change set ${p.name} (${p.type}) for stack ${p.stackName}:`];
  if (!p.changes.length && !p.parameters.length && !p.tags.length) {
    parts.push("(no resource, parameter or tag changes listed)");
    return parts.join("\n");
  }
  parts.push(changesTable(p.changes, maxWidth));
  const value = (v: string | undefined) => v ?? "(none)";
  if (p.parameters.length) parts.push("", table(["Parameter", "Old", "New"], p.parameters.map((c) => [c.key, value(c.old), value(c.new)]), w));
  if (p.tags.length) parts.push("", table(["Tag", "Old", "New"], p.tags.map((c) => [c.key, value(c.old), value(c.new)]), w));
  return parts.join("\n");
}

export function outputsTable(outputs: StackOutput[]): string {
  if (!outputs.length) return "(no outputs)";
  return table(["Output", "Value", "Description"], outputs.map((o) => [o.key, o.value, o.description ?? ""]));
}

const pad2 = (n: number) => String(n).padStart(2, "0");
const clock = (d: Date) => `${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}`;
type Progress = { done: number; total: number };

/** One event as a plain line (CI logs): time, n/N over all stacks (when known), status, type, where (`Api/GetUserFunction` in a nested stack), reason. */
export function formatEvent(e: TaggedEvent, done?: Progress): string {
  const count = done && done.total ? `${done.done}/${done.total}`.padStart(5) : undefined;
  return [clock(e.timestamp), ...(count ? [count] : []), e.status.padEnd(24), e.type.padEnd(30), e.path, e.reason ? `  ${e.reason}` : ""].join("  ").trimEnd();
}

/** One event fitted to a terminal row: where (logical id, nested path) before the type, so it survives a narrow terminal. */
export function fitEvent(e: TaggedEvent, width: number): string {
  return fitCells([{ text: clock(e.timestamp), width: 8 }, { text: e.status, width: Math.max(20, e.status.length) }, { text: e.path, width: 30, cut: "middle" }, { text: e.type, width: 28 }, { text: e.reason ?? "" }], width);
}

export interface LiveDeployView extends DeployView {
  /** Ends the live view (the status line goes, the clock stops). */
  stop(): void;
}

/** `showChangeSet: false` when the change set is the command's result (diff prints it on stdout). */
export function deployView(io: Io, opts: { stackName: string; now?: () => number; showChangeSet?: boolean }): LiveDeployView {
  const now = opts.now ?? Date.now;
  const started = now();
  const status = new StatusLine(io);
  let count: Progress = { done: 0, total: 0 };
  let activity = "";
  const render = () => [count.total ? `${count.done}/${count.total} resources` : "", activity, formatElapsed(now() - started)].filter(Boolean).join(" · ");
  const line = (text: string) => status.print(text);
  return {
    activity(text) {
      activity = text;
      status.resume();
      status.tick(render);
    },
    note: line,
    warn: (text) => line(io.color("warning: ", "yellow") + text),
    changeSet: (p) => opts.showChangeSet !== false && line(previewText(p, io.live ? status.width : undefined)),
    event(e, progress) {
      count = progress;
      // masked before it is cut: a cut secret would no longer match the redactor
      const masked = e.reason ? { ...e, reason: io.redactor.redact(e.reason) } : e;
      line(io.live ? fitEvent(masked, status.width) : formatEvent(e, progress));
      if (io.live) status.set(render());
    },
    failures: (failed) => line(`failed resources:\n${table(["Logical ID", "Type", "Status", "Reason"], failed.map((e) => [e.path, e.type, e.status, e.reason ?? ""]), io.live ? { maxWidth: status.width } : {})}`),
    pause: () => status.pause(),
    stop: () => status.stop(),
  };
}
