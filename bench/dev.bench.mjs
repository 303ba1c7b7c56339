// GET /users/{username} through `hdoc dev` (HTTP -> local API Gateway -> the real get-user handler ->
// GetItem on the embedded dynalite) versus the same GetItem sent straight to that dynalite, in the
// same run: 16 concurrent clients, a warm-up, then DURATION_MS each (in alternating 1 s rounds), loopback only. Target: the API layer costs at
// most 25% of throughput (ratio >= 0.75).
import http from "node:http";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { DynamoDBClient, GetItemCommand } from "@aws-sdk/client-dynamodb";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { performance } from "node:perf_hooks";
import { startDev as startDevProcess } from "./dev-process.mjs";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const CLIENTS = 16;
const DURATION_MS = Number(process.env.BENCH_DURATION_MS ?? 10000);
// Each path is warmed up before the measured rounds: the JIT in the function's worker threads (and the
// second worker hdoc dev adds under load) and the SDK client's sockets. Kept under the servers' 5 s
// keep-alive, so an idle client socket is never reused just as the server closes it.
const WARMUP_MS = Number(process.env.BENCH_WARMUP_MS ?? 3000);

const startDev = () => startDevProcess(ROOT, ["--seed"]);

/** Runs `CLIENTS` loops of `once` for `ms`; returns completed requests per second. */
async function load(once, ms) {
  let done = 0, failed = 0, firstError;
  const end = performance.now() + ms;
  const started = performance.now();
  await Promise.all(Array.from({ length: CLIENTS }, async () => {
    while (performance.now() < end) {
      try {
        await once();
        done++;
      } catch (e) {
        failed++;
        firstError ??= e;
      }
    }
  }));
  if (failed) throw new Error(`${failed} requests failed; the first: ${firstError?.message ?? firstError}`);
  return done / ((performance.now() - started) / 1000);
}

export default async function (report) {
  const dev = await startDev();
  try {
    const agent = new http.Agent({ keepAlive: true, maxSockets: CLIENTS });
    const url = new URL("/users/octocat", dev.url);
    const viaApi = () =>
      new Promise((resolve, reject) => {
        http.get(url, { agent }, (res) => {
          res.resume();
          res.on("end", () => (res.statusCode === 200 ? resolve() : reject(new Error(String(res.statusCode)))));
        }).on("error", reject);
      });
    const ddb = new DynamoDBClient({
      endpoint: dev.dynamoEndpoint,
      region: "us-east-1",
      credentials: { accessKeyId: "local", secretAccessKey: "local" },
      requestHandler: new NodeHttpHandler({ httpAgent: new http.Agent({ keepAlive: true, maxSockets: CLIENTS }) }),
    });
    const direct = async () => {
      const r = await ddb.send(new GetItemCommand({ TableName: "UsersTable", Key: { github_username: { S: "octocat" } } }));
      if (!r.Item) throw new Error("no item");
    };
    await load(viaApi, WARMUP_MS);
    await load(direct, WARMUP_MS);
    // Alternating 1 s rounds (5 s in all for each) so a busy machine's drift hits both paths alike.
    const rounds = Math.max(1, Math.round(DURATION_MS / 1000));
    let directSum = 0, apiSum = 0;
    for (let i = 0; i < rounds; i++) {
      directSum += await load(direct, DURATION_MS / rounds);
      apiSum += await load(viaApi, DURATION_MS / rounds);
    }
    const directRps = directSum / rounds, apiRps = apiSum / rounds;
    ddb.destroy();
    agent.destroy();
    report(`hdoc dev: GET /users/{username} vs GetItem on the embedded DynamoDB (${CLIENTS} clients, ${WARMUP_MS / 1000} s warm-up, then ${DURATION_MS / 1000} s each)`, [
      { path: "GetItem straight to dynalite", "requests/s": directRps.toFixed(0) },
      { path: "GET /users/octocat via hdoc dev", "requests/s": apiRps.toFixed(0) },
      { path: "ratio (target >= 0.75)", "requests/s": (apiRps / directRps).toFixed(2) },
    ]);
  } finally {
    await dev.stop();
  }
}
