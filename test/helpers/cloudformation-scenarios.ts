/**
 * The scenarios the scripted CloudFormation (scripted-cloudformation.ts) replays: a first create that
 * fails and rolls back, a ROLLBACK_COMPLETE stack replaced, an empty change set, an update; and the
 * backend's root and nested stacks (hdoc deploy). What moto cannot produce beyond these (stuck, busy,
 * OBSOLETE, halfway failures) is in cloudformation-fault-scenarios.ts.
 */
import type { ResourceChange, StackOutput } from "../../cli/aws/cloudformation.ts";
import { NO_CHANGES_REASON, type Script } from "./scripted-cloudformation.ts";

export { ScriptedCloudFormation, type NestedScript, type Script, type ScriptedChange, type ScriptedEvent, type Step } from "./scripted-cloudformation.ts";

// ---- the scenarios the tests replay ----

export const STACK = "AWS::CloudFormation::Stack";
export const S = "hdoc-backend-dev-codepipeline";
export const CODEBUILD_REASON = 'Resource handler returned message: "No Access token found, please visit AWS CodeBuild console to connect to GitHub (Service: CodeBuild, Status Code: 400)"';

export const PIPELINE_CHANGES: ResourceChange[] = [
  { action: "Add", logicalId: "ArtifactsBucket", type: "AWS::S3::Bucket" },
  { action: "Add", logicalId: "CodeBuildProject", type: "AWS::CodeBuild::Project" },
  { action: "Add", logicalId: "Pipeline", type: "AWS::CodePipeline::Pipeline" },
];

export const OUTPUTS: StackOutput[] = [
  { key: "ArtifactsBucket", value: "hdoc-backend-dev-codepipeline-artifactsbucket-1abc", description: "Encrypted, versioned bucket" },
  { key: "PipelineName", value: "hdoc-backend-dev-codepipeline-Pipeline-XYZ" },
];

/** A first create whose CodeBuild project fails; CloudFormation rolls back to ROLLBACK_COMPLETE. */
export const createFails = (): Script => ({
  pageSize: 3,
  changeSet: [{ status: "CREATE_PENDING" }, { status: "CREATE_IN_PROGRESS" }, { status: "CREATE_COMPLETE" }],
  changes: PIPELINE_CHANGES,
  execution: [
    { status: "CREATE_IN_PROGRESS", events: [[S, STACK, "CREATE_IN_PROGRESS", "User Initiated"], ["ArtifactsBucket", "AWS::S3::Bucket", "CREATE_IN_PROGRESS"], ["CodeBuildProject", "AWS::CodeBuild::Project", "CREATE_IN_PROGRESS"]] },
    {
      status: "ROLLBACK_IN_PROGRESS",
      events: [
        ["ArtifactsBucket", "AWS::S3::Bucket", "CREATE_COMPLETE"],
        ["CodeBuildProject", "AWS::CodeBuild::Project", "CREATE_FAILED", CODEBUILD_REASON],
        ["Pipeline", "AWS::CodePipeline::Pipeline", "CREATE_FAILED", "Resource creation cancelled"],
        [S, STACK, "ROLLBACK_IN_PROGRESS", "The following resource(s) failed to create: [CodeBuildProject, Pipeline]. Rollback requested by user."],
      ],
    },
    { status: "ROLLBACK_COMPLETE", events: [["ArtifactsBucket", "AWS::S3::Bucket", "DELETE_COMPLETE"], [S, STACK, "ROLLBACK_COMPLETE"]] },
  ],
});

/** A stack left in ROLLBACK_COMPLETE: deleted (after confirmation), then created again successfully. */
export const rolledBack = (): Script => ({
  pageSize: 2,
  initial: { status: "ROLLBACK_COMPLETE", events: [[S, STACK, "CREATE_IN_PROGRESS"], ["CodeBuildProject", "AWS::CodeBuild::Project", "CREATE_FAILED", CODEBUILD_REASON], [S, STACK, "ROLLBACK_COMPLETE"]] },
  deletion: [{ status: "DELETE_IN_PROGRESS", events: [[S, STACK, "DELETE_IN_PROGRESS", "User Initiated"]] }, { status: "GONE", events: [] }],
  changeSet: [{ status: "CREATE_PENDING" }, { status: "CREATE_COMPLETE" }],
  changes: PIPELINE_CHANGES,
  execution: [
    { status: "CREATE_IN_PROGRESS", events: [[S, STACK, "CREATE_IN_PROGRESS", "User Initiated"], ["ArtifactsBucket", "AWS::S3::Bucket", "CREATE_IN_PROGRESS"]] },
    { status: "CREATE_IN_PROGRESS", events: [["ArtifactsBucket", "AWS::S3::Bucket", "CREATE_COMPLETE"], ["CodeBuildProject", "AWS::CodeBuild::Project", "CREATE_COMPLETE"], ["Pipeline", "AWS::CodePipeline::Pipeline", "CREATE_COMPLETE"]] },
    { status: "CREATE_COMPLETE", events: [[S, STACK, "CREATE_COMPLETE"]], outputs: OUTPUTS },
  ],
});

/** An UPDATE whose change set ends FAILED because nothing changed (real AWS behaviour). */
export const noChanges = (): Script => ({
  initial: { status: "UPDATE_COMPLETE", outputs: OUTPUTS },
  changeSet: [{ status: "CREATE_PENDING" }, { status: "FAILED", reason: NO_CHANGES_REASON }],
});

/** An UPDATE that replaces a resource and succeeds. */
export const updateSucceeds = (): Script => ({
  pageSize: 2,
  initial: { status: "CREATE_COMPLETE", outputs: OUTPUTS },
  changeSet: [{ status: "CREATE_IN_PROGRESS" }, { status: "CREATE_COMPLETE" }],
  changes: [
    { action: "Modify", logicalId: "CodeBuildProject", type: "AWS::CodeBuild::Project", replacement: "False" },
    { action: "Modify", logicalId: "ArtifactsBucket", type: "AWS::S3::Bucket", replacement: "True" },
    { action: "Remove", logicalId: "OldRole", type: "AWS::IAM::Role" },
  ],
  execution: [
    { status: "UPDATE_IN_PROGRESS", events: [[S, STACK, "UPDATE_IN_PROGRESS", "User Initiated"], ["CodeBuildProject", "AWS::CodeBuild::Project", "UPDATE_IN_PROGRESS"]] },
    { status: "UPDATE_COMPLETE", events: [["CodeBuildProject", "AWS::CodeBuild::Project", "UPDATE_COMPLETE"], [S, STACK, "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS"], [S, STACK, "UPDATE_COMPLETE"]], outputs: OUTPUTS },
  ],
});

// ---- the backend: root hdoc-backend-dev and its nested stacks (hdoc deploy) ----

const B = "hdoc-backend-dev";
const LAMBDA = "AWS::Lambda::Function";
export const LAMBDA_REASON = 'Resource handler returned message: "Uploaded file must be a non-empty zip (Service: Lambda, Status Code: 400, Request ID: 5e0b5c3d-1f2a-4b6c-9d8e-7f6a5b4c3d2e)" (RequestToken: 0b1c2d3e-4f5a-6b7c-8d9e-0f1a2b3c4d5e, HandlerErrorCode: InvalidRequest)';
export const BACKEND_BUCKET = "hdoc-backend-dev-codepipeline-artifactsbucket-1abc";
export const BACKEND_ROLE = "arn:aws:iam::123456789012:role/hdoc-backend-dev-codepipeline-CloudFormationExecutionRole-XYZ";

/** The stage's pipeline stack, whose outputs name the artifacts bucket and the execution role. */
const PIPELINE_STACK = { name: S, status: "UPDATE_COMPLETE", outputs: [{ key: "ArtifactsBucket", value: BACKEND_BUCKET }, { key: "CloudFormationExecutionRoleArn", value: BACKEND_ROLE }] };
const BACKEND_OUTPUTS: StackOutput[] = [
  { key: "ApiUrl", value: "https://abc123.execute-api.us-east-1.amazonaws.com/dev", description: "Base URL of the REST API (stage included)" },
  { key: "CloudFrontUrl", value: "https://d111111abcdef8.cloudfront.net" },
];
const nestedRow = (id: string, action = "Modify"): ResourceChange => ({ action, logicalId: id, type: STACK, ...(action === "Modify" ? { replacement: "False" } : {}) });
const unchanged = { changeSet: { status: "FAILED", reason: NO_CHANGES_REASON } };

/** A first deploy of the backend: every nested stack is added, its resources created. */
export const backendCreate = (): Script => ({
  stackName: B,
  pageSize: 4,
  neighbours: [PIPELINE_STACK],
  changeSet: [{ status: "CREATE_PENDING" }, { status: "CREATE_IN_PROGRESS" }, { status: "CREATE_COMPLETE" }],
  changes: [nestedRow("Database", "Add"), nestedRow("Api", "Add")],
  nested: {
    Database: { changes: [{ action: "Add", logicalId: "UsersTable", type: "AWS::DynamoDB::Table" }] },
    Api: { changes: [{ action: "Add", logicalId: "GetUserFunction", type: LAMBDA }, { action: "Add", logicalId: "GetUserFunctionRole", type: "AWS::IAM::Role" }] },
  },
  execution: [
    { status: "CREATE_IN_PROGRESS", events: [[B, STACK, "CREATE_IN_PROGRESS", "User Initiated"], ["Database", STACK, "CREATE_IN_PROGRESS"], ["Database/UsersTable", "AWS::DynamoDB::Table", "CREATE_IN_PROGRESS"]] },
    { status: "CREATE_IN_PROGRESS", events: [["Database/UsersTable", "AWS::DynamoDB::Table", "CREATE_COMPLETE"], ["Database", STACK, "CREATE_COMPLETE"], ["Api", STACK, "CREATE_IN_PROGRESS"], ["Api/GetUserFunctionRole", "AWS::IAM::Role", "CREATE_IN_PROGRESS"]] },
    { status: "CREATE_IN_PROGRESS", events: [["Api/GetUserFunctionRole", "AWS::IAM::Role", "CREATE_COMPLETE"], ["Api/GetUserFunction", LAMBDA, "CREATE_IN_PROGRESS"], ["Api/GetUserFunction", LAMBDA, "CREATE_COMPLETE"], ["Api", STACK, "CREATE_COMPLETE"]] },
    { status: "CREATE_COMPLETE", events: [[B, STACK, "CREATE_COMPLETE"]], outputs: BACKEND_OUTPUTS },
  ],
});

/** A redeploy where nothing changed: the root change set ends FAILED "didn't contain changes". */
export const backendNoChanges = (): Script => ({
  stackName: B,
  neighbours: [PIPELINE_STACK],
  initial: { status: "UPDATE_COMPLETE", outputs: BACKEND_OUTPUTS },
  changeSet: [{ status: "CREATE_PENDING" }, { status: "FAILED", reason: NO_CHANGES_REASON }],
});

/** A change to one function inside Api: the root lists `Modify Api`, Api's own change set the function. */
export const backendApiChange = (): Script => ({
  stackName: B,
  pageSize: 3,
  neighbours: [PIPELINE_STACK],
  // the previous deploy's events, the nested ones included (read from Api's ARN, they must not show again)
  initial: { status: "UPDATE_COMPLETE", outputs: BACKEND_OUTPUTS, events: [["Api/GetUserFunction", LAMBDA, "UPDATE_COMPLETE"], ["Api", STACK, "UPDATE_COMPLETE"], [B, STACK, "UPDATE_COMPLETE"]] },
  changeSet: [{ status: "CREATE_IN_PROGRESS" }, { status: "CREATE_COMPLETE" }],
  changes: [nestedRow("Api"), nestedRow("Auth")],
  nested: {
    Api: { changes: [{ action: "Modify", logicalId: "GetUserFunction", type: LAMBDA, replacement: "False" }, { action: "Add", logicalId: "GetUserFunctionAlias", type: "AWS::Lambda::Alias" }] },
    Auth: unchanged,
  },
  execution: [
    { status: "UPDATE_IN_PROGRESS", events: [[B, STACK, "UPDATE_IN_PROGRESS", "User Initiated"], ["Api", STACK, "UPDATE_IN_PROGRESS"]] },
    { status: "UPDATE_IN_PROGRESS", events: [["Api/GetUserFunction", LAMBDA, "UPDATE_IN_PROGRESS"], ["Api/GetUserFunction", LAMBDA, "UPDATE_COMPLETE"], ["Api/GetUserFunctionAlias", "AWS::Lambda::Alias", "CREATE_COMPLETE"]] },
    { status: "UPDATE_COMPLETE", events: [["Api", STACK, "UPDATE_COMPLETE"], [B, STACK, "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS"], [B, STACK, "UPDATE_COMPLETE"]], outputs: BACKEND_OUTPUTS },
  ],
});

/** A function inside Api fails to update; Api and then the root roll back. */
export const backendApiFails = (): Script => ({
  ...backendApiChange(),
  execution: [
    { status: "UPDATE_IN_PROGRESS", events: [[B, STACK, "UPDATE_IN_PROGRESS", "User Initiated"], ["Api", STACK, "UPDATE_IN_PROGRESS"]] },
    {
      status: "UPDATE_ROLLBACK_IN_PROGRESS",
      events: [
        ["Api/GetUserFunction", LAMBDA, "UPDATE_IN_PROGRESS"],
        ["Api/GetUserFunction", LAMBDA, "UPDATE_FAILED", LAMBDA_REASON],
        ["Api/GetUserFunctionAlias", "AWS::Lambda::Alias", "CREATE_FAILED", "Resource creation cancelled"],
        ["Api", STACK, "UPDATE_FAILED", "Embedded stack arn:aws:cloudformation:us-east-1:123456789012:stack/hdoc-backend-dev-Api-1A2B3C4D5E6F/0000-api was not successfully updated. Currently in UPDATE_ROLLBACK_IN_PROGRESS with reason: The following resource(s) failed to update: [GetUserFunction]."],
        [B, STACK, "UPDATE_ROLLBACK_IN_PROGRESS", "The following resource(s) failed to update: [Api]."],
      ],
    },
    { status: "UPDATE_ROLLBACK_COMPLETE", events: [["Api/GetUserFunction", LAMBDA, "UPDATE_COMPLETE"], ["Api", STACK, "UPDATE_COMPLETE"], [B, STACK, "UPDATE_ROLLBACK_COMPLETE"]] },
  ],
});

export const SCENARIOS = { createFails, rolledBack, noChanges, updateSucceeds, backendCreate, backendNoChanges, backendApiChange, backendApiFails } as const;
export type ScenarioName = keyof typeof SCENARIOS;
