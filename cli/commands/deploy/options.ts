/** What `hdoc deploy` and `hdoc diff` share: their options. */
import type { Command } from "commander";

export function backendOptions(cmd: Command): Command {
  return cmd
    .option("--stage <stage>", "dev, staging or prod (prod only when given here)")
    .option("--template <file>", "root template (default: infra/template.yml in the project)")
    .option("--config-file <file>", "SAM config file with a [<stage>.deploy.parameters] section (default: infra/samconfig.toml, optional)")
    .option("--stack-name <name>", "stack name (default: samconfig's stack_name, else hdoc-backend-<stage>)")
    .option("--parameter-overrides <pairs>", "template parameters, SAM style: 'Key=Value Key2=\"v w\"' (merged over Stage=<stage> and samconfig's)")
    .option("--capabilities <list>", "replaces the default 'CAPABILITY_IAM CAPABILITY_AUTO_EXPAND CAPABILITY_NAMED_IAM'")
    .option("--tags <pairs>", "stack tags, merged over project=100daysofcloud stage=<stage> and samconfig's")
    .option("--s3-bucket <bucket>", "bucket for packaged code and templates (default: ARTIFACTS_BUCKET, samconfig's s3_bucket, else the pipeline stack's ArtifactsBucket output)")
    .option("--s3-prefix <prefix>", "key prefix in that bucket (default: samconfig's s3_prefix, else backend/<stage>)")
    .option("--role-arn <arn>", "role CloudFormation deploys with (default: CFN_EXECUTION_ROLE_ARN, samconfig's role_arn, else the pipeline stack's CloudFormationExecutionRoleArn output)")
    .option("--build-dir <dir>", "build folder (default: .hdoc/build in the project)");
}
