import path from "node:path";
import { Option, type Command } from "commander";
import type { CommandDef } from "./command.ts";
import { parseParams } from "./params.ts";
export { parseParams };
import { HdocError } from "../errors.ts";

interface DevOpts {
  port: string;
  host: string;
  dataDir?: string;
  seed?: boolean;
  seedFile?: string;
  template?: string;
  param: string[];
  envVars?: string;
  schedule?: boolean;
}

export const DEFAULT_SEED_FILE = "infra/seed/dev-seed.json";

export function parsePort(v: string): number {
  const n = Number(v);
  if (!/^\d+$/.test(v) || n > 65535) throw new HdocError("USAGE", `--port ${JSON.stringify(v)} is not a port number`, "use 1-65535 (0 picks a free port), e.g. --port 3000");
  return n;
}


/** --param, as dev and invoke declare it. */
export const paramOption = () => new Option("--param <Name=Value>", "a root template parameter (repeatable; Stage defaults to dev)").argParser((v: string, prev: string[] = []) => [...prev, v]).default([]);
export const ENV_VARS_HELP = 'override functions\' environment variables, SAM CLI format: {"FunctionLogicalId": {"VAR": "value"}, "Parameters": {"VAR": "for every function"}}';

export const dev: CommandDef<DevOpts> = {
  path: ["dev"],
  summary: "Run the backend locally (no Docker, no AWS)",
  description:
    "Serves every API route of the templates (nested stacks included) with the functions' real code, on an embedded " +
    "DynamoDB (dynalite) with the templates' tables and a simulated Statistics stream. Edits to handlers apply on the " +
    "next request; --env-vars overrides their environment as sam local does. Functions are bundled after \"ready\" and start on first use. Runs until Ctrl-C (SIGINT) or SIGTERM.",
  examples: ["hdoc dev --seed", "hdoc dev --port 4000 --data-dir .hdoc/dev-data", "hdoc dev --seed --schedule --param GitHubApiUrl=http://127.0.0.1:8080", "curl http://127.0.0.1:3000/users/octocat"],
  configure(cmd: Command) {
    cmd
      .option("--port <port>", "port of the local API (0 picks a free one)", "3000")
      .option("--host <host>", "address to listen on (0.0.0.0 for every interface)", "127.0.0.1")
      .option("--data-dir <dir>", "keep the database in this folder between runs (default: in memory)")
      .option("--seed", `load sample users, articles and statistics (${DEFAULT_SEED_FILE})`)
      .option("--seed-file <file>", "load sample data from this file instead (implies --seed)")
      .option("--template <file>", "root template (default: infra/template.yml in the project root)")
      .option("--schedule", "run the functions' Schedule events (the Statistics Parser): once at start, then at their rate")
      .addOption(paramOption())
      .option("--env-vars <file>", ENV_VARS_HELP);
  },
  async run(opts, ctx) {
    const port = parsePort(opts.port);
    const parameters = parseParams(opts.param);
    const settings = await ctx.settings();
    const root = settings.root;
    const [{ startDev }, { readEnvVars }] = await Promise.all([import("../core/dev/start-dev.ts"), import("../core/dev/env-vars.ts")]);
    const envVars = opts.envVars ? readEnvVars(path.resolve(ctx.cwd, opts.envVars), opts.envVars) : undefined;
    const io = ctx.io;
    const seedFile = opts.seedFile ? path.resolve(ctx.cwd, opts.seedFile) : opts.seed ? path.join(root, DEFAULT_SEED_FILE) : undefined;
    // (The handlers' stack traces are mapped in their own workers; this thread's, under --verbose, by bin/hdoc.js.)
    const server = await startDev({
      repoRoot: root,
      template: opts.template ? path.resolve(ctx.cwd, opts.template) : path.join(root, "infra", "template.yml"),
      host: opts.host,
      port,
      dataDir: opts.dataDir ? path.resolve(ctx.cwd, opts.dataDir) : undefined,
      seedFile,
      parameters,
      envVars,
      schedule: opts.schedule,
      log: {
        info: (l) => io.info(l),
        warn: (l) => io.warn(l),
        error: (l) => io.info(io.color(l, "red")),
        request: (l) => io.info(l),
        verbose: (l) => io.verbose(l),
      },
    });
    if (io.json) {
      io.resultNow({ url: server.url, dynamoEndpoint: server.dynamoEndpoint, tables: server.tables, routes: server.routes.map((r) => ({ method: r.method, path: r.resource, function: r.functionId, stage: r.api.stage, auth: r.auth?.kind ?? "public" })), schedules: server.schedules });
    } else {
      const width = Math.max(...server.routes.map((r) => r.method.length + r.resource.length + 1), 0);
      io.out(`hdoc dev: API on ${server.url}`);
      const shown = [...server.routes].sort((a, b) => a.resource.localeCompare(b.resource) || a.method.localeCompare(b.method));
      for (const r of shown) io.out(`  ${`${r.method} ${r.resource}`.padEnd(width)}  ${r.functionId}`);
      io.out(`DynamoDB (dynalite) on ${server.dynamoEndpoint}: ${Object.values(server.tables).join(", ")}`);
      for (const j of server.schedules) io.out(`  schedule ${j.expression}  ${j.functionId}${opts.schedule ? "" : " (not run; --schedule runs it)"}`);
      if (server.routes.some((r) => r.auth && r.auth.kind !== "public")) io.out("write routes need an ID token: hdoc dev token <github_username>");
    }
    io.info("ready; Ctrl-C to stop");
    const signal = await ctx.untilStopped();
    io.info(`${signal}: stopping`);
    await server.stop();
    io.info("stopped");
    return 0;
  },
};
