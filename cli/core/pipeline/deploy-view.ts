/**
 * What a stack operation shows while it runs, as the core reports it; the command renders it (on a
 * terminal: the live view, one line per event above a status line; otherwise plain lines). The view
 * is stack-agnostic: nested stacks prefix their events with their logical id and add to the count.
 */
import type { NestedChange } from "./nested-changes.ts";
import type { TaggedEvent } from "./stack-events.ts";

export interface ParameterChange {
  key: string;
  /** undefined: the parameter is new. */
  old?: string;
  /** undefined: the parameter is removed. */
  new?: string;
  /** NoEcho (or secret-looking): both values shown as ****. */
  masked: boolean;
}

export interface TagChange {
  key: string;
  old?: string;
  new?: string;
}

export interface ChangeSetPreview {
  name: string;
  type: "CREATE" | "UPDATE";
  stackName: string;
  /** Nested stacks' changes under their stack (IncludeNestedStacks). */
  changes: NestedChange[];
  parameters: ParameterChange[];
  tags: TagChange[];
}

export interface DeployView {
  /** What the flow is doing now ("creating change set", "waiting for ... (CREATE_PENDING)"): the status line. */
  activity(text: string): void;
  /** A note that stays (on stderr), printed above the status line. */
  note(line: string): void;
  warn(line: string): void;
  /** The change set, before it is confirmed, executed or deleted (preview). */
  changeSet(preview: ChangeSetPreview): void;
  /** One new event of the stack or of a nested stack (e.path: "Api/GetUserFunction"), with n/N over all stacks. */
  event(e: TaggedEvent, progress: { done: number; total: number }): void;
  /** The resources that failed (in every stack), before the error is raised. */
  failures(failed: TaggedEvent[]): void;
  /** Takes the status line away (before a prompt, and at the end). */
  pause(): void;
}
