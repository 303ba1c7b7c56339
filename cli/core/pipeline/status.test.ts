import { describe, expect, it } from "vitest";
import { stackStatus, templateDrift } from "./status.ts";
import { ScriptedCloudFormation, rolledBack, updateSucceeds } from "../../../test/helpers/cloudformation-scenarios.ts";

const T = "Parameters:\n  Stage: {Type: String}\nResources:\n  B: {Type: AWS::S3::Bucket}\nOutputs:\n  O: {Value: !Ref B}\n";

describe("templateDrift", () => {
  it.each([
    ["identical text", T, T, []],
    ["formatting only", T, T.replace("{Type: String}", "\n    Type: String"), []],
    ["a changed resource", T, T.replace("AWS::S3::Bucket", "AWS::SQS::Queue"), ["Resources.B changed"]],
    ["an added output", T + "  P: {Value: x}\n", T, ["Outputs.P added locally"]],
    ["a removed parameter", T.replace("  Stage: {Type: String}\n", "  {}\n").replace("Parameters:\n  {}\n", ""), T, ["Parameters removed locally"]],
    ["a new top-level key", "Description: d\n" + T, T, ["Description added locally"]],
  ])("%s", (_what, local, deployed, details) => {
    expect(templateDrift(local, deployed)).toEqual({ differs: details.length > 0, details });
  });
});

describe("stackStatus", () => {
  const input = { stage: "dev" as const, stackName: "hdoc-backend-dev-codepipeline", region: "us-east-1", templateFile: "t.yml", templateBody: "Resources: {}\n" };
  it("reports a healthy stack with its outputs and no drift", async () => {
    const s = await stackStatus(input, { cfn: new ScriptedCloudFormation(updateSucceeds()) });
    expect(s).toMatchObject({ status: "CREATE_COMPLETE", healthy: true, drift: { differs: false }, lastUpdated: "2026-01-01T10:00:00.000Z" });
    expect(s.outputs.map((o) => o.key)).toEqual(["ArtifactsBucket", "PipelineName"]);
  });
  it("marks ROLLBACK_COMPLETE as not healthy", async () => {
    expect((await stackStatus(input, { cfn: new ScriptedCloudFormation(rolledBack()) })).healthy).toBe(false);
  });
  it("is NOT_FOUND (exit 6) for a missing stack", async () => {
    await expect(stackStatus(input, { cfn: new ScriptedCloudFormation({ changeSet: [] }) })).rejects.toMatchObject({ exitCode: 6 });
  });
});
