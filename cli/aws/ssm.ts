/**
 * SSM Parameter Store behind a narrow interface (GetParameter only), and `readParameter`, which
 * reads one value (decrypting SecureStrings) and names the parameter when it is missing.
 */
import { GetParameterCommand, SSMClient, type GetParameterCommandInput, type GetParameterCommandOutput } from "@aws-sdk/client-ssm";
import { clientConfig, type AwsTarget } from "./clients.ts";
import { awsCall } from "./errors.ts";
import { HdocError } from "../errors.ts";

export interface SsmParametersApi {
  getParameter(input: GetParameterCommandInput): Promise<GetParameterCommandOutput>;
}

export function ssmParameters(target: AwsTarget): SsmParametersApi {
  const client = new SSMClient(clientConfig(target));
  return {
    getParameter: (input) => awsCall({ action: "ssm:GetParameter", endpoint: target.endpoint }, () => client.send(new GetParameterCommand(input))),
  };
}

/**
 * The value of one parameter, SecureStrings decrypted, and its type (String, StringList,
 * SecureString). A missing parameter is a NOT_FOUND error that names it and the region; the value
 * itself is never part of any message.
 */
export async function readParameter(api: SsmParametersApi, name: string, where: { region: string }): Promise<{ value: string; type?: string }> {
  let out: GetParameterCommandOutput;
  try {
    out = await api.getParameter({ Name: name, WithDecryption: true });
  } catch (e) {
    if (e instanceof HdocError && e.code === "NOT_FOUND") {
      throw new HdocError("NOT_FOUND", `SSM parameter ${name} does not exist in ${where.region}`, "check the name, --region and --profile, or create it (aws ssm put-parameter --name NAME --type SecureString --value TOKEN)", { cause: e });
    }
    throw e;
  }
  const value = out.Parameter?.Value;
  if (value === undefined) throw new HdocError("NOT_FOUND", `SSM parameter ${name} has no value in ${where.region}`);
  return { value, ...(out.Parameter?.Type ? { type: out.Parameter.Type } : {}) };
}
