/**
 * CodeBuild behind the narrow interface hdoc uses: only the three source-credential calls.
 * Every call goes through awsCall, so SDK errors arrive as HdocErrors naming the action.
 */
import {
  CodeBuildClient,
  DeleteSourceCredentialsCommand,
  ImportSourceCredentialsCommand,
  ListSourceCredentialsCommand,
  type DeleteSourceCredentialsInput,
  type DeleteSourceCredentialsOutput,
  type ImportSourceCredentialsInput,
  type ImportSourceCredentialsOutput,
  type ListSourceCredentialsInput,
  type ListSourceCredentialsOutput,
} from "@aws-sdk/client-codebuild";
import { clientConfig, type AwsTarget } from "./clients.ts";
import { awsCall } from "./errors.ts";

export interface CodeBuildSourceCredentialsApi {
  listSourceCredentials(input: ListSourceCredentialsInput): Promise<ListSourceCredentialsOutput>;
  deleteSourceCredentials(input: DeleteSourceCredentialsInput): Promise<DeleteSourceCredentialsOutput>;
  importSourceCredentials(input: ImportSourceCredentialsInput): Promise<ImportSourceCredentialsOutput>;
}

export function codeBuildSourceCredentials(target: AwsTarget): CodeBuildSourceCredentialsApi {
  const client = new CodeBuildClient(clientConfig(target));
  const endpoint = target.endpoint;
  return {
    listSourceCredentials: (input) =>
      awsCall({ action: "codebuild:ListSourceCredentials", endpoint }, () => client.send(new ListSourceCredentialsCommand(input))),
    deleteSourceCredentials: (input) =>
      awsCall({ action: "codebuild:DeleteSourceCredentials", endpoint }, () => client.send(new DeleteSourceCredentialsCommand(input))),
    importSourceCredentials: (input) =>
      awsCall({ action: "codebuild:ImportSourceCredentials", endpoint }, () => client.send(new ImportSourceCredentialsCommand(input))),
  };
}
