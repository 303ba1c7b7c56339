/** `hdoc pipeline connection`: the stage's GitHub connection, whether the pipeline can use it, and what to do if not. */
import type { Context } from "../../context.ts";
import type { CommandDef } from "../command.ts";
import type { PipelineOptions, PipelineSettings } from "../../core/pipeline/settings.ts";
import type { ConnectionState } from "../../core/pipeline/connection.ts";
import type { AwsTarget } from "../../aws/clients.ts";
import { pipelineOptions } from "./options.ts";

interface ConnectionOptions extends PipelineOptions {
  connectionArn?: string;
  wait: boolean;
  /** From the shared pipeline options; for --wait here the default is 10m. */
  timeout?: string;
  interval: string;
}

export const pipelineConnection: CommandDef<ConnectionOptions> = {
  path: ["pipeline", "connection"],
  summary: "Show the GitHub connection a stage's pipeline reads, and finish setting it up",
  description:
    "Prints the connection's ARN, name, provider and status (PENDING, AVAILABLE, ERROR), and where its ARN came from " +
    "(the stage's GithubConnectionArn parameter, an SSM parameter by default). When it is not AVAILABLE it says what " +
    "to do and where (the console page of the one-time GitHub handshake). --wait polls until it is AVAILABLE, at most " +
    "--timeout. Exit 0 only when the pipeline can use it; 9 when it is PENDING, ERROR or for another provider (also " +
    "when --wait runs out); 6 when it or its SSM parameter does not exist.",
  examples: [
    "hdoc pipeline connection --stage dev",
    "hdoc pipeline connection --wait --timeout 15m",
    "hdoc pipeline connection --stage prod --json",
    "hdoc pipeline connection --connection-arn arn:aws:codeconnections:us-east-1:123456789012:connection/ID",
  ],
  configure(cmd) {
    pipelineOptions(cmd)
      .option("--connection-arn <arn>", "check this connection instead of the stage's")
      .option("--wait", "poll until the connection is AVAILABLE (at most --timeout: here default 10m, at most 1h)", false)
      .option("--interval <duration>", "time between polls with --wait: 1s to 5m", "5s");
  },
  async run(opts, ctx) {
    return runPipelineConnection(opts, ctx);
  },
};

async function runPipelineConnection(opts: ConnectionOptions, ctx: Context): Promise<number> {
  const [core, { parseDuration }, { EXIT_CODES }, { codeConnections }, { ssmParameters }, { preparePipeline }] = await Promise.all([
    import("../../core/pipeline/connection.ts"),
    import("../../core/mfa/duration.ts"),
    import("../../errors.ts"),
    import("../../aws/codeconnections.ts"),
    import("../../aws/ssm.ts"),
    import("./options.ts"),
  ]);
  const { io } = ctx;
  const timeout = opts.timeout ?? "10m";
  const timeoutMs = parseDuration(timeout, { flag: "--timeout", minSeconds: 1, maxSeconds: 3600 }) * 1000;
  const intervalMs = parseDuration(opts.interval, { flag: "--interval", minSeconds: 1, maxSeconds: 300 }) * 1000;
  const direct = opts.connectionArn !== undefined ? { arn: core.checkArn(opts.connectionArn.trim(), "--connection-arn"), source: "--connection-arn" } : undefined;

  const { settings, target, templateBody } = await preparePipeline(opts, ctx);
  const region = target.region.value;
  const deps = { connections: codeConnections(target), ssm: ssmParameters(target) };
  const ref = direct ?? (await core.stageConnection(settings, templateBody, deps, region));
  if (!ref) {
    const { HdocError } = await import("../../errors.ts");
    throw new HdocError("USAGE", `${settings.templateLabel} has no ${core.CONNECTION_PARAMETER} parameter: its pipeline reads no GitHub connection`, "pass --connection-arn ARN to check a connection anyway");
  }

  let state: ConnectionState;
  let timedOut = false;
  if (opts.wait) {
    let last = "";
    const started = Date.now();
    const r = await core.waitForConnection(ref, deps, region, {
      timeoutMs,
      intervalMs,
      now: () => Date.now(),
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
      onPoll: (s) => {
        if (s.status !== last) io.info(`connection ${s.name ?? s.arn}: ${s.status}${s.usable ? "" : ` (waiting, up to ${timeout})`}`);
        last = s.status;
      },
    });
    state = r.state;
    timedOut = r.timedOut;
    if (timedOut) io.info(`still ${state.status} after ${Math.round((Date.now() - started) / 1000)}s (--timeout ${timeout})`);
  } else {
    state = await core.readConnection(ref, deps, region);
  }

  const code = state.usable ? EXIT_CODES.OK : EXIT_CODES.NOT_VALID;
  if (io.json) {
    io.result({ stage: settings.stage.stage, ...state, ...(opts.wait ? { waited: { timedOut } } : {}) });
    return code;
  }
  const status = io.color(state.status, state.usable ? "green" : state.status === "PENDING" ? "yellow" : "red");
  io.out(`connection:  ${state.arn}`);
  io.out(`name:        ${state.name ?? "(none)"}`);
  io.out(`provider:    ${state.provider ?? "(unknown)"}`);
  io.out(`status:      ${status}`);
  io.out(`from:        ${state.source}${direct ? "" : ` (stage ${settings.stage.stage}, ${region})`}`);
  if (state.usable) {
    io.out(`The pipeline of stage ${settings.stage.stage} can read GitHub through it.`);
    return code;
  }
  io.out("");
  io.out(`${state.problem}${timedOut ? ` (still, after --wait ${timeout})` : ""}. To finish:`);
  (state.steps ?? []).forEach((s, i) => io.out(`  ${i + 1}. ${s}`));
  io.out(`console: ${state.consoleUrl}`);
  return code;
}

/**
 * `hdoc pipeline deploy`'s first step: the stage's connection must be usable before any change set is
 * made (a pipeline on a PENDING connection deploys, then fails its first run). Skipped, with a note
 * under --verbose, for a template that reads no connection.
 */
export async function requireConnection(settings: PipelineSettings, templateBody: string, target: AwsTarget, ctx: Context): Promise<void> {
  const [core, { codeConnections }, { ssmParameters }] = await Promise.all([import("../../core/pipeline/connection.ts"), import("../../aws/codeconnections.ts"), import("../../aws/ssm.ts")]);
  const region = target.region.value;
  const deps = { connections: codeConnections(target), ssm: ssmParameters(target) };
  const ref = await core.stageConnection(settings, templateBody, deps, region);
  if (!ref) {
    ctx.io.verbose(`${settings.templateLabel} reads no GitHub connection: not checked`);
    return;
  }
  const state = await core.readConnection(ref, deps, region);
  if (!state.usable) throw core.unusableConnection(state, `not deploying stage ${settings.stage.stage}, nothing was changed`);
  ctx.io.info(`GitHub connection ${state.name ?? state.arn}: ${state.status}`);
}
