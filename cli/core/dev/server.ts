/**
 * `hdoc dev` assembled: the database thread started first, the templates read once (backend.ts), the
 * port taken, the tables they declare created, seed data written, the streams (made from the
 * database's own writes) feeding DynamoDB-event functions, and the local API Gateway listening;
 * "ready" then. The seeded records may still be on their way to their stream consumers at that
 * moment: every invocation but theirs waits until they are delivered (and what the consumers wrote in
 * turn), so the first request already reads the derived data (scores, tag counts), while the worker
 * of the function it calls starts meanwhile. Functions are bundled in the background (from the cache
 * of the last run when unchanged) and get their worker on first use; with a seed, the stream
 * consumers get theirs at once, which waits for the database's endpoint before loading the function.
 * Everything it prints goes through the injected `log`.
 * What is not needed before "ready" is not loaded before: the tables and the seed are written from
 * the database's own thread (table-setup.ts), without the AWS SDK; the authorizer (jose, SigV4) is
 * loaded with the first request that needs it.
 */
import { createServer, type RequestListener, type Server } from "node:http";
import path from "node:path";
import { HdocError } from "../../errors.ts";
import { collectRoutes, type Route } from "./api/routes.ts";
import { clientErrorListener, requestListener } from "./api/listener.ts";
import { localApiUrl } from "./api/local-url.ts";
import { LocalRuntime } from "./runtime/runtime.ts";
import { StreamFeed } from "./stream.ts";
import { startDatabase, type StartedDatabase } from "./dynamo-thread.ts";
import { loadBackend, LOCAL_ACCOUNT, LOCAL_REGION, templateProblems } from "./backend.ts";
import { removeLeftoverRuns } from "./leftovers.ts";
import { afterAtMost, ANSWERED_AFTER_STOP_MS, drain, trackInFlight } from "./drain.ts";
import { seedDelivery } from "./seed-delivery.ts";
import { readSeed, setUpTablesAndSeed } from "./seed.ts";
import { localAwsEnv } from "./local-aws.ts";
import { batchedRequestLog } from "./request-log.ts";
import type { EnvOverrides } from "./env-vars.ts";
import type { AuthOutcome } from "./auth/authorizer.ts";
import type { SignedRequest } from "./auth/sigv4.ts";
import { scheduledJobs, startSchedules, type ScheduledJob } from "./schedule.ts";

export { LOCAL_ACCOUNT, LOCAL_REGION } from "./backend.ts";

export interface DevOptions {
  repoRoot: string;
  template: string;
  host: string;
  port: number;
  dataDir?: string;
  seedFile?: string;
  /** Values for the root template's parameters (Stage defaults to "dev"). */
  parameters: Record<string, string>;
  /** --env-vars overrides (SAM CLI format). */
  envVars?: EnvOverrides;
  /** Invoke the functions' Schedule events: once at start, then at their rate. */
  schedule?: boolean;
  /** Bundle every function in the background from the start (default true). */
  warm?: boolean;
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

/** Runs every clean-up step, last started first; every step runs even if an earlier one fails, and runs once. */
async function stopAll(cleanups: Array<() => Promise<void> | void>): Promise<void> {
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
}

/** `database`: when started before this module was loaded (start-dev.ts). */
export async function startDev(o: DevOptions, database: StartedDatabase = startDatabase(o.dataDir)): Promise<DevServer> {
  const cleanups: Array<() => Promise<void> | void> = [];
  cleanups.push(async () => (await database.starting.catch(() => undefined))?.stop());
  try {
    return await start(o, cleanups, database);
  } catch (e) {
    await stopAll(cleanups).catch(() => undefined); // the start-up failure is the error to report
    throw e;
  }
}

async function start(o: DevOptions, cleanups: Array<() => Promise<void> | void>, database: StartedDatabase): Promise<DevServer> {
  const log = batchedRequestLog(o.log);
  cleanups.push(() => log.flush());
  /** --verbose: when each start-up step ended, in ms since the process started. */
  const mark = (step: string) => log.verbose(`start-up: ${step} at ${performance.now().toFixed(0)} ms`);
  // The database is starting on its own thread, while the templates are read on this one.
  // It reports every item it stores or deletes; the stream feed (step 5, before anything is written) makes the records.
  const stream: { feed?: StreamFeed } = {};
  database.relay.to = (changes) => stream.feed?.push(changes);
  const dynamoStarting = database.starting;
  // 1. Templates, read once: functions, routes, tables; every problem reported before anything starts.
  const backend = await loadBackend({ repoRoot: o.repoRoot, template: o.template, parameters: o.parameters, envVars: o.envVars, warn: log.warn });
  // Functions hdoc cannot run (image, s3, inline, zip) keep their routes, which answer 502 and say why.
  for (const f of backend.skipped) log.warn(`${f.id} is not run locally (${f.reason}): ${f.detail}; its routes answer 502`);
  const routed = [...backend.functions, ...backend.skipped.map((f) => ({ ...f, unavailable: `${f.reason}: ${f.detail}` }))];
  const routeResult = collectRoutes(routed, backend.stacks, backend.resolver);
  if (routeResult.problems.length) throw templateProblems(routeResult.problems, o.repoRoot);
  const routes = routeResult.routes;
  for (const note of new Set(routes.flatMap((r) => r.api.notes))) log.warn(note);
  for (const r of routes) if (r.auth?.kind === "unsupported") log.warn(`${r.method} ${r.resource}: ${r.auth.why}; the route answers 500 (AuthorizerConfigurationException)`);
  const tables = Object.fromEntries(backend.tables.map((d) => [d.id, backend.tableName(d)]));
  // The whole seed file is checked before anything starts.
  const seedFile = o.seedFile ? readSeed(o.seedFile, backend.tables, tables, o.repoRoot) : undefined;
  mark(`templates read (${backend.fromCache ? "unchanged since the last start: from .hdoc/dev/templates.json" : "parsed"})`);

  // 2. The HTTP port first, so a port in use fails before anything else starts.
  const ready: { listener?: RequestListener } = {};
  // Headers up to 64 KB reach the listener, which applies API Gateway's own quota (10240 bytes); beyond, Node's parser refuses them and clientErrorListener answers as API Gateway does.
  const server = createServer({ maxHeaderSize: 64 * 1024 }, (req, res) => {
    if (ready.listener) return ready.listener(req, res);
    res.writeHead(503, { "Content-Type": "application/json" }).end(JSON.stringify({ message: "hdoc dev is starting" }));
  });
  server.on("clientError", clientErrorListener);
  const inFlight = trackInFlight(server);
  server.keepAliveTimeout = 5000;
  const port = await listen(server, o.host, o.port);
  mark("listening");
  // A function whose environment holds the deployed URL of one of these Apis calls this server instead.
  const localHost = o.host === "0.0.0.0" || o.host === "::" ? "127.0.0.1" : o.host.includes(":") ? `[${o.host}]` : o.host;
  const apiIds = new Set(routes.map((r) => r.api.id.split("/").at(-1)!));
  for (const f of backend.runtimeFunctions) for (const [k, v] of Object.entries(f.env)) f.env[k] = localApiUrl(v, apiIds, `http://${localHost}:${port}`);
  // The last step of a stop: a request the drain gave up on has been answered 502 by now (its function
  // stopped), or is given a moment to be; then every connection goes.
  cleanups.push(async () => {
    await afterAtMost(inFlight.none(), ANSWERED_AFTER_STOP_MS);
    await new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); });
  });

  // On this Node: say so when Lambda runs the functions on another major.
  const localMajor = Number(process.versions.node.split(".")[0]);
  const otherRuntimes = [...new Set(backend.runtimeFunctions.map((f) => f.info.runtime ?? "").filter((r) => /^nodejs\d+/.test(r) && Number(/\d+/.exec(r)?.[0]) !== localMajor))];
  if (otherRuntimes.length) log.warn(`the functions run on ${otherRuntimes.join(", ")} on Lambda, here on Node ${localMajor}: what differs between the two is not seen locally`);
  // 3. Functions: no worker is started yet (see LocalRuntime); leftovers of killed runs go first.
  // Bundling needs no database, so it starts now in the background (esbuild runs in its own
  // process; an unchanged function comes from the last run's cache): the stream consumers first.
  const devDir = path.join(o.repoRoot, ".hdoc", "dev");
  removeLeftoverRuns(devDir);
  // The database's endpoint and the local credentials, once it is up: a worker started before waits for them.
  const baseEnv = dynamoStarting.then((d) => localAwsEnv(d.endpoint));
  baseEnv.catch(() => undefined); // the database's failure is reported below
  const runtime = new LocalRuntime({
    repoRoot: o.repoRoot,
    workDir: path.join(devDir, `run-${process.pid}-${Date.now()}`),
    cacheDir: path.join(devDir, "bundles"),
    template: path.resolve(o.template),
    functions: backend.runtimeFunctions,
    region: LOCAL_REGION,
    baseEnv,
  });
  cleanups.push(() => runtime.dispose());
  const consumers = backend.streams({}).flatMap((s) => s.consumers.map((c) => c.functionId));
  const warming = o.warm === false ? Promise.resolve([]) : runtime.warm(consumers);
  // The consumers' workers start now (their bootstrap beside the database's), so the seeded records find them (almost) ready.
  if (seedFile && o.warm !== false) runtime.prime(consumers);

  // 4. The database. Its endpoint and the local credentials go to the functions and the clients
  // here explicitly; this process's environment is left as it is.
  const dynamo = await dynamoStarting;
  mark("database up");

  // 5. The streams, before seeding so seeded statistics and articles flow to their consumers.
  const streams = new StreamFeed(backend.streams(tables), { region: LOCAL_REGION, invoke: (id, event) => runtime.invoke(id, event), error: log.error });
  stream.feed = streams;
  cleanups.push(() => streams.stop());
  /** Until every write so far has been delivered, and the consumers' own writes too. */
  const settled = async () => {
    for (let made = -1; made !== streams.made; ) {
      made = streams.made;
      await dynamo.sync();
      await streams.idle();
    }
  };

  // 6. The tables, then the seed data, written by the database thread. The seed's records reach their
  // consumers after "ready"; until then every other invocation waits (below), starting its worker meanwhile.
  await setUpTablesAndSeed(dynamo, backend.tables, tables, seedFile, log);
  mark(seedFile ? "tables created and seeded" : "tables created");
  let delivered: Promise<void> | undefined;
  if (seedFile) {
    // Bounded and never rejecting (seed-delivery.ts): a stuck or self-feeding consumer or a dead
    // database thread must not leave every request waiting without a word.
    delivered = seedDelivery(settled(), log).then((outcome) => {
      delivered = undefined;
      if (outcome === "delivered") mark("seeded stream records delivered");
    });
  }
  /** Invokes a function once the seeded records are delivered (derived data is then in place). */
  const invokeAfterSeed = async (id: string, event: unknown, requestId?: string): Promise<unknown> => {
    if (delivered) {
      runtime.prime([id]);
      await delivered;
    }
    return runtime.invoke(id, event, requestId);
  };

  const now = o.now ?? (() => new Date());
  // The authorizer (the local issuer's key, jose, the SigV4 check) with the first request that needs it.
  let authorizer: Promise<(route: Route, req: SignedRequest) => Promise<AuthOutcome>> | undefined;
  const authorize = (route: Route, req: SignedRequest): Promise<AuthOutcome> => {
    if (!route.auth || route.auth.kind === "public") return Promise.resolve({ ok: true });
    authorizer ??= import("./auth/gateway.ts").then((g) => g.gatewayAuthorizer({ repoRoot: o.repoRoot, region: LOCAL_REGION, accountId: LOCAL_ACCOUNT, now })).catch((e: unknown) => {
      // A key file that cannot be used: said once; the routes that need the authorizer answer as API Gateway does when it is broken.
      log.error(`error: ${(e as Error).message}\nhint: delete it to make a new key (tokens issued with the old one stop working), then restart hdoc dev`);
      const broken: AuthOutcome = { ok: false, status: 500, errorType: "AuthorizerConfigurationException", body: { message: null }, why: "the local token issuer cannot start" };
      return () => Promise.resolve(broken);
    });
    return authorizer.then((check) => check(route, req));
  };
  ready.listener = requestListener({
    routes,
    invoke: (id, event, requestId) => invokeAfterSeed(id, event, requestId),
    log: log.request,
    error: log.error,
    now,
    authorize,
  });

  // The first step of a stop (steps run last started first), after the schedules stop: the requests in
  // flight are answered before the functions stop.
  cleanups.push(() => drain(server, inFlight, log));

  // 7. Schedules, once the API answers (a scheduled function may call it).
  const schedules = scheduledJobs(backend.functions, backend.stackOf, backend.resolver, o.schedule ? log.warn : () => undefined);
  if (o.schedule && schedules.length) {
    let stopped = false;
    const scheduler = startSchedules(schedules, { region: LOCAL_REGION, accountId: LOCAL_ACCOUNT, now, invoke: (id, event) => invokeAfterSeed(id, event), log: log.info, error: (l) => (stopped ? undefined : log.error(l)) });
    cleanups.push(() => { stopped = true; scheduler.stop(); });
    void scheduler.runAll();
  }
  void warming.then((failures) => {
    for (const f of failures) log.warn(`${f.error.message} (the route answers 502 until the file is fixed)`);
    const ids = runtime.functionIds().filter((id) => runtime.builds(id) > 0);
    const cached = ids.filter((id) => runtime.fromCache(id)).length;
    log.verbose(`functions bundled: ${ids.length - cached} by esbuild, ${cached} unchanged since the last run (from .hdoc/dev/bundles)`);
  });
  mark("ready");
  const shown = o.host.includes(":") ? `[${o.host}]` : o.host;
  return { url: `http://${shown}:${port}`, dynamoEndpoint: dynamo.endpoint, routes, tables, schedules, stop: () => stopAll(cleanups) };
}
