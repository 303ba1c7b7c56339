import path from "node:path";
import { readFileSync } from "node:fs";
import type { Command } from "commander";
import type { CommandDef } from "./command.ts";
import { EXIT_CODES, HdocError } from "../errors.ts";
import { utf8OrRefuse } from "../core/fs/utf8.ts";
import { DEFAULT_SEED_FILE, ENV_VARS_HELP, paramOption, parseParams } from "./dev.ts";

interface InvokeOpts {
  event?: string;
  envVars?: string;
  dynamoEndpoint?: string;
  template?: string;
  param: string[];
  dataDir?: string;
  seed?: boolean;
  seedFile?: string;
}

/** The event: a JSON file, `-` for standard input, or {} when none is given (as sam local invoke). */
function readEvent(arg: string | undefined, cwd: string): unknown {
  if (arg === undefined) return {};
  let bytes: Buffer;
  try {
    bytes = arg === "-" ? readFileSync(0) : readFileSync(path.resolve(cwd, arg));
  } catch {
    throw new HdocError("NOT_FOUND", `--event ${arg} cannot be read`, "pass a JSON file (each function has some in functions/<name>/events/) or - for standard input");
  }
  const text = utf8OrRefuse(bytes, `--event ${arg}`, "USAGE", "JSON is UTF-8, and sam local invoke reads events only as UTF-8");
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new HdocError("USAGE", `--event ${arg} is not valid JSON: ${(e as Error).message}`, "an event is one JSON document, e.g. functions/get-user/events/get-user.json");
  }
}

export const invoke: CommandDef<InvokeOpts> = {
  path: ["invoke"],
  summary: "Run one function once, locally, with an event",
  description:
    "Runs the function as hdoc dev does (same bundling, environment and local DynamoDB with the templates' tables; " +
    "or the database of a running hdoc dev with --dynamo-endpoint). The result goes to stdout as JSON, the handler's own " +
    "output to stderr. Exit 7 when the handler throws, times out or runs out of memory (its error, in Lambda's shape, on stdout).",
  examples: [
    "hdoc invoke GetUserFunction --event functions/get-user/events/get-user.json",
    "hdoc invoke StatisticsParserFunction --event stream-event.json --dynamo-endpoint http://127.0.0.1:8000",
    "echo '{}' | hdoc invoke ListTagsFunction --event -",
  ],
  configure(cmd: Command) {
    cmd
      .argument("<function>", "logical id, or nested id such as Api/GetUserFunction")
      .option("--event <file>", "the event: a JSON file, or - for standard input (default: {})")
      .option("--env-vars <file>", ENV_VARS_HELP)
      .option("--dynamo-endpoint <url>", "use this DynamoDB (e.g. the one a running hdoc dev printed) instead of an embedded one")
      .option("--template <file>", "root template (default: infra/template.yml in the project root)")
      .addOption(paramOption())
      .option("--data-dir <dir>", "the embedded database's folder (as hdoc dev --data-dir; default: in memory)")
      .option("--seed", `load the sample data first (${DEFAULT_SEED_FILE})`)
      .option("--seed-file <file>", "load sample data from this file first (implies --seed)");
  },
  async run(opts, ctx, args) {
    const name = args[0]!;
    const parameters = parseParams(opts.param);
    if (opts.dynamoEndpoint !== undefined) {
      let u: URL | undefined;
      try {
        u = new URL(opts.dynamoEndpoint);
      } catch {
        u = undefined;
      }
      if (!u || !/^https?:$/.test(u.protocol)) throw new HdocError("USAGE", `--dynamo-endpoint ${JSON.stringify(opts.dynamoEndpoint)} is not an http(s) URL`, "e.g. --dynamo-endpoint http://127.0.0.1:8000 (hdoc dev prints it)");
      if (opts.dataDir || opts.seed || opts.seedFile) throw new HdocError("USAGE", "--data-dir and --seed are for the embedded database, not with --dynamo-endpoint");
    }
    const event = readEvent(opts.event, ctx.cwd);
    const root = (await ctx.settings()).root;
    const [{ invokeOnce }, { readEnvVars }] = await Promise.all([import("../core/dev/invoke.ts"), import("../core/dev/env-vars.ts")]);
    const io = ctx.io;
    process.setSourceMapsEnabled(true);
    const outcome = await invokeOnce({
      repoRoot: root,
      template: opts.template ? path.resolve(ctx.cwd, opts.template) : path.join(root, "infra", "template.yml"),
      functionName: name,
      event,
      parameters,
      envVars: opts.envVars ? readEnvVars(path.resolve(ctx.cwd, opts.envVars), opts.envVars) : undefined,
      dynamoEndpoint: opts.dynamoEndpoint,
      dataDir: opts.dataDir ? path.resolve(ctx.cwd, opts.dataDir) : undefined,
      seedFile: opts.seedFile ? path.resolve(ctx.cwd, opts.seedFile) : opts.seed ? path.join(root, DEFAULT_SEED_FILE) : undefined,
      functionOutput: process.stderr,
      log: { info: (l) => io.info(l), warn: (l) => io.warn(l) },
    });
    if (outcome.ok) {
      if (io.json) io.result({ function: outcome.functionId, ok: true, ms: outcome.ms, result: outcome.result ?? null });
      else io.out(JSON.stringify(outcome.result ?? null));
      io.verbose(`${outcome.functionId}: ${outcome.ms} ms`);
      return EXIT_CODES.OK;
    }
    if (io.json) io.result({ function: outcome.functionId, ok: false, ms: outcome.ms, error: outcome.error });
    else io.out(JSON.stringify(outcome.error));
    io.info(`error: ${outcome.functionId} failed: ${outcome.error.errorMessage}`);
    return EXIT_CODES.FAILED;
  },
};
