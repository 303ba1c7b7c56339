/** The command registry. Each module only declares options; its work is imported when it runs. */
import type { CommandDef } from "./command.ts";
import { mfaLogin } from "./mfa/login.ts";
import { mfaStatus } from "./mfa/status.ts";
import { mfaExec } from "./mfa/exec.ts";
import { codebuildCredentials } from "./codebuild/credentials.ts";
import { codebuildReset } from "./codebuild/reset-credentials.ts";
import { pipelineDeploy } from "./pipeline/deploy.ts";
import { pipelineStatus } from "./pipeline/status.ts";
import { pipelineConnection } from "./pipeline/connection.ts";
import { pipelineDiff } from "./pipeline/diff.ts";
import { build } from "./build.ts";
import { dev } from "./dev.ts";
import { invoke } from "./invoke.ts";
import { devToken } from "./dev/token.ts";
import { deployCommand } from "./deploy/deploy.ts";
import { diffCommand } from "./deploy/diff.ts";
import { doctor } from "./doctor.ts";
import { completion } from "./completion.ts";

export const GROUPS: Record<string, string> = {
  mfa: "Manage MFA sessions in the shared credentials file",
  codebuild: "Manage CodeBuild's stored GitHub source credentials",
  pipeline: "Deploy and inspect a stage's CodePipeline stack (cicd/)",
};

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const COMMANDS: CommandDef<any>[] = [mfaLogin, mfaStatus, mfaExec, codebuildCredentials, codebuildReset, pipelineDeploy, pipelineDiff, pipelineStatus, pipelineConnection, build, deployCommand, diffCommand, dev, devToken, invoke, doctor, completion];
