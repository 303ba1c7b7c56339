// Command start-up: median wall time of `hdoc mfa status` (reads the credentials file: no AWS SDK
// module) and `hdoc pipeline deploy` (a no-change deploy against a loopback CloudFormation stub, so the
// figure is hdoc's own work: start-up, modules, the change-set flow), beside `node -e ''`. Runs the
// built binary (npm run build).
import { spawn } from "node:child_process";
import { createServer } from "node:http";
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { fileURLToPath, URLSearchParams } from "node:url";
import path from "node:path";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const RUNS = Number(process.env.BENCH_RUNS ?? 11);
const NS = "http://cloudformation.amazonaws.com/doc/2010-05-15/";
const STACK = "hdoc-backend-dev-codepipeline";

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

const CONNECTION = "arn:aws:codeconnections:us-east-1:123456789012:connection/0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d";
/** JSON 1.1 (SSM) and 1.0 (CodeConnections) answers for the connection check a deploy starts with, by X-Amz-Target. */
const JSON_ANSWERS = {
  "AmazonSSM.GetParameter": (input) => ({ Parameter: { Name: input.Name, Type: "String", Value: CONNECTION, Version: 1, ARN: `arn:aws:ssm:us-east-1:123456789012:parameter${input.Name}`, DataType: "text" } }),
  "com.amazonaws.codeconnections.CodeConnections_20231201.GetConnection": () => ({ Connection: { ConnectionArn: CONNECTION, ConnectionName: "github", ConnectionStatus: "AVAILABLE", ProviderType: "GitHub", OwnerAccountId: "123456789012" } }),
};

/**
 * The calls a no-change deploy makes: the stage's GitHub connection (its ARN from SSM, its state from
 * CodeConnections), then CloudFormation's three, answered as CloudFormation does (moto's "No updates"
 * at creation). Anything else answers 400, so a deploy that makes another call fails the bench.
 */
function stub() {
  const ok = (action, result) => `<${action}Response xmlns="${NS}"><${action}Result>${result}</${action}Result><ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></${action}Response>`;
  const stack = `<Stacks><member><StackId>arn:aws:cloudformation:us-east-1:123456789012:stack/${STACK}/1</StackId><StackName>${STACK}</StackName><StackStatus>UPDATE_COMPLETE</StackStatus><CreationTime>2026-01-01T00:00:00Z</CreationTime></member></Stacks>`;
  return createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      const target = req.headers["x-amz-target"];
      if (target) {
        const answer = JSON_ANSWERS[target];
        const type = target.startsWith("AmazonSSM.") ? "application/x-amz-json-1.1" : "application/x-amz-json-1.0";
        if (answer) return res.writeHead(200, { "content-type": type }).end(JSON.stringify(answer(JSON.parse(body || "{}"))));
        return res.writeHead(400, { "content-type": type }).end(JSON.stringify({ __type: "UnknownOperationException", message: `the bench's stub does not answer ${target}` }));
      }
      const action = new URLSearchParams(body).get("Action");
      if (action === "DescribeStacks") return res.writeHead(200, { "content-type": "text/xml" }).end(ok(action, stack));
      if (action === "ListChangeSets") return res.writeHead(200, { "content-type": "text/xml" }).end(ok(action, "<Summaries/>"));
      res.writeHead(400, { "content-type": "text/xml" }).end(`<ErrorResponse xmlns="${NS}"><Error><Type>Sender</Type><Code>ValidationError</Code><Message>No updates are to be performed.</Message></Error><RequestId>1</RequestId></ErrorResponse>`);
    });
  });
}

/** Wall-clock ms of one run; the run must exit 0. */
function run(args, env) {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const child = spawn(process.execPath, args, { cwd: root, stdio: "ignore", env });
    child.on("exit", (code) => {
      const wall = Number(process.hrtime.bigint() - start) / 1e6;
      if (code !== 0) return reject(new Error(`node ${args.join(" ")} exited ${code}`));
      resolve({ wall });
    });
  });
}

export default async function (report) {
  const home = mkdtempSync(path.join(tmpdir(), "hdoc-bench-home-"));
  mkdirSync(path.join(home, ".aws"));
  const future = new Date(Date.now() + 12 * 3_600_000).toISOString();
  writeFileSync(path.join(home, ".aws", "credentials"), `[mfa]\naws_access_key_id = AKIABENCH00000000001\naws_secret_access_key = bench\naws_session_token = bench\nhdoc_expiration = ${future}\n`);
  const server = stub();
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${server.address().port}`;
  const env = { PATH: process.env.PATH, HOME: home, NO_COLOR: "1", TZ: "UTC", AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" };
  const cases = [
    ["node -e ''", ["-e", ""]],
    ["hdoc mfa status", ["bin/hdoc.js", "mfa", "status"]],
    ["hdoc pipeline deploy (no changes, loopback)", ["bin/hdoc.js", "pipeline", "deploy", "--stage", "dev", "--yes", "--endpoint-url", url]],
  ];
  try {
    for (const [, args] of cases) await run(args, env); // warm the file cache
    const samples = cases.map(() => []);
    // interleaved, so a burst of load on a shared machine hits every case alike
    for (let i = 0; i < RUNS; i++) for (const [c, [, args]] of cases.entries()) samples[c].push((await run(args, env)).wall);
    const base = median(samples[0]);
    report(
      `Command start-up (median of ${RUNS} runs, wall time)`,
      cases.map(([label], c) => ({
        command: label,
        "median ms": median(samples[c]).toFixed(1),
        "min ms": Math.min(...samples[c]).toFixed(1),
        "x node -e ''": (median(samples[c]) / base).toFixed(2),
      })),
    );
  } finally {
    server.close();
    rmSync(home, { recursive: true, force: true });
  }
}
