/**
 * The scripted CloudFormation's scenarios for what moto cannot produce and a deploy must survive: stuck
 * states (REVIEW_IN_PROGRESS whose execution never starts, UPDATE_ROLLBACK_FAILED), busy stacks (an
 * operation in flight, another hdoc run's change set pending), OBSOLETE change sets, an update failing
 * halfway, slow change sets and updates (for Ctrl-C and --timeout), parameter-only changes, and many
 * long-named events (for the terminal view).
 */
import type { ResourceChange } from "../../cli/aws/cloudformation.ts";
import { OUTPUTS, PIPELINE_CHANGES, S, STACK, updateSucceeds, type Script, type Step } from "./cloudformation-scenarios.ts";

const MODIFY_PROJECT: ResourceChange[] = [{ action: "Modify", logicalId: "CodeBuildProject", type: "AWS::CodeBuild::Project", replacement: "False" }];

/** A stack left in REVIEW_IN_PROGRESS; the new change set is accepted for execution but it never starts. */
export const reviewStuck = (): Script => ({
  initial: { status: "REVIEW_IN_PROGRESS", events: [[S, STACK, "REVIEW_IN_PROGRESS", "User Initiated"]] },
  changeSet: [{ status: "CREATE_COMPLETE" }],
  changes: PIPELINE_CHANGES,
  neverStarts: true,
});

/** Another operation is running on the stack. */
export const busyStack = (): Script => ({
  initial: { status: "UPDATE_IN_PROGRESS", outputs: OUTPUTS },
  changeSet: [{ status: "CREATE_COMPLETE" }],
});

/** A second deploy in flight: another hdoc run's change set waits for its confirmation. */
export const secondDeploy = (): Script => ({
  initial: { status: "UPDATE_COMPLETE", outputs: OUTPUTS },
  otherChangeSets: [
    { id: "arn:aws:cloudformation:us-east-1:123456789012:changeSet/hdoc-dev-20260101-095900-aaaaaa/1", name: "hdoc-dev-20260101-095900-aaaaaa", status: "CREATE_COMPLETE", executionStatus: "AVAILABLE", creationTime: new Date(Date.now() - 60_000), description: "hdoc pipeline deploy by ana@laptop, pid 4242" },
  ],
  changeSet: [{ status: "CREATE_COMPLETE" }],
});

/** The change set turns OBSOLETE before it is executed (another change set ran first). */
export const obsoleteChangeSet = (): Script => ({ ...updateSucceeds(), obsolete: true });

/** An update that fails halfway: one resource fails, CloudFormation rolls the update back. */
export const updateFails = (): Script => ({
  pageSize: 2,
  initial: { status: "UPDATE_COMPLETE", outputs: OUTPUTS },
  changeSet: [{ status: "CREATE_COMPLETE" }],
  changes: [...MODIFY_PROJECT, { action: "Modify", logicalId: "Pipeline", type: "AWS::CodePipeline::Pipeline", replacement: "False" }],
  execution: [
    { status: "UPDATE_IN_PROGRESS", events: [[S, STACK, "UPDATE_IN_PROGRESS", "User Initiated"], ["CodeBuildProject", "AWS::CodeBuild::Project", "UPDATE_IN_PROGRESS"], ["CodeBuildProject", "AWS::CodeBuild::Project", "UPDATE_COMPLETE"]] },
    { status: "UPDATE_ROLLBACK_IN_PROGRESS", events: [["Pipeline", "AWS::CodePipeline::Pipeline", "UPDATE_FAILED", "Resource handler returned message: \"Invalid action configuration: connection is not AVAILABLE\""], [S, STACK, "UPDATE_ROLLBACK_IN_PROGRESS", "The following resource(s) failed to update: [Pipeline]."]] },
    { status: "UPDATE_ROLLBACK_COMPLETE", events: [["CodeBuildProject", "AWS::CodeBuild::Project", "UPDATE_COMPLETE"], [S, STACK, "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS"], [S, STACK, "UPDATE_ROLLBACK_COMPLETE"]] },
  ],
});

/** A change set CloudFormation takes long to make (for Ctrl-C while waiting for it). */
export const slowChangeSet = (): Script => ({
  initial: { status: "UPDATE_COMPLETE", outputs: OUTPUTS },
  changeSet: [...Array<{ status: string }>(400).fill({ status: "CREATE_PENDING" }), { status: "CREATE_COMPLETE" }],
  changes: MODIFY_PROJECT,
});

/** An update that runs for long (for Ctrl-C after execute, and for --timeout). */
export const slowUpdate = (): Script => ({
  initial: { status: "UPDATE_COMPLETE", outputs: OUTPUTS },
  changeSet: [{ status: "CREATE_COMPLETE" }],
  changes: MODIFY_PROJECT,
  execution: [
    { status: "UPDATE_IN_PROGRESS", events: [[S, STACK, "UPDATE_IN_PROGRESS", "User Initiated"], ["CodeBuildProject", "AWS::CodeBuild::Project", "UPDATE_IN_PROGRESS"]] },
    ...Array<Step>(2000).fill({ status: "UPDATE_IN_PROGRESS", events: [] }),
    { status: "UPDATE_COMPLETE", events: [["CodeBuildProject", "AWS::CodeBuild::Project", "UPDATE_COMPLETE"], [S, STACK, "UPDATE_COMPLETE"]] },
  ],
});

/** Only parameters and tags change: no resource rows, yet old -> new values to show (a NoEcho one masked). */
export const parameterOnly = (): Script => ({
  initial: { status: "UPDATE_COMPLETE", outputs: OUTPUTS, parameters: { Stage: "dev", BuildComputeType: "BUILD_GENERAL1_SMALL", GithubRepo: "/100DaysOfCloud/Backend/GithubRepo" }, tags: { project: "hdoc", stage: "dev", owner: "ops" } },
  changeSet: [{ status: "CREATE_IN_PROGRESS" }, { status: "CREATE_COMPLETE" }],
  changes: [],
});

/** Many resources with long names and reasons, for the terminal view at 80 columns. */
export const manyEvents = (): Script => {
  const ids = Array.from({ length: 12 }, (_, i) => `VeryLongLogicalResourceIdentifierNumber${i + 1}`);
  return {
    pageSize: 5,
    initial: { status: "UPDATE_COMPLETE", outputs: OUTPUTS },
    changeSet: [{ status: "CREATE_PENDING" }, { status: "CREATE_COMPLETE" }],
    changes: ids.map((id) => ({ action: "Add", logicalId: id, type: "AWS::CodeBuild::Project" })),
    execution: [
      { status: "UPDATE_IN_PROGRESS", events: [[S, STACK, "UPDATE_IN_PROGRESS", "User Initiated"], ...ids.map((id): Step["events"][number] => [id, "AWS::CodeBuild::Project", "CREATE_IN_PROGRESS", "Resource creation Initiated by the handler after a long and winding explanation"])] },
      { status: "UPDATE_IN_PROGRESS", events: ids.slice(0, 6).map((id): Step["events"][number] => [id, "AWS::CodeBuild::Project", "CREATE_COMPLETE"]) },
      { status: "UPDATE_COMPLETE", events: [...ids.slice(6).map((id): Step["events"][number] => [id, "AWS::CodeBuild::Project", "CREATE_COMPLETE"]), [S, STACK, "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS"], [S, STACK, "UPDATE_COMPLETE"]], outputs: OUTPUTS },
    ],
  };
};

/** Someone else's update is running and settles a few polls later (for status --watch). */
export const runningUpdate = (): Script => {
  const steps = slowUpdate().execution!;
  return { ...slowUpdate(), alreadyRunning: true, initial: { status: "UPDATE_IN_PROGRESS", outputs: OUTPUTS }, execution: [steps[0]!, { status: "UPDATE_IN_PROGRESS", events: [] }, steps.at(-1)!] };
};

/** A stack stuck after a failed rollback. */
export const rollbackFailed = (): Script => ({ initial: { status: "UPDATE_ROLLBACK_FAILED", outputs: OUTPUTS }, changeSet: [{ status: "CREATE_COMPLETE" }] });

/** A stack whose last update was rolled back: usable, but not what was asked for. */
export const updateRolledBack = (): Script => ({ initial: { status: "UPDATE_ROLLBACK_COMPLETE", outputs: OUTPUTS }, changeSet: [{ status: "CREATE_COMPLETE" }] });

export const FAULT_SCENARIOS = {
  reviewStuck, busyStack, secondDeploy, obsoleteChangeSet, updateFails, slowChangeSet, slowUpdate, parameterOnly, manyEvents, runningUpdate, rollbackFailed, updateRolledBack,
} as const;
