/** The environment a function's worker gets: Lambda's own variables, the local endpoint and credentials, then the template's. */

/** Variables of this process a function may see (nothing secret: no AWS credentials or profile). */
const PASSED_THROUGH = ["PATH", "TZ", "LANG"];

/** The parts of a runtime function (runtime.ts) its environment is made of. */
export interface EnvSource {
  info: { logicalId: string; codeDir: string };
  env: Record<string, string>;
  timeoutSeconds: number;
  memoryMb: number;
}

export function lambdaEnv(fn: EnvSource, region: string, baseEnv: Record<string, string> = {}): Record<string, string> {
  const name = fn.info.logicalId;
  const passed = Object.fromEntries(PASSED_THROUGH.flatMap((k) => (process.env[k] === undefined ? [] : [[k, process.env[k]!]])));
  return {
    ...passed,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
    ...baseEnv,
    AWS_LAMBDA_FUNCTION_NAME: name,
    AWS_LAMBDA_FUNCTION_VERSION: "$LATEST",
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memoryMb),
    AWS_LAMBDA_FUNCTION_TIMEOUT: String(fn.timeoutSeconds),
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${name}`,
    AWS_EXECUTION_ENV: "AWS_Lambda_nodejs_hdoc_dev",
    LAMBDA_TASK_ROOT: fn.info.codeDir,
    AWS_REGION: region,
    AWS_DEFAULT_REGION: region,
    ...fn.env,
  };
}
