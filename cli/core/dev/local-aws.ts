/**
 * What the local backend's AWS clients use: the embedded database's endpoint, the local region,
 * account and fixed local credentials, handed to each client and each function explicitly (never
 * through this process's environment, which may hold a developer's real credentials). No AWS SDK
 * here: the database thread and the start-up path import it.
 */
export const LOCAL_REGION = "us-east-1";
export const LOCAL_ACCOUNT = "123456789012";
export const LOCAL_CREDENTIALS = { accessKeyId: "local", secretAccessKey: "local" } as const;

/** The variables a function gets for the local endpoint (the SDK reads them in the worker). */
export const localAwsEnv = (endpoint: string): Record<string, string> => ({
  AWS_ENDPOINT_URL: endpoint,
  AWS_REGION: LOCAL_REGION,
  AWS_DEFAULT_REGION: LOCAL_REGION,
  AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
  AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
});
