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
import type { ResourceChange, StackEvent, StackOutput } from "../../aws/cloudformation.ts";
import type { ChangeSetPreview, DeployView } from "../../core/pipeline/deploy-view.ts";

/** The change set as a table: action, logical id, type, replacement. */
export function changesTable(changes: ResourceChange[], maxWidth?: number): string {
  if (!changes.length) return "(no resource changes listed)";
  return table(
    ["Action", "Logical ID", "Type", "Replacement"],
    changes.map((c) => [c.action, c.logicalId, c.type, c.action === "Modify" ? (c.replacement ?? "False") : "-"]),
    maxWidth === undefined ? {} : { maxWidth },
  );
}

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
const named = (e: StackEvent, stack?: string) => (stack ? `${stack}/${e.logicalId}` : e.logicalId);

/** One event as a plain line (CI logs): time, status, type, logical id, reason. */
export function formatEvent(e: StackEvent, stack?: string): string {
  return [clock(e.timestamp), e.status.padEnd(24), e.type.padEnd(30), named(e, stack), e.reason ? `  ${e.reason}` : ""].join("  ").trimEnd();
}

/** One event fitted to a terminal row: the logical id before the type, so it survives a narrow terminal. */
export function fitEvent(e: StackEvent, width: number, stack?: string): string {
  return fitCells([{ text: clock(e.timestamp), width: 8 }, { text: e.status, width: Math.max(20, e.status.length) }, { text: named(e, stack), width: 30 }, { text: e.type, width: 28 }, { text: e.reason ?? "" }], width);
}

export interface LiveDeployView extends DeployView {
  /** Ends the live view (the status line goes, the clock stops). */
  stop(): void;
  /** The n/N count so far. */
  progress(): { done: number; total: number };
}

/** `showChangeSet: false` when the change set is the command's result (diff prints it on stdout). */
export function deployView(io: Io, opts: { stackName: string; now?: () => number; showChangeSet?: boolean }): LiveDeployView {
  const now = opts.now ?? Date.now;
  const started = now();
  const status = new StatusLine(io);
  let total = 0;
  let counting = false;
  let activity = "";
  const settled = new Set<string>();
  const render = () => [counting && total ? `${Math.min(settled.size, total)}/${total} resources` : "", activity, formatElapsed(now() - started)].filter(Boolean).join(" · ");
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
    expect(resources) {
      counting = true;
      total += resources;
    },
    event(e, stack) {
      const isRoot = !stack && e.logicalId === opts.stackName;
      if (counting && !isRoot && !e.status.endsWith("_IN_PROGRESS")) settled.add(named(e, stack));
      // masked before it is cut: a cut secret would no longer match the redactor
      const masked = e.reason ? { ...e, reason: io.redactor.redact(e.reason) } : e;
      line(io.live ? fitEvent(masked, status.width, stack) : formatEvent(e, stack));
      if (io.live) status.set(render());
    },
    failures: (failed) => line(`failed resources:\n${table(["Logical ID", "Type", "Status", "Reason"], failed.map((e) => [e.logicalId, e.type, e.status, e.reason ?? ""]), io.live ? { maxWidth: status.width } : {})}`),
    pause: () => status.pause(),
    stop: () => status.stop(),
    progress: () => ({ done: Math.min(settled.size, total), total }),
  };
}
