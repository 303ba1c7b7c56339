// `npm run local-aws`: a local AWS for trying hdoc by hand, with nothing leaving this machine.
// moto server (STS, SSM, CloudFormation, S3) behind the loopback endpoints the tests use: CodeBuild
// source credentials (test/helpers/codebuild-endpoint.ts) in front of CodeConnections
// (test/helpers/codeconnections-endpoint.ts) in front of moto; each proxies what is not its own to the
// next, so one --endpoint-url serves every hdoc command. With --seed it also creates what the README
// says: the account's GitHub connection (AVAILABLE, as after the console handshake; PENDING with
// --connection-status PENDING, ERROR likewise) and the SSM parameters the pipeline template reads
// (GithubOwner, GithubRepo, GithubConnectionArn as String; GithubTokenS as SecureString, for the
// token path of `hdoc codebuild reset-credentials`). Stops on Ctrl-C.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
import { build } from "esbuild";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const out = path.join(root, ".hdoc", "local-aws.mjs");
mkdirSync(path.dirname(out), { recursive: true });
await build({
  stdin: {
    contents: [
      `export { startMoto } from "./test/helpers/moto.ts";`,
      `export { startCodeBuildEndpoint } from "./test/helpers/codebuild-endpoint.ts";`,
      `export { startCodeConnectionsEndpoint } from "./test/helpers/codeconnections-endpoint.ts";`,
    ].join("\n"),
    resolveDir: root,
    loader: "ts",
  },
  outfile: out,
  bundle: true,
  platform: "node",
  format: "esm",
  packages: "external",
  logLevel: "warning",
});
const { startMoto, startCodeBuildEndpoint, startCodeConnectionsEndpoint } = await import(pathToFileURL(out).href);

const flag = (name) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const connectionStatus = flag("--connection-status") ?? "AVAILABLE";
if (!["PENDING", "AVAILABLE", "ERROR"].includes(connectionStatus)) {
  console.error(`error: --connection-status ${connectionStatus}: expected PENDING, AVAILABLE or ERROR`);
  process.exit(2);
}
const port = Number(process.env.PORT ?? 4566);
// moto's log (every request, and the tracebacks behind an HTTP 500) goes to a file the user is told about
const logFile = path.join(root, ".hdoc", "local-aws.log");
const moto = await startMoto({ logFile });
const connections = await startCodeConnectionsEndpoint({ proxyTo: moto.url });
const codebuild = await startCodeBuildEndpoint({ proxyTo: connections.url, port });
const url = codebuild.url;

if (process.argv.includes("--seed")) {
  const { SSMClient, PutParameterCommand } = await import("@aws-sdk/client-ssm");
  const ssm = new SSMClient({ endpoint: url, region: "us-east-1", credentials: { accessKeyId: "local", secretAccessKey: "local" } });
  const connectionArn = connections.seed({ name: "hdoc-github", status: connectionStatus });
  console.log(`seeded the GitHub connection ${connectionArn} (${connectionStatus})`);
  const params = { GithubOwner: "100DaysOfCloud", GithubRepo: "100DaysOfCloud-backend", GithubConnectionArn: connectionArn, GithubTokenS: "local-github-token-not-a-secret" };
  for (const [name, value] of Object.entries(params)) {
    await ssm.send(new PutParameterCommand({ Name: `/100DaysOfCloud/Backend/${name}`, Value: value, Type: name === "GithubTokenS" ? "SecureString" : "String", Overwrite: true }));
  }
  console.log(`seeded SSM: ${Object.keys(params).map((n) => `/100DaysOfCloud/Backend/${n}`).join(", ")}`);
}

console.log(`local AWS on ${url} (CodeBuild source credentials and CodeConnections here, STS/SSM/CloudFormation/S3 from moto)`);
console.log(`in another terminal:  export AWS_ENDPOINT_URL=${url}`);
console.log(`moto's log (requests, and the traceback behind any HTTP 500): ${path.relative(process.cwd(), logFile) || logFile}  (tail -f it)`);
console.log("Ctrl-C to stop");
const stop = async () => {
  await codebuild.close();
  await connections.close();
  await moto.stop();
  process.exit(0);
};
process.once("SIGINT", stop);
process.once("SIGTERM", stop);
