import { Option } from "commander";
import type { CommandDef } from "../command.ts";

interface ResetOptions {
  serverType: string;
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
    "Gets the new token first (--token-env VAR, --token-ssm-parameter NAME, $GITHUB_TOKEN, else a masked prompt);",
    "then lists the stored credentials of the server type, shows the plan, asks, deletes them, imports the new",
    "token (PERSONAL_ACCESS_TOKEN) and prints what is stored afterwards. If the import fails after the deletion,",
    "retry with --no-delete.",
  ].join(" "),
  examples: [
    "hdoc codebuild reset-credentials",
    "GITHUB_TOKEN=... hdoc codebuild reset-credentials --yes",
    "hdoc codebuild reset-credentials --token-ssm-parameter /100DaysOfCloud/Backend/GithubTokenS",
    "hdoc codebuild reset-credentials --dry-run",
    "hdoc codebuild reset-credentials --no-delete --token-env MY_TOKEN",
  ],
  configure(cmd) {
    cmd
      .addOption(new Option("--server-type <type>", "source provider: GITHUB, GITHUB_ENTERPRISE or BITBUCKET").default("GITHUB"))
      .option("--token-env <var>", "read the new token from this environment variable (default: GITHUB_TOKEN when it is set)")
      .option("--token-ssm-parameter <name>", "read the new token from this SSM parameter (String, or SecureString decrypted)")
      .option("--no-delete", "import without deleting first (the retry path after a failed import)")
      .option("--no-import", "only delete; do not import a new token")
      .option("--dry-run", "show the plan and change nothing");
  },
  async run(opts, ctx) {
    const { io } = ctx;
    const core = await import("../../core/codebuild/source-credentials.ts");
    const serverType = core.parseServerType(opts.serverType);
    core.checkSteps(opts);
    const env = (name: string) => ctx.env[name];
    if (!opts.import && (opts.tokenEnv !== undefined || opts.tokenSsmParameter !== undefined)) {
      const { HdocError } = await import("../../errors.ts");
      throw new HdocError("USAGE", "--no-import takes no token, but a token source was given", "drop --token-env/--token-ssm-parameter, or drop --no-import");
    }
    const tokenSource = opts.import ? core.chooseTokenSource(opts, { env }) : ({ kind: "prompt" } as const);

    const { sessionTarget, describeTarget, clientConfig } = await import("../../aws/clients.ts");
    const { codeBuildSourceCredentials } = await import("../../aws/codebuild.ts");
    const target = await sessionTarget(ctx);
    io.verbose(describeTarget(target));
    const tokens = {
      env,
      ssmParameter: async (name: string) => {
        const { ssmParameters, readParameter } = await import("../../aws/ssm.ts");
        return readParameter(ssmParameters(target), name, { region: target.region.value });
      },
    };
    const retryArgs = [
      ...(ctx.global.profile ? ["--profile", ctx.global.profile] : []),
      ...(ctx.global.region ? ["--region", ctx.global.region] : []),
    ];

    const result = await core.resetCredentials(
      { serverType, region: target.region.value, delete: opts.delete, import: opts.import, dryRun: Boolean(opts.dryRun), tokenSource, retryArgs },
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
