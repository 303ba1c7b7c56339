// GET /tags at scale, through `hdoc dev`: articles are written straight to the embedded DynamoDB in
// BatchWriteItem calls (1k, then up to 10k, then up to 100k), the stream hands every write to the real
// tag counter, and then GET /tags (the counts) is timed side by side with the old way (a Scan of the
// whole Articles table, counted in the caller, as list-tags did before). Also: the counts equal a full
// recount, the counter's throughput on a backlog of 10k stream records (the real handler, bundled with
// esbuild, over 100-record batches), and hdoc dev's CPU while idle with 100k articles stored.
// BENCH_TAGS_SIZES=1000,10000 runs fewer sizes.
import { readFileSync } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import http from "node:http";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { performance } from "node:perf_hooks";
import { BatchWriteItemCommand, CreateTableCommand, DynamoDBClient, ScanCommand } from "@aws-sdk/client-dynamodb";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { build } from "esbuild";
import { startDev } from "./dev-process.mjs";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const SIZES = (process.env.BENCH_TAGS_SIZES ?? "1000,10000,100000").split(",").map(Number);
const VOCABULARY = 300; // distinct tags; tag i is drawn with weight 1/(i+1) (a few hot tags, a long tail)
const BACKLOG = 10_000;

/** A deterministic pseudo-random source, so every run writes the same articles. */
function random(seed) {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
}
const weights = Array.from({ length: VOCABULARY }, (_, i) => 1 / (i + 1));
const total = weights.reduce((a, b) => a + b, 0);
const tagName = (i) => (i === 0 ? "aws" : `tag-${i}`);
function tagsFor(rnd) {
  const out = new Set();
  const n = 1 + Math.floor(rnd() * 4);
  while (out.size < n) {
    let x = rnd() * total, i = 0;
    while (x > weights[i] && i < VOCABULARY - 1) x -= weights[i++];
    out.add(tagName(i));
  }
  return [...out];
}
const article = (n, tags) => ({
  article_id: { S: `00000000-0000-4000-8000-${String(n).padStart(12, "0")}` },
  github_username: { S: `user-${n % 997}` },
  title: { S: `Day ${n % 100}: notes` },
  url: { S: `https://example.com/${n}` },
  tags: { L: tags.map((S) => ({ S })) },
  created_at: { S: new Date(Date.UTC(2026, 0, 1) + n * 1000).toISOString() },
});

/** Writes articles [from, to) in BatchWriteItem calls of 25, 8 at once. */
async function writeArticles(ddb, from, to, rnd) {
  const chunks = [];
  for (let i = from; i < to; i += 25) chunks.push(Array.from({ length: Math.min(25, to - i) }, (_, k) => article(i + k, tagsFor(rnd))));
  let next = 0;
  await Promise.all(Array.from({ length: 8 }, async () => {
    while (next < chunks.length) {
      let items = { ArticlesTable: chunks[next++].map((Item) => ({ PutRequest: { Item } })) };
      while (items.ArticlesTable?.length) items = (await ddb.send(new BatchWriteItemCommand({ RequestItems: items }))).UnprocessedItems ?? {};
    }
  }));
}

/** The old GET /tags: every article's tags read with a Scan, counted once per article, most used first. */
async function scanCount(ddb) {
  const counts = new Map();
  let start;
  do {
    const page = await ddb.send(new ScanCommand({ TableName: "ArticlesTable", ProjectionExpression: "tags", ExclusiveStartKey: start }));
    for (const item of page.Items ?? []) for (const t of new Set((item.tags?.L ?? []).map((x) => x.S))) counts.set(t, (counts.get(t) ?? 0) + 1);
    start = page.LastEvaluatedKey;
  } while (start);
  return [...counts].map(([tag, count]) => ({ tag, count })).sort((a, b) => b.count - a.count || (a.tag < b.tag ? -1 : a.tag > b.tag ? 1 : 0));
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
const getJson = (url) =>
  new Promise((resolve, reject) => {
    http.get(url, { agent }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (d) => (body += d));
      res.on("end", () => (res.statusCode === 200 ? resolve(JSON.parse(body)) : reject(new Error(`${res.statusCode} ${body}`))));
    }).on("error", reject);
  });

/** Every tag GET /tags shows, page by page (200 a page). */
async function allTags(base) {
  const out = [];
  let token;
  do {
    const page = await getJson(`${base}/tags?limit=200${token ? `&nextToken=${token}` : ""}`);
    out.push(...page.tags);
    token = page.nextToken;
  } while (token);
  return out;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
async function timed(times, f) {
  const ms = [];
  for (let i = 0; i < times; i++) {
    const t = performance.now();
    await f();
    ms.push(performance.now() - t);
  }
  return median(ms);
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** CPU time (user + system, ms) the process has used, from /proc. */
function cpuMs(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // clock ticks (USER_HZ = 100)
}

/** The real tag counter, bundled, run in this process on a backlog of synthetic stream records. */
async function counterThroughput(endpoint) {
  // Inside the repository, so the bundle's external AWS SDK imports resolve to its node_modules.
  await mkdir(path.join(ROOT, ".hdoc"), { recursive: true });
  const dir = await mkdtemp(path.join(ROOT, ".hdoc", "bench-tags-"));
  try {
    const out = path.join(dir, "counter.mjs");
    const entry = ["functions/tag-counter/handler.ts", "functions/tag-counter/tag-store.ts", "functions/shared/dynamo.ts"].map((f) => `export * from ${JSON.stringify(path.join(ROOT, f))};`).join("\n");
    await build({ stdin: { contents: entry, resolveDir: ROOT, loader: "ts" }, bundle: true, platform: "node", format: "esm", outfile: out, external: ["@aws-sdk/*", "@smithy/*"], logLevel: "error" });
    const { createHandler, dynamoTagStore, documentClient } = await import(pathToFileURL(out).href);
    const config = { endpoint, region: "us-east-1", credentials: { accessKeyId: "local", secretAccessKey: "local" }, requestHandler: new NodeHttpHandler({ httpAgent: new http.Agent({ keepAlive: true, maxSockets: 32 }) }) };
    const raw = new DynamoDBClient(config);
    const table = `BenchTags-${Date.now()}`;
    const S = (AttributeName) => ({ AttributeName, AttributeType: "S" });
    await raw.send(new CreateTableCommand({
      TableName: table, BillingMode: "PAY_PER_REQUEST", AttributeDefinitions: [S("pk"), S("board"), S("rank")], KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }],
      GlobalSecondaryIndexes: [{ IndexName: "ByCount", KeySchema: [{ AttributeName: "board", KeyType: "HASH" }, { AttributeName: "rank", KeyType: "RANGE" }], Projection: { ProjectionType: "INCLUDE", NonKeyAttributes: ["tag", "count"] } }],
    }));
    await sleep(50);
    const doc = documentClient(config);
    const handler = createHandler({ store: dynamoTagStore(doc, table), log: () => {} });
    const rnd = random(7);
    const records = Array.from({ length: BACKLOG }, (_, n) => ({
      eventID: String(n), eventName: "INSERT", eventVersion: "1.1", eventSource: "aws:dynamodb", awsRegion: "us-east-1",
      dynamodb: { Keys: { article_id: article(n, []).article_id }, NewImage: article(n, tagsFor(rnd)), SequenceNumber: String(10n ** 20n + BigInt(n)), SizeBytes: 200, StreamViewType: "NEW_IMAGE" },
    }));
    const t = performance.now();
    let failures = 0;
    for (let i = 0; i < records.length; i += 100) failures += (await handler({ Records: records.slice(i, i + 100) })).batchItemFailures.length;
    const seconds = (performance.now() - t) / 1000;
    doc.destroy();
    raw.destroy();
    return { seconds, failures };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export default async function (report) {
  const dev = await startDev(ROOT, []);
  const ddb = new DynamoDBClient({
    endpoint: dev.dynamoEndpoint,
    region: "us-east-1",
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
    requestHandler: new NodeHttpHandler({ httpAgent: new http.Agent({ keepAlive: true, maxSockets: 16 }) }),
  });
  const rows = [], checks = [];
  let idle, backlog;
  try {
    const rnd = random(42);
    let written = 0;
    for (const size of SIZES) {
      const t = performance.now();
      await writeArticles(ddb, written, size - 1, rnd);
      // The last article carries a tag of its own: once GET /tags shows it, the stream has delivered every earlier write.
      const marker = `done-${size}`;
      await ddb.send(new BatchWriteItemCommand({ RequestItems: { ArticlesTable: [{ PutRequest: { Item: article(size - 1, ["aws", marker]) } }] } }));
      written = size;
      const wroteMs = performance.now() - t;
      while (!(await allTags(dev.url)).some((x) => x.tag === marker)) await sleep(200);
      const countedMs = performance.now() - t;
      const scanned = await scanCount(ddb);
      const shown = await allTags(dev.url);
      const equal = JSON.stringify(shown) === JSON.stringify(scanned);
      if (!equal) {
        const i = shown.findIndex((x, k) => JSON.stringify(x) !== JSON.stringify(scanned[k]));
        console.error(`GET /tags differs from the recount at ${i}: ${JSON.stringify(shown.slice(i, i + 3))} vs ${JSON.stringify(scanned.slice(i, i + 3))} (${shown.length} vs ${scanned.length} tags)`);
      }
      checks.push({ articles: size, "distinct tags": scanned.length, "GET /tags (every page) equals the recount": equal ? "yes" : "NO" });
      const api = await timed(size >= 100_000 ? 31 : 101, () => getJson(`${dev.url}/tags`));
      const scan = await timed(size >= 100_000 ? 3 : size >= 10_000 ? 5 : 21, () => scanCount(ddb));
      rows.push({
        articles: size,
        "write + count (s)": `${(wroteMs / 1000).toFixed(1)} + ${((countedMs - wroteMs) / 1000).toFixed(1)}`,
        "GET /tags median (ms)": api.toFixed(1),
        "old scan median (ms)": scan.toFixed(1),
        "scan / GET /tags": (scan / api).toFixed(0),
      });
    }
    await sleep(1000);
    const before = cpuMs(dev.pid), t0 = performance.now();
    await sleep(5000);
    idle = ((cpuMs(dev.pid) - before) / (performance.now() - t0)) * 100;
    backlog = await counterThroughput(dev.dynamoEndpoint);
  } finally {
    ddb.destroy();
    agent.destroy();
    await dev.stop();
  }
  const base = rows[0] ? Number(rows[0]["GET /tags median (ms)"]) : NaN;
  report("hdoc dev: GET /tags (counts kept by the stream) vs the old Scan of every article", rows.map((r) => ({ ...r, "GET /tags vs first size": (Number(r["GET /tags median (ms)"]) / base).toFixed(2) })));
  report("GET /tags counts vs a full recount (Scan)", checks);
  report(`tag counter on a backlog of ${BACKLOG} stream records (batches of 100, hdoc dev's dynalite)`, [
    { records: BACKLOG, seconds: backlog.seconds.toFixed(1), "records/s": (BACKLOG / backlog.seconds).toFixed(0), "failed records": backlog.failures },
  ]);
  report(`hdoc dev idle (5 s, ${SIZES.at(-1)} articles stored)`, [{ "CPU (% of one core)": idle.toFixed(1) }]);
}
