/**
 * What `hdoc pipeline deploy` talks to in the replay tests: it checks the stage's GitHub connection first
 * (SSM parameter, then CodeConnections), so the stage's connection (seeded AVAILABLE) stands in front of
 * the CloudFormation replay, which proxies what it does not replay (SSM) to moto.
 */
import { PutParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { startMoto } from "./moto.ts";
import { startCloudFormationEndpoint, type CloudFormationEndpoint } from "./cloudformation-endpoint.ts";
import { startCodeConnectionsEndpoint } from "./codeconnections-endpoint.ts";

export interface PipelineReplay {
  replay: CloudFormationEndpoint;
  /** The URL to give hdoc (--endpoint-url). */
  url: string;
  stop(): Promise<void>;
}

export async function startPipelineReplay(): Promise<PipelineReplay> {
  const moto = await startMoto();
  const replay = await startCloudFormationEndpoint({ proxyTo: moto.url });
  const connections = await startCodeConnectionsEndpoint({ proxyTo: replay.url });
  const arn = connections.seed({});
  const ssm = new SSMClient({ endpoint: moto.url, region: "us-east-1", credentials: { accessKeyId: "local", secretAccessKey: "local" } });
  await ssm.send(new PutParameterCommand({ Name: "/100DaysOfCloud/Backend/GithubConnectionArn", Value: arn, Type: "String", Overwrite: true }));
  ssm.destroy();
  return {
    replay,
    url: connections.url,
    async stop() {
      await connections.close();
      await replay.stop();
      await moto.stop();
    },
  };
}
