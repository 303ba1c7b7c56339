import { describe, expect, it } from "vitest";
import type { ChangeSetSummary } from "../../aws/cloudformation.ts";
import { changeSetDescription, pendingChangeSets } from "./preflight.ts";

const NOW = new Date("2026-01-01T10:00:00Z");
const minutesAgo = (m: number) => new Date(NOW.getTime() - m * 60_000);
const changeSet = (over: Partial<ChangeSetSummary>): ChangeSetSummary => ({
  id: "arn:aws:cloudformation:us-east-1:123456789012:changeSet/c/1", name: "c", status: "CREATE_COMPLETE", executionStatus: "AVAILABLE", creationTime: minutesAgo(1), ...over,
});

describe("pendingChangeSets: which change sets of other runs a deploy must not race", () => {
  it.each([
    ["a deploy's change set waiting for its confirmation", true, { description: changeSetDescription("pipeline deploy", 4242) }],
    ["a backend deploy's change set waiting for its confirmation", true, { description: changeSetDescription("deploy", 4242) }],
    ["a change set being made, whoever makes it", true, { status: "CREATE_IN_PROGRESS", executionStatus: "UNAVAILABLE", description: changeSetDescription("pipeline diff", 4242) }],
    ["a change set executing", true, { executionStatus: "EXECUTE_IN_PROGRESS", description: "made by hand" }],
    ["a deploy's change set older than 15 minutes (its run is gone)", false, { description: changeSetDescription("pipeline deploy", 4242), creationTime: minutesAgo(16) }],
    ["a change set made by hand (not hdoc's)", false, { description: "made by hand" }],
    ["a pipeline diff's change set kept with --keep", false, { description: changeSetDescription("pipeline diff", 4242) }],
    ["an hdoc diff's change set kept with --keep", false, { description: changeSetDescription("diff", 4242) }],
  ] as const)("%s: pending %s", (_what, pending, over) => {
    expect(pendingChangeSets([changeSet(over as Partial<ChangeSetSummary>)], NOW)).toHaveLength(pending ? 1 : 0);
  });
});
