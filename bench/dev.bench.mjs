// `hdoc dev` at start and under load, on the repository's templates with --seed:
// - launch to "ready" and to the first 200 of GET /users/octocat (a new process each time, median of 3,
//   after one start without .hdoc/dev's caches, also reported) against `hdoc --help` (target: at most
//   6x), and the RSS right after "ready" (target: at most 150 MiB) and 3 s later;
// - GET /users/{username} through `hdoc dev` (HTTP -> local API Gateway -> the real get-user handler ->
//   GetItem on the embedded dynalite) versus the same GetItem sent straight to that dynalite, in the
//   same run, at 16 and 64 concurrent clients: a warm-up of WARMUP_MS each, then DURATION_MS each (in
//   alternating 1 s rounds), loopback only. Target: the API layer costs at most 25% of throughput (ratio >= 0.75).
import http from "node:http";
import { spawn, spawnSync } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { DynamoDBClient, GetItemCommand } from "@aws-sdk/client-dynamodb";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { performance } from "node:perf_hooks";
import { freePort, startDev as startDevProcess } from "./dev-process.mjs";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const CLIENT_COUNTS = [16, 64];
const DURATION_MS = Number(process.env.BENCH_DURATION_MS ?? 10000);
// Each path is warmed up before the measured rounds: the JIT in the function's worker threads (and the
// second worker hdoc dev adds under load, which starts cold) and the SDK client's sockets. Measured per
// 1 s round, the API path takes about 10 s of load to reach its steady rate (3 s gave rounds from 0.4x
// up). The warm-up alternates the paths in steps under the servers' 5 s keep-alive, so an idle client
// socket is never reused just as the server closes it.
const WARMUP_MS = Number(process.env.BENCH_WARMUP_MS ?? 10000);
const WARMUP_STEP_MS = 2500;

const startDev = () => startDevProcess(ROOT, ["--seed"]);

/** Runs `clients` loops of `once` for `ms`; returns completed requests per second. */
async function load(once, ms, clients) {
  let done = 0, failed = 0, firstError;
  const end = performance.now() + ms;
  const started = performance.now();
  await Promise.all(Array.from({ length: clients }, async () => {
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

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const rssMiB = (pid) => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? NaN) / 1024;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Spawns `hdoc dev --seed` (from `root`) and times it to the first 200 of GET /users/octocat; the RSS at
 * "ready" and 3 s later. When hdoc dev ends before answering 200, rejects with what it wrote on stderr.
 */
export async function launch(root = ROOT, settleMs = 3000, { untilBundled = false } = {}) {
  const port = await freePort();
  const started = performance.now();
  const child = spawn(process.execPath, [path.join(root, "bin/hdoc.js"), ...(untilBundled ? ["--verbose"] : []), "dev", "--seed", "--port", String(port)], { cwd: root, env: { PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: "1" }, stdio: ["ignore", "ignore", "pipe"] });
  // Settled once the process has ended and its stderr is read to the end, whenever that happens
  // (waiting for "exit" after it already fired would never settle).
  const closed = new Promise((resolve) => child.once("close", (code, signal) => resolve({ code, signal })));
  let err = "", readyRss, readyMs;
  child.stderr.setEncoding("utf8");
  child.stderr.on("data", (d) => {
    err += d;
    if (readyRss === undefined && err.includes("ready;")) {
      readyMs = performance.now() - started;
      readyRss = rssMiB(child.pid);
    }
  });
  const ended = () => child.exitCode !== null || child.signalCode !== null;
  try {
    for (;;) {
      if (ended()) {
        const { code, signal } = await closed;
        throw new Error(`hdoc dev ended (${signal ?? `exit ${code}`}) before GET /users/octocat answered 200; its stderr:\n${err.trim() || "(nothing)"}`);
      }
      const status = await new Promise((resolve) => http.get(`http://127.0.0.1:${port}/users/octocat`, (res) => { res.resume(); resolve(res.statusCode); }).on("error", () => resolve(0)));
      if (status === 200) break;
      await sleep(5);
    }
    const firstOk = performance.now() - started;
    await sleep(settleMs);
    // (the first start of a build bundles every function in the background: let it finish, so the next starts find them)
    while (untilBundled && !err.includes("functions bundled:") && !ended()) await sleep(100);
    if (ended()) throw new Error(`hdoc dev ended within ${settleMs} ms of its first 200; its stderr:\n${err.trim()}`);
    return { firstOk, readyMs, readyRss, settledRss: rssMiB(child.pid) };
  } finally {
    if (!ended()) child.kill("SIGTERM");
    await closed;
  }
}

function helpMs() {
  const runs = [];
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    spawnSync(process.execPath, [path.join(ROOT, "bin/hdoc.js"), "--help"], { stdio: "ignore" });
    runs.push(performance.now() - t);
  }
  return median(runs);
}

export default async function (report) {
  // The first start after a build of hdoc (or an edit) parses the templates and bundles every function;
  // later ones take both from .hdoc/dev. Both are measured: one start without the caches, then three.
  for (const f of ["bundles", "templates.json"]) rmSync(path.join(ROOT, ".hdoc", "dev", f), { recursive: true, force: true });
  const cold = await launch(ROOT, 0, { untilBundled: true });
  const launches = [];
  for (let i = 0; i < 3; i++) launches.push(await launch());
  const help = helpMs();
  const first = median(launches.map((l) => l.firstOk));
  report("hdoc dev start-up (repository templates, --seed; median of 3 launches, after one without the caches)", [
    { figure: "launch to \"ready\"", value: `${median(launches.map((l) => l.readyMs)).toFixed(0)} ms` },
    { figure: "launch to first 200 of GET /users/octocat", value: `${first.toFixed(0)} ms` },
    { figure: "hdoc --help (median of 5)", value: `${help.toFixed(0)} ms` },
    { figure: "first 200 / hdoc --help (target <= 6x)", value: `${(first / help).toFixed(1)}x` },
    { figure: "RSS at \"ready\" (target <= 150 MiB)", value: `${median(launches.map((l) => l.readyRss)).toFixed(0)} MiB` },
    { figure: "RSS 3 s later (the stream consumers' and GET /users/{u}'s workers running)", value: `${median(launches.map((l) => l.settledRss)).toFixed(0)} MiB` },
    { figure: "without the caches (first start after a build): launch to first 200", value: `${cold.firstOk.toFixed(0)} ms (${(cold.firstOk / help).toFixed(1)}x)` },
  ]);
  for (const clients of CLIENT_COUNTS) await throughput(report, clients);
}

async function throughput(report, CLIENTS) {
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
    for (let left = WARMUP_MS; left > 0; left -= WARMUP_STEP_MS) {
      await load(viaApi, Math.min(WARMUP_STEP_MS, left), CLIENTS);
      await load(direct, Math.min(WARMUP_STEP_MS, left), CLIENTS);
    }
    // Alternating 1 s rounds (DURATION_MS in all for each) so a busy machine's drift hits both paths alike.
    const rounds = Math.max(1, Math.round(DURATION_MS / 1000));
    let directSum = 0, apiSum = 0;
    const perRound = [];
    for (let i = 0; i < rounds; i++) {
      const d = await load(direct, DURATION_MS / rounds, CLIENTS);
      const a = await load(viaApi, DURATION_MS / rounds, CLIENTS);
      directSum += d;
      apiSum += a;
      perRound.push(a / d);
    }
    const directRps = directSum / rounds, apiRps = apiSum / rounds;
    ddb.destroy();
    agent.destroy();
    report(`hdoc dev: GET /users/{username} vs GetItem on the embedded DynamoDB (${CLIENTS} clients, ${WARMUP_MS / 1000} s warm-up, then ${DURATION_MS / 1000} s each)`, [
      { path: "GetItem straight to dynalite", "requests/s": directRps.toFixed(0) },
      { path: "GET /users/octocat via hdoc dev", "requests/s": apiRps.toFixed(0) },
      { path: "ratio (target >= 0.75)", "requests/s": (apiRps / directRps).toFixed(2) },
      { path: "ratio of each 1 s round (lowest-highest)", "requests/s": `${Math.min(...perRound).toFixed(2)}-${Math.max(...perRound).toFixed(2)}` },
    ]);
  } finally {
    await dev.stop();
  }
}
