/**
 * `hdoc dev` assembled: the templates walked, dynalite started with the tables they declare, seed
 * data loaded, every function bundled, the stream poller feeding DynamoDB-event functions, and the
 * local API Gateway listening. Everything it prints goes through the injected `log`.
 */
import { createServer, type RequestListener, type Server } from "node:http";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { DynamoDBClient, ScanCommand, type AttributeValue } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, PutCommand } from "@aws-sdk/lib-dynamodb";
import { HdocError } from "../../errors.ts";
import { discoverFunctions, formatProblem, type FunctionInfo, type Json, type Problem, type StackNode } from "../cfn/templates.ts";
import { isObj } from "../cfn/json.ts";
import { StackResolver, type ResourceRef } from "../cfn/stack-refs.ts";
import { collectRoutes, requestListener, type Route } from "./api/local-api.ts";
import { LocalRuntime, type RuntimeFunction } from "./runtime/runtime.ts";
import { StreamPoller, type StreamSource, type ViewType } from "./stream.ts";
import { startDynamoThread } from "./dynamo-thread.ts";
import { gatewayAuthorizer, LOCAL_CREDENTIALS, localApiUrl } from "./auth/gateway.ts";
import { scheduledJobs, startSchedules, type ScheduledJob } from "./schedule.ts";
import { createTables, tableDefinitions, TableDefinitionError, type LocalDynamo, type TableDefinition } from "./tables.ts";

export const LOCAL_REGION = "us-east-1";
export const LOCAL_ACCOUNT = "123456789012";

export interface DevOptions {
  repoRoot: string;
  template: string;
  host: string;
  port: number;
  dataDir?: string;
  seedFile?: string;
  /** Values for the root template's parameters (Stage defaults to "dev"). */
  parameters: Record<string, string>;
  streamIntervalMs?: number;
  /** Invoke the functions' Schedule events: once at start, then at their rate. */
  schedule?: boolean;
  log: {
    info(line: string): void;
    warn(line: string): void;
    /** Handler failures and stack traces. */
    error(line: string): void;
    /** One line per API request. */
    request(line: string): void;
    verbose(line: string): void;
  };
  now?: () => Date;
}

export interface DevServer {
  url: string;
  dynamoEndpoint: string;
  routes: Route[];
  tables: Record<string, string>;
  /** The templates' scheduled functions (invoked only with `schedule`). */
  schedules: ScheduledJob[];
  stop(): Promise<void>;
}


function templateProblems(problems: Problem[], repoRoot: string): HdocError {
  const lines = problems.map((p) => formatProblem(p, repoRoot));
  return new HdocError("NOT_VALID", `the templates have ${problems.length} problem(s):\n  ${lines.join("\n  ")}`, "fix the templates (the same checks run in CI), then run hdoc dev again");
}

/** Listens, or explains that the port is taken. */
function listen(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", (e: NodeJS.ErrnoException) => {
      if (e.code === "EADDRINUSE") reject(new HdocError("USAGE", `port ${port} on ${host} is already in use`, `stop what is using it, or pass another port: hdoc dev --port ${port + 1}`));
      else if (e.code === "EADDRNOTAVAIL" || e.code === "ENOTFOUND") reject(new HdocError("USAGE", `cannot listen on ${host}: no such local address`, "use --host 127.0.0.1 (default) or 0.0.0.0"));
      else if (e.code === "EACCES") reject(new HdocError("USAGE", `not allowed to listen on port ${port}`, "use a port above 1023, e.g. --port 3000"));
      else reject(e);
    });
    server.listen(port, host, () => resolve((server.address() as { port: number }).port));
  });
}

export async function startDev(o: DevOptions): Promise<DevServer> {
  const cleanups: Array<() => Promise<void> | void> = [];
  // Last started, first stopped; every step runs even if an earlier one fails, and runs once.
  const cleanup = async () => {
    const steps = cleanups.splice(0).reverse();
    const failures: unknown[] = [];
    for (const c of steps) {
      try {
        await c();
      } catch (e) {
        failures.push(e);
      }
    }
    if (failures.length) throw failures[0];
  };
  try {
    return await start(o, cleanups, cleanup);
  } catch (e) {
    await cleanup().catch(() => undefined); // the start-up failure is the error to report
    throw e;
  }
}

async function start(o: DevOptions, cleanups: Array<() => Promise<void> | void>, cleanup: () => Promise<void>): Promise<DevServer> {
  const { log } = o;
  if (!existsSync(o.template)) throw new HdocError("NOT_FOUND", `no template at ${o.template}`, "run hdoc dev from the repository (infra/template.yml), or pass --template <file>");

  // 1. Templates: functions, routes, tables; every problem reported before anything starts.
  const found = discoverFunctions(o.template, o.repoRoot);
  if (found.problems.length) throw templateProblems(found.problems, o.repoRoot);
  let defs: TableDefinition[];
  try {
    defs = tableDefinitions(o.template, o.repoRoot);
  } catch (e) {
    if (e instanceof TableDefinitionError) throw new HdocError("NOT_VALID", `the templates have a problem: ${e.message}`, "fix the table definition in the templates");
    throw e;
  }
  const root = found.stacks.find((s) => s.path.length === 0)!;
  const rootParams = isObj(root.body.Parameters) ? root.body.Parameters : {};
  const parameters = { ...o.parameters };
  if (isObj(rootParams.Stage) && rootParams.Stage.Default === undefined) parameters.Stage ??= "dev";
  for (const k of Object.keys(parameters)) {
    if (!(k in rootParams)) throw new HdocError("USAGE", `--param ${k}: the root template has no parameter ${k}`, `its parameters: ${Object.keys(rootParams).join(", ") || "none"}`);
  }
  const rootBody = { ...root.body, Parameters: Object.fromEntries(Object.entries(rootParams).map(([k, v]) => [k, k in parameters ? { ...(isObj(v) ? v : {}), Default: parameters[k]! } : v])) };
  const stacks: StackNode[] = found.stacks.map((s) => (s === root ? { ...s, body: rootBody } : s));
  const stackOf = (fn: FunctionInfo) => stacks.find((s) => s.path.join("/") === fn.stackPath.join("/"))!;

  const tableName = (def: TableDefinition) => (defs.filter((d) => d.logicalId === def.logicalId).length > 1 ? def.id.replace(/\//g, "-") : def.logicalId);
  const defOf = (ref: ResourceRef) => defs.find((d) => d.id === [...ref.stack.path, ref.logicalId].join("/"));
  const tableArn = (def: TableDefinition) => `arn:aws:dynamodb:${LOCAL_REGION}:${LOCAL_ACCOUNT}:table/${tableName(def)}`;
  const resolver = new StackResolver(stacks, {
    region: LOCAL_REGION,
    accountId: LOCAL_ACCOUNT,
    attr(ref) {
      const def = defOf(ref);
      if (def) return ref.attr === undefined ? tableName(def) : ref.attr === "Arn" ? tableArn(def) : ref.attr === "StreamArn" && def.stream ? `${tableArn(def)}/stream/local` : undefined;
      if (ref.attr === undefined) return ref.logicalId;
      if (ref.attr === "Arn") return `arn:aws:local:${LOCAL_REGION}:${LOCAL_ACCOUNT}:${ref.logicalId}`;
      return undefined;
    },
  });

  const routeResult = collectRoutes(found.functions, stacks, resolver);
  if (routeResult.problems.length) throw templateProblems(routeResult.problems, o.repoRoot);
  const routes = routeResult.routes;

  const functions: RuntimeFunction[] = found.functions.map((fn) => {
    const env: Record<string, string> = {};
    const vars = isObj(fn.properties.Environment) && isObj(fn.properties.Environment.Variables) ? fn.properties.Environment.Variables : {};
    for (const [k, v] of Object.entries(vars)) {
      const r = resolver.text(stackOf(fn), v);
      if (r.kind === "value") env[k] = r.value;
      else log.warn(`${fn.id}: environment variable ${k} has no local value (${r.why}); left unset`);
    }
    const num = (v: Json | undefined, d: number) => (typeof v === "number" ? v : typeof v === "string" && Number(v) > 0 ? Number(v) : d);
    return { info: fn, env, timeoutSeconds: num(fn.properties.Timeout, 3), memoryMb: num(fn.properties.MemorySize, 128) };
  });

  // 2. The HTTP port first, so a port in use fails before anything else starts.
  const ready: { listener?: RequestListener } = {};
  const server = createServer((req, res) => {
    if (ready.listener) return ready.listener(req, res);
    res.writeHead(503, { "Content-Type": "application/json" }).end(JSON.stringify({ message: "hdoc dev is starting" }));
  });
  server.keepAliveTimeout = 5000;
  const port = await listen(server, o.host, o.port);
  // A function whose environment holds the deployed URL of one of these Apis calls this server instead.
  const localHost = o.host === "0.0.0.0" || o.host === "::" ? "127.0.0.1" : o.host.includes(":") ? `[${o.host}]` : o.host;
  const apiIds = new Set(routes.map((r) => r.api.id.split("/").at(-1)!));
  for (const f of functions) for (const [k, v] of Object.entries(f.env)) f.env[k] = localApiUrl(v, apiIds, `http://${localHost}:${port}`);
  cleanups.push(() => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }));

  // 3. The database: the SDK in the functions and here talks to it through the environment.
  const dynamo: LocalDynamo = await startDynamoThread(o.dataDir ? { dataDir: o.dataDir } : {});
  cleanups.push(() => dynamo.stop());
  Object.assign(process.env, { AWS_ENDPOINT_URL: dynamo.endpoint, AWS_REGION: LOCAL_REGION, AWS_DEFAULT_REGION: LOCAL_REGION, AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey });
  for (const k of ["AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_ENDPOINT_URL_DYNAMODB"]) delete process.env[k];
  const client = new DynamoDBClient({ endpoint: dynamo.endpoint, region: LOCAL_REGION, credentials: { accessKeyId: "local", secretAccessKey: "local" } });
  cleanups.push(() => client.destroy());
  const tables = await createTables(client, defs, tableName);

  // 4. Functions (on this Node: say so when Lambda runs them on another major).
  const localMajor = Number(process.versions.node.split(".")[0]);
  const otherRuntimes = [...new Set(functions.map((f) => f.info.runtime ?? "").filter((r) => /^nodejs\d+/.test(r) && Number(/\d+/.exec(r)?.[0]) !== localMajor))];
  if (otherRuntimes.length) log.warn(`the functions run on ${otherRuntimes.join(", ")} on Lambda, here on Node ${localMajor}: what differs between the two is not seen locally`);
  const runtime = new LocalRuntime({ repoRoot: o.repoRoot, workDir: path.join(o.repoRoot, ".hdoc", "dev", `run-${process.pid}-${Date.now()}`), functions, region: LOCAL_REGION });
  cleanups.push(() => runtime.dispose());
  for (const f of await runtime.prepare()) log.warn(`${f.error.message} (the route answers 500 until the file is fixed)`);

  // 5. The simulated streams, primed before seeding so seeded statistics flow to their consumers.
  const sources: StreamSource[] = [];
  for (const def of defs.filter((d) => d.stream)) {
    const consumers = found.functions.flatMap((fn) => {
      const events = isObj(fn.properties.Events) ? Object.values(fn.properties.Events) : [];
      return events.filter((ev) => isObj(ev) && ev.Type === "DynamoDB").flatMap((ev) => {
        const p = isObj(ev) && isObj(ev.Properties) ? ev.Properties : {};
        const r = resolver.resolve(stackOf(fn), p.Stream);
        if (r.kind !== "resource" || r.ref.attr !== "StreamArn" || defOf(r.ref) !== def) return [];
        const filters = isObj(p.FilterCriteria) && Array.isArray(p.FilterCriteria.Filters)
          ? p.FilterCriteria.Filters.flatMap((f) => (isObj(f) && typeof f.Pattern === "string" ? [JSON.parse(f.Pattern) as unknown] : []))
          : [];
        return [{ functionId: fn.id, batchSize: typeof p.BatchSize === "number" ? p.BatchSize : 100, filters }];
      });
    });
    if (!consumers.length) continue;
    const keyNames = (def.input.KeySchema ?? []).map((k) => k.AttributeName!);
    sources.push({ tableName: tables[def.id]!, keyNames, viewType: def.stream as ViewType, streamArn: `${tableArn(def)}/stream/local`, consumers });
  }
  const poller = new StreamPoller(sources, {
    region: LOCAL_REGION,
    intervalMs: o.streamIntervalMs,
    scan: async (TableName) => {
      const items: Array<Record<string, AttributeValue>> = [];
      let start: Record<string, AttributeValue> | undefined;
      do {
        const out = await client.send(new ScanCommand({ TableName, ExclusiveStartKey: start }));
        items.push(...(out.Items ?? []));
        start = out.LastEvaluatedKey;
      } while (start);
      return items;
    },
    invoke: (id, event) => runtime.invoke(id, event),
    error: log.error,
  });
  await poller.prime();

  // 6. Seed data, through the same tables.
  if (o.seedFile) {
    await seed(o.seedFile, defs, tables, client, o.repoRoot, log);
    await poller.poll(); // seeded changes reach their stream consumers before the server says it is ready
  }

  poller.start();
  cleanups.push(() => poller.stop());

  const now = o.now ?? (() => new Date());
  const authorize = await gatewayAuthorizer({ repoRoot: o.repoRoot, region: LOCAL_REGION, accountId: LOCAL_ACCOUNT, routes, now, warn: log.warn });
  ready.listener = requestListener({
    routes,
    invoke: (id, event, requestId) => runtime.invoke(id, event, requestId),
    log: log.request,
    error: log.error,
    now,
    authorize,
  });

  // 7. Schedules, once the API answers (a scheduled function may call it).
  const schedules = scheduledJobs(found.functions, stackOf, resolver, o.schedule ? log.warn : () => undefined);
  if (o.schedule && schedules.length) {
    let stopped = false;
    const scheduler = startSchedules(schedules, { region: LOCAL_REGION, accountId: LOCAL_ACCOUNT, now, invoke: (id, event) => runtime.invoke(id, event), log: log.info, error: (l) => (stopped ? undefined : log.error(l)) });
    cleanups.push(() => { stopped = true; scheduler.stop(); });
    void scheduler.runAll();
  }
  const shown = o.host.includes(":") ? `[${o.host}]` : o.host;
  return { url: `http://${shown}:${port}`, dynamoEndpoint: dynamo.endpoint, routes, tables, schedules, stop: cleanup };
}

/** Loads a seed file: `{ "<table logical id or stack path/id>": [ plain JSON items ] }`. */
async function seed(file: string, defs: TableDefinition[], tables: Record<string, string>, client: DynamoDBClient, repoRoot: string, log: DevOptions["log"]): Promise<void> {
  const shown = path.relative(repoRoot, file) || file;
  if (!existsSync(file)) throw new HdocError("NOT_FOUND", `seed file ${shown} does not exist`, "pass --seed-file <file>, or add infra/seed/dev-seed.json");
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    throw new HdocError("USAGE", `seed file ${shown} is not valid JSON: ${(e as Error).message}`, "fix the file");
  }
  if (!isObj(doc)) throw new HdocError("USAGE", `seed file ${shown} must hold an object of table -> items`, `e.g. { "UsersTable": [ { "github_username": "octocat" } ] }`);
  const docClient = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  const counts: string[] = [];
  for (const [key, items] of Object.entries(doc)) {
    if (key.startsWith("$")) continue;
    const def = defs.find((d) => d.id === key || d.logicalId === key);
    if (!def) throw new HdocError("USAGE", `seed file ${shown}: no table ${JSON.stringify(key)} in the templates`, `tables: ${defs.map((d) => d.logicalId).join(", ")}`);
    if (!Array.isArray(items) || !items.every(isObj)) throw new HdocError("USAGE", `seed file ${shown}: "${key}" must be a list of items (objects)`);
    const hashKey = def.input.KeySchema?.find((k) => k.KeyType === "HASH")?.AttributeName ?? "";
    let added = 0;
    for (const Item of items) {
      try {
        await docClient.send(new PutCommand({ TableName: tables[def.id]!, Item, ConditionExpression: "attribute_not_exists(#k)", ExpressionAttributeNames: { "#k": hashKey } }));
        added++;
      } catch (e) {
        if ((e as { name?: string }).name !== "ConditionalCheckFailedException") throw e;
      }
    }
    counts.push(`${added}/${items.length} ${def.logicalId}`);
  }
  log.info(`seeded from ${shown} (items already there are kept): ${counts.join(", ")}`);
}
