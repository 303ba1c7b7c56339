/**
 * What a stack operation shows while it runs, as the core reports it; the command renders it (on a
 * terminal: the live view, one line per event above a status line; otherwise plain lines). The view
 * is stack-agnostic: nested stacks prefix their events with their logical id and add to the count.
 */
import type { ResourceChange, StackEvent } from "../../aws/cloudformation.ts";

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
  changes: ResourceChange[];
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
  /** How many resources the operation touches (n/N); each stack that reports adds its own. */
  expect(resources: number, stack?: string): void;
  /** One new stack event, as it arrives; `stack` is a nested stack's logical id. */
  event(e: StackEvent, stack?: string): void;
  /** The resources that failed, before the error is raised. */
  failures(failed: StackEvent[]): void;
  /** Takes the status line away (before a prompt, and at the end). */
  pause(): void;
}
