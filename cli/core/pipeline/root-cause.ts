/**
 * Why a nested deploy failed, and how far it got. CloudFormation reports a failure deep in a nested
 * stack as a chain: the resource's own FAILED event with the real reason, then the nested stack's
 * row `Embedded stack arn:... was not successfully created: The following resource(s) failed to
 * create: [...]`, then the root's `The following resource(s) failed to create: [Api]`, plus
 * `Resource creation cancelled` for everything stopped on the way. The root cause is the first
 * failure that is none of those.
 */
import type { NestedChange } from "./nested-changes.ts";
import type { TaggedEvent } from "./stack-events.ts";

/** Reasons that only point at another failure. */
const CHAIN = [
  /^Embedded stack \S+ was not successfully (created|updated|deleted)/i,
  /^The following resource\(s\) failed to (create|update|delete)/i,
  /^Resource (creation|update|deletion) cancelled/i,
  /cancelled$/i,
];

export const isChainReason = (reason: string | undefined): boolean => !reason || CHAIN.some((r) => r.test(reason));

/** The first failed resource (in time, over all stacks) whose reason is its own; else the first failure. */
export function rootCause(events: TaggedEvent[]): TaggedEvent | undefined {
  const failed = events.filter((e) => e.status.endsWith("_FAILED"));
  return failed.find((e) => !isChainReason(e.reason)) ?? failed[0];
}

/** The failures worth a row: every failed resource except the stacks' own summaries. */
export const failedResources = (events: TaggedEvent[], rootStack: string): TaggedEvent[] =>
  events.filter((e) => e.status.endsWith("_FAILED") && !(e.stack === "" && e.logicalId === rootStack));

const FINAL = /_(COMPLETE|FAILED)$/;

/**
 * n/N over all stacks: N resources the change set touches (nested stacks' inner resources included,
 * plus any resource an event shows that the preview did not list), n of them with a final status
 * since the deploy started. The root stack's own status events do not count.
 */
export function progress(changes: NestedChange[], events: TaggedEvent[], rootStack: string): { done: number; total: number } {
  const all = new Set(changes.map((c) => (c.stack ? `${c.stack}/${c.logicalId}` : c.logicalId)));
  const done = new Set<string>();
  for (const e of events) {
    if (e.stack === "" && e.logicalId === rootStack) continue;
    all.add(e.path);
    if (FINAL.test(e.status)) done.add(e.path);
  }
  return { done: done.size, total: all.size };
}
