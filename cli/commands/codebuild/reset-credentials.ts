import { Option } from "commander";
import type { Context } from "../../context.ts";
import type { AwsTarget } from "../../aws/clients.ts";
import type { ImportedCredential, ServerType } from "../../core/codebuild/source-credentials.ts";
import type { CommandDef } from "../command.ts";

interface ResetOptions {
  serverType: string;
  authType: string;
  connectionArn?: string;
  stage?: string;
  tokenEnv?: string;
  tokenSsmParameter?: string;
  import: boolean;
  delete: boolean;
  dryRun?: boolean;
}

export const codebuildReset: CommandDef<ResetOptions> = {
  path: ["codebuild", "reset-credentials"],
  summary: "Delete and re-import CodeBuild's GitHub credential",
  description: [
    "Gets what it will import first and checks it: with --auth-type CODECONNECTIONS (recommended) the GitHub",
    "connection (--connection-arn, else the one the stage's pipeline reads), which must be AVAILABLE; with",
    "PERSONAL_ACCESS_TOKEN (the default) a token (--token-env VAR, --token-ssm-parameter NAME of a SecureString,",
    "$GITHUB_TOKEN, else a masked prompt). Then lists the stored credentials of the server type, shows the plan,",
    "asks, deletes them, imports the new credential and prints what is stored afterwards. If the import fails",
    "after the deletion, retry with --no-delete.",
  ].join(" "),
  examples: [
    "hdoc codebuild reset-credentials --auth-type CODECONNECTIONS --yes",
    "hdoc codebuild reset-credentials --auth-type CODECONNECTIONS --connection-arn arn:aws:codeconnections:us-east-1:123456789012:connection/ID",
    "hdoc codebuild reset-credentials",
    "GITHUB_TOKEN=... hdoc codebuild reset-credentials --yes",
    "hdoc codebuild reset-credentials --token-ssm-parameter /100DaysOfCloud/Backend/GithubTokenS",
    "hdoc codebuild reset-credentials --dry-run",
    "hdoc codebuild reset-credentials --no-delete --token-env MY_TOKEN",
  ],
  configure(cmd) {
    cmd
      .addOption(new Option("--server-type <type>", "source provider: GITHUB, GITHUB_ENTERPRISE or BITBUCKET").default("GITHUB"))
      .addOption(new Option("--auth-type <type>", "CODECONNECTIONS (a connection, recommended) or PERSONAL_ACCESS_TOKEN").default("PERSONAL_ACCESS_TOKEN"))
      .option("--connection-arn <arn>", "CODECONNECTIONS: the connection to import (default: the one the stage's pipeline reads)")
      .option("--stage <stage>", "CODECONNECTIONS: whose pipeline connection to import (default: from the git branch)")
      .option("--token-env <var>", "PERSONAL_ACCESS_TOKEN: read the new token from this environment variable (default: GITHUB_TOKEN when it is set)")
      .option("--token-ssm-parameter <name>", "PERSONAL_ACCESS_TOKEN: read the new token from this SSM SecureString parameter (decrypted)")
      .option("--no-delete", "import without deleting first (the retry path after a failed import)")
      .option("--no-import", "only delete; do not import a new token")
      .option("--dry-run", "show the plan and change nothing");
  },
  async run(opts, ctx) {
    const { io } = ctx;
    const [core, { chooseTokenSource }, { HdocError }] = await Promise.all([import("../../core/codebuild/source-credentials.ts"), import("../../core/codebuild/token.ts"), import("../../errors.ts")]);
    const serverType = core.parseServerType(opts.serverType);
    const authType = core.parseAuthType(opts.authType);
    core.checkSteps(opts);
    const env = (name: string) => ctx.env[name];
    const tokenFlags = opts.tokenEnv !== undefined || opts.tokenSsmParameter !== undefined;
    const connectionFlags = opts.connectionArn !== undefined || opts.stage !== undefined;
    if (!opts.import && (tokenFlags || connectionFlags)) {
      throw new HdocError("USAGE", "--no-import imports nothing, but a token or connection was given", "drop --token-env/--token-ssm-parameter/--connection-arn/--stage, or drop --no-import");
    }
    if (authType === "CODECONNECTIONS" && tokenFlags) {
      throw new HdocError("USAGE", "--auth-type CODECONNECTIONS imports a connection, not a token", "drop --token-env/--token-ssm-parameter (pass --connection-arn ARN, or nothing for the stage's connection)");
    }
    if (authType === "PERSONAL_ACCESS_TOKEN" && connectionFlags) {
      throw new HdocError("USAGE", "--connection-arn and --stage choose a connection, which needs --auth-type CODECONNECTIONS", "add --auth-type CODECONNECTIONS");
    }

    const { sessionTarget, describeTarget, clientConfig } = await import("../../aws/clients.ts");
    const { codeBuildSourceCredentials } = await import("../../aws/codebuild.ts");
    const { ssmParameters, readParameter } = await import("../../aws/ssm.ts");
    const target = await sessionTarget(ctx);
    io.verbose(describeTarget(target));
    const region = target.region.value;
    const tokens = { env, ssmParameter: (name: string) => readParameter(ssmParameters(target), name, { region }) };
    const credential: ImportedCredential =
      authType === "PERSONAL_ACCESS_TOKEN"
        ? { authType, tokenSource: opts.import ? chooseTokenSource(opts, { env }) : { kind: "prompt" } }
        : opts.import
          ? await chooseConnection(opts, serverType, region, ctx, target)
          : { authType, connectionArn: "", about: "", explicit: false };
    const retryArgs = [
      ...(ctx.global.profile ? ["--profile", ctx.global.profile] : []),
      ...(ctx.global.region ? ["--region", ctx.global.region] : []),
    ];

    const result = await core.resetCredentials(
      { serverType, region, delete: opts.delete, import: opts.import, dryRun: Boolean(opts.dryRun), credential, retryArgs },
      {
        codebuild: codeBuildSourceCredentials(target),
        tokens,
        io,
        accountId: async () => {
          const { callerAccount } = await import("../../aws/sts.ts");
          return callerAccount(clientConfig(target), target.endpoint);
        },
      },
    );

    if (io.json) {
      io.result(result);
    } else if (result.outcome === "changed") {
      io.out("");
      io.out("Stored now:");
      const { credentialsText } = await import("./credentials-table.ts");
      io.out(credentialsText(result.credentials, { region: result.region }));
    }
    return 0;
  },
};

/** The connection to import, checked usable: --connection-arn, else the stage's pipeline connection. */
async function chooseConnection(opts: ResetOptions, serverType: ServerType, region: string, ctx: Context, target: AwsTarget) {
  const [{ connectionCredential }, { codeConnections }, { ssmParameters }] = await Promise.all([
    import("../../core/codebuild/connection-credential.ts"),
    import("../../aws/codeconnections.ts"),
    import("../../aws/ssm.ts"),
  ]);
  return connectionCredential(
    {
      ...(opts.connectionArn !== undefined ? { arn: opts.connectionArn } : {}),
      serverType,
      region,
      stageConnection: async () => {
        const [{ readTemplate, resolvePipeline }, { stageConnection }] = await Promise.all([import("../../core/pipeline/settings.ts"), import("../../core/pipeline/connection.ts")]);
        const settings = await resolvePipeline({ ...(opts.stage !== undefined ? { stage: opts.stage } : {}) }, ctx);
        return stageConnection(settings, await readTemplate(settings), { ssm: ssmParameters(target) }, region);
      },
    },
    { connections: codeConnections(target) },
  );
}
