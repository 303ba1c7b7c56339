/**
 * Following a stack's events *and* those of every nested stack below it, as they appear: each new
 * event once, oldest first, however many pages arrived. DescribeStackEvents
 * of the root lists a nested stack only as one resource (`AWS::CloudFormation::Stack`, its
 * PhysicalResourceId the nested stack's ARN); its resources' events are read from that ARN, which
 * stays readable after the nested stack is deleted (a rollback). Each event is handed out once,
 * tagged with the path of the stack it happened in, all stacks merged in time order.
 */

import type { CloudFormationApi, StackEvent } from "../../aws/cloudformation.ts";

/** The one call the cursor makes (stack name or ARN). */
export type StackEventsPort = Pick<CloudFormationApi, "stackEvents">;

export interface TaggedEvent extends StackEvent {
  /** Path of nested stack logical ids: "" for the root, "Api", "Api/Inner". */
  stack: string;
  /** stack + logical id: "Api/GetUserFunction" (the root's resources: just the logical id). */
  path: string;
}

const NESTED = "AWS::CloudFormation::Stack";
/** Events of a nested stack this much older than its first event in the parent belong to earlier deploys. */
const SKEW_MS = 1000;

interface Followed {
  path: string;
  /** Stack name (root) or ARN (nested). */
  id: string;
  seen: Set<string>;
  since?: number;
  /** Polled until its row in the parent settles, then once more. */
  active: boolean;
  lastLook: boolean;
  /** Read in the current call of next(). */
  seenThisRound?: boolean;
}

export const eventPath = (stack: string, logicalId: string): string => (stack ? `${stack}/${logicalId}` : logicalId);
const isSettled = (status: string) => !status.endsWith("_IN_PROGRESS");

export class EventCursor {
  private readonly stacks = new Map<string, Followed>();

  /**
   * `rootStack` is what the root's events are read by (its name, or its ARN once known: a CREATE over a
   * stack left in REVIEW_IN_PROGRESS is followed by id); `rootName` is the name its own events carry.
   */
  constructor(private readonly port: StackEventsPort, rootStack: string, private readonly maxDepth = 10, private readonly rootName = rootStack) {
    this.stacks.set("", { path: "", id: rootStack, seen: new Set(), active: true, lastLook: false });
  }

  /** Marks the root's current events as seen (nested stacks are found from new events, and read from then on). */
  async baseline(): Promise<void> {
    const root = this.stacks.get("")!;
    const page = await this.port.stackEvents(root.id);
    for (const e of page.events) root.seen.add(e.id);
  }

  /** The nested stacks found so far: path -> ARN. */
  nestedStacks(): Record<string, string> {
    return Object.fromEntries([...this.stacks.values()].filter((s) => s.path).map((s) => [s.path, s.id]));
  }

  async next(): Promise<TaggedEvent[]> {
    const fresh: TaggedEvent[] = [];
    // Stacks found during this call are read in the same call (their first events are already there).
    for (let round = 0; round <= this.maxDepth; round++) {
      const pending = [...this.stacks.values()].filter((s) => s.active && !s.seenThisRound);
      if (!pending.length) break;
      const found = await Promise.all(pending.map((s) => this.read(s)));
      for (const s of pending) s.seenThisRound = true;
      for (const events of found) fresh.push(...events);
    }
    for (const s of this.stacks.values()) delete s.seenThisRound;
    return fresh.sort((a, b) => a.timestamp.getTime() - b.timestamp.getTime());
  }

  private async read(s: Followed): Promise<TaggedEvent[]> {
    const fresh: TaggedEvent[] = [];
    let token: string | undefined;
    pages: do {
      const page = await this.port.stackEvents(s.id, token);
      for (const e of page.events) {
        if (s.seen.has(e.id)) break pages;
        s.seen.add(e.id);
        if (s.since !== undefined && e.timestamp.getTime() < s.since - SKEW_MS) break pages; // an earlier deploy's
        if (s.path && e.physicalId === s.id) continue; // the nested stack's own status: its row in the parent says it
        fresh.push({ ...e, stack: s.path, path: eventPath(s.path, e.logicalId) });
      }
      token = page.nextToken;
    } while (token);
    if (s.lastLook) s.active = false;
    fresh.reverse();
    for (const e of fresh) this.follow(s, e);
    return fresh;
  }

  /** A nested stack's row: start (or go on) reading its events; stop once the row settled and was read once more. */
  private follow(parent: Followed, e: TaggedEvent): void {
    const own = parent.path === "" ? e.logicalId === this.rootName : e.physicalId === parent.id;
    if (e.type !== NESTED || own || !e.physicalId?.startsWith("arn:")) return;
    const childPath = eventPath(parent.path, e.logicalId);
    if (childPath.split("/").length > this.maxDepth) return;
    let child = this.stacks.get(childPath);
    if (!child || child.id !== e.physicalId) {
      child = { path: childPath, id: e.physicalId, seen: new Set(), since: e.timestamp.getTime(), active: true, lastLook: false };
      this.stacks.set(childPath, child);
    }
    const settled = isSettled(e.status);
    child.active = true;
    child.lastLook = settled;
  }
}
