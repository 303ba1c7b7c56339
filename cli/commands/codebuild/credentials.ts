import type { CommandDef } from "../command.ts";

export const codebuildCredentials: CommandDef = {
  path: ["codebuild", "credentials"],
  summary: "List CodeBuild's stored source credentials",
  description: "Shows the source credentials CodeBuild keeps for the account and region (server type, auth type, ARN).",
  examples: ["hdoc codebuild credentials", "hdoc codebuild credentials --json", "hdoc codebuild credentials --profile mfa --region us-east-1"],
  async run(_opts, ctx) {
    const { sessionTarget, describeTarget } = await import("../../aws/clients.ts");
    const { codeBuildSourceCredentials } = await import("../../aws/codebuild.ts");
    const { listSourceCredentials } = await import("../../core/codebuild/source-credentials.ts");
    const { credentialsText } = await import("./credentials-table.ts");
    const target = await sessionTarget(ctx);
    ctx.io.verbose(describeTarget(target));
    const region = target.region.value;
    const credentials = await listSourceCredentials(codeBuildSourceCredentials(target));
    if (ctx.io.json) ctx.io.result({ region, credentials });
    else ctx.io.out(credentialsText(credentials, { region }));
    return 0;
  },
};
