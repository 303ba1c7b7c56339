/**
 * The Statistics Parser's Lambda entry (an EventBridge schedule): configuration from the
 * environment the template sets, the optional GitHub token read once per container from an SSM
 * SecureString (never logged), then one run (parser.ts).
 */
import { GetParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { fromEnv } from "@aws-sdk/credential-provider-env";
import { documentClient } from "@hdoc/shared/dynamo";
import { once, requireEnv } from "@hdoc/shared/env";
import { jsonLogger } from "@hdoc/shared/log";
import { dynamoUserStore } from "@hdoc/shared/users";
import { gitHub } from "./github.ts";
import { runParser, type RunSummary } from "./parser.ts";
import { dynamoRunStateStore } from "./run-state.ts";
import { signedPost } from "./signed-post.ts";

const container = once(() => {
  const db = documentClient();
  return {
    users: dynamoUserStore(db, requireEnv("USERS_TABLE")),
    state: dynamoRunStateStore(db, requireEnv("STATE_TABLE")),
    statisticsUrl: requireEnv("STATISTICS_URL"),
    post: signedPost({ region: requireEnv("AWS_REGION"), credentials: fromEnv() }),
  };
});

/** The token from the SSM SecureString named by GITHUB_TOKEN_PARAMETER; undefined when none is configured. */
export async function readToken(parameter: string | undefined, ssm: Pick<SSMClient, "send"> = new SSMClient({})): Promise<string | undefined> {
  if (!parameter) return undefined;
  const out = await ssm.send(new GetParameterCommand({ Name: parameter, WithDecryption: true }));
  return out.Parameter?.Value || undefined;
}
let token: Promise<string | undefined> | undefined;

export const handler = async (_event: unknown, context?: { getRemainingTimeInMillis?: () => number }): Promise<RunSummary> => {
  const c = container();
  token ??= readToken(process.env.GITHUB_TOKEN_PARAMETER).catch((e: unknown) => {
    token = undefined; // try again on the next run
    throw new Error(`cannot read the GitHub token parameter ${process.env.GITHUB_TOKEN_PARAMETER}: ${(e as Error).name}`);
  });
  return runParser({
    ...c,
    github: gitHub({ apiUrl: process.env.GITHUB_API_URL, token: await token }),
    repository: process.env.JOURNEY_REPOSITORY || "100DaysOfCloud",
    log: jsonLogger,
    remainingMs: context?.getRemainingTimeInMillis ? () => context.getRemainingTimeInMillis!() : undefined,
  });
};
