/**
 * The connection `hdoc codebuild reset-credentials --auth-type CODECONNECTIONS` imports: the one
 * given by --connection-arn, else the one the stage's pipeline reads. It is checked before anything
 * is deleted: it must exist, be AVAILABLE and serve the server type's provider.
 */
import type { CodeConnectionsApi } from "../../aws/codeconnections.ts";
import { HdocError } from "../../errors.ts";
import { checkArn, readConnection, unusableConnection } from "../pipeline/connection.ts";
import { CONNECTION_PROVIDER, type ImportedCredential, type ServerType } from "./source-credentials.ts";

export interface ConnectionChoice {
  /** --connection-arn, when given. */
  arn?: string;
  serverType: ServerType;
  region: string;
  /** The stage's connection (read only when no ARN is given). */
  stageConnection(): Promise<{ arn: string; source: string } | undefined>;
}

export async function connectionCredential(choice: ConnectionChoice, deps: { connections: CodeConnectionsApi }): Promise<Extract<ImportedCredential, { authType: "CODECONNECTIONS" }>> {
  const ref = choice.arn !== undefined ? { arn: checkArn(choice.arn.trim(), "--connection-arn"), source: "--connection-arn" } : await choice.stageConnection();
  if (!ref) {
    throw new HdocError("USAGE", "the pipeline template reads no GitHub connection, so there is no stage connection to import", "pass --connection-arn ARN (see `aws codeconnections list-connections`)");
  }
  const state = await readConnection(ref, deps, choice.region, CONNECTION_PROVIDER[choice.serverType]);
  if (!state.usable) throw unusableConnection(state, "not importing the connection, nothing was changed");
  return { authType: "CODECONNECTIONS", connectionArn: state.arn, about: `${state.name ?? "unnamed"}, ${state.status}, from ${state.source}`, explicit: choice.arn !== undefined };
}
