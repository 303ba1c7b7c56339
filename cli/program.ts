/**
 * The hdoc program over a command registry: global options, the commands, and the one place where an
 * error becomes an exit code. main.ts runs it with every command (commands/index.ts), build-main.ts
 * with `hdoc build` alone. `createProgram` is side-effect free so tests can check argv -> options.
 */
import { Command, CommanderError, Option } from "commander";
import type { BuildServerRole, CommandNode, Context, GlobalOptions, InterruptHandler } from "./context.ts";
import type { CommandDef } from "./commands/command.ts";
import { EXIT_CODES, HdocError, interruptedOr, isHdocError } from "./errors.ts";
import { closest } from "./suggest.ts";
import { Io, type PromptApi } from "./ui/io.ts";
import { inquirerPrompts } from "./ui/prompts.ts";
import { loadProjectSettings, type ProjectSettings } from "./core/settings.ts";
import { CleanupRegistry } from "./core/fs/cleanup.ts";

declare const HDOC_VERSION: string;
const VERSION = typeof HDOC_VERSION === "string" ? HDOC_VERSION : "0.0.0-dev";

export interface ProgramDeps {
  env: NodeJS.ProcessEnv;
  cwd: string;
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  stdinIsTTY: boolean;
  prompts: PromptApi;
  now?: () => Date;
  /** Receives the exit code of the command that ran. */
  onExit(code: number): void;
  /** Receives the Io built for the run (so errors are printed through its redactor). */
  onIo?(io: Io): void;
  /** The commands to offer (the registry by default; tests pass their own). */
  commands?: CommandDef[];
  /** Resolves with the signal name when the user asks a long-running command to stop (Ctrl-C, SIGTERM). */
  untilStopped?(): Promise<string>;
  /** Registers a command's Ctrl-C handler (see Context.onInterrupt); returns its unregister function. */
  onInterrupt?(handler: InterruptHandler): () => void;
  /** What a signal undoes before the process ends (temporary files, locks); one per run by default. */
  cleanup?: CleanupRegistry;
  /**
   * The build server (cli/build-server.ts) runs builds through cli() with `servedBy` (its pid): it
   * handles the signals itself. bin/hdoc.js passes `replace` when the server did not answer.
   */
  buildServer?: BuildServerRole;
}

const GLOBAL_HELP = `
Global options apply to every command and may follow it (hdoc mfa status --json).
Environment: AWS_PROFILE, AWS_REGION, AWS_ENDPOINT_URL, AWS_SHARED_CREDENTIALS_FILE, AWS_CONFIG_FILE,
HDOC_SOURCE_PROFILE, HDOC_TARGET_PROFILE, HDOC_CONFIG, NO_COLOR.
Exit codes: 0 ok, 1 internal error, 2 usage, 3 credentials/authentication, 4 AWS API error,
5 endpoint unreachable, 6 not found, 7 operation failed, 8 declined/confirmation needed,
9 not valid (status checks: failed), 10 busy (an operation in flight), 11 nothing deployed yet,
12 rolled back, 130 interrupted.`;

/** The commander tree as data: names, summaries, flags (hidden commands and --help/--version left out). */
function treeOf(cmd: Command): CommandNode {
  return {
    name: cmd.name(),
    summary: cmd.summary() || cmd.description().split("\n")[0] || "",
    options: cmd.options.filter((o) => !o.hidden).map((o) => ({ flag: o.long ?? o.short ?? "", takesValue: o.required || o.optional })),
    commands: cmd.commands.map(treeOf),
  };
}

function makeContext(global: GlobalOptions, deps: ProgramDeps, command?: Command): Context {
  const color = global.color && !deps.env.NO_COLOR && Boolean(deps.stdout.isTTY);
  const io = new Io({ stdout: deps.stdout, stderr: deps.stderr, stdinIsTTY: deps.stdinIsTTY, json: global.json, verbose: global.verbose, yes: global.yes, color, prompts: deps.prompts, ...(Number(deps.env.COLUMNS) > 0 ? { columns: Number(deps.env.COLUMNS) } : {}) });
  deps.onIo?.(io);
  let settings: Promise<ProjectSettings> | undefined;
  return {
    io,
    global,
    env: deps.env,
    cwd: deps.cwd,
    settings: () => (settings ??= loadProjectSettings(deps.cwd, deps.env)),
    now: deps.now ?? (() => new Date()),
    untilStopped: () => (deps.untilStopped ? deps.untilStopped() : new Promise<string>(() => {})),
    onInterrupt: (handler) => (deps.onInterrupt ? deps.onInterrupt(handler) : () => {}),
    cleanup: deps.cleanup ?? new CleanupRegistry(),
    ...(deps.buildServer ? { buildServer: deps.buildServer } : {}),
    commandTree: () => {
      let root = command;
      while (root?.parent) root = root.parent;
      return root ? treeOf(root) : { name: "hdoc", summary: "", options: [], commands: [] };
    },
  };
}

/** Keeps the command a usage error happened in, so the hint can suggest from its own options and subcommands. */
const USAGE_SOURCE = new WeakMap<CommanderError, Command>();
const remember = (cmd: Command) => (err: CommanderError) => {
  if (!USAGE_SOURCE.has(err)) USAGE_SOURCE.set(err, cmd);
  throw err;
};

function addCommand(parent: Command, def: CommandDef, name: string, deps: ProgramDeps): Command {
  const cmd = parent.command(name).summary(def.summary).description(def.description ? `${def.summary}\n\n${def.description}` : def.summary);
  cmd.exitOverride(remember(cmd));
  def.configure?.(cmd);
  cmd.addHelpText("after", `\nExamples:\n${def.examples.map((e) => `  $ ${e}`).join("\n")}\n`);
  cmd.action(async (...all: unknown[]) => {
    const command = all[all.length - 1] as Command;
    const opts = command.optsWithGlobals() as Record<string, unknown>;
    const global: GlobalOptions = {
      profile: opts.profile as string | undefined,
      region: opts.region as string | undefined,
      endpointUrl: opts.endpointUrl as string | undefined,
      json: Boolean(opts.json),
      yes: Boolean(opts.yes),
      verbose: Boolean(opts.verbose),
      color: opts.color !== false,
    };
    const ctx = makeContext(global, deps, command);
    const code = await def.run(command.opts(), ctx, command.args);
    ctx.io.flushResult();
    deps.onExit(typeof code === "number" ? code : 0);
  });
  return cmd;
}

/** The commands a program offers, and the descriptions of their groups (hdoc mfa, hdoc pipeline...). */
export interface Registry {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  commands: CommandDef<any>[];
  groups: Record<string, string>;
}

export function createProgram(deps: ProgramDeps, registry: Registry): Command {
  const program = new Command("hdoc")
    .description("Operate the 100DaysOfCloud serverless backend: MFA sessions, CodeBuild credentials, the pipeline, builds and a local API.")
    .version(VERSION, "-V, --version", "print the hdoc version")
    .option("--profile <name>", "AWS profile to use (default: the MFA profile, see hdoc.config.json)")
    .option("--region <region>", "AWS region (default: us-east-1, see hdoc.config.json)")
    .option("--endpoint-url <url>", "send AWS calls to this endpoint (AWS_ENDPOINT_URL is honoured too)")
    .option("--json", "print one JSON document to stdout instead of text")
    .option("-y, --yes", "answer yes to confirmations (needed for destructive steps when not interactive)")
    .option("-v, --verbose", "more detail on stderr, stack traces on errors (never secrets)")
    .addOption(new Option("--no-color", "no colours (NO_COLOR is honoured too)"))
    .configureHelp({ showGlobalOptions: true })
    .configureOutput(output(deps))
    .addHelpText("after", GLOBAL_HELP);

  program.exitOverride(remember(program));
  const groups = new Map<string, Command>();
  for (const def of deps.commands ?? registry.commands) {
    if (def.path.length === 1) {
      // A command may also have subcommands of its own (hdoc dev, hdoc dev token).
      groups.set(def.path[0], addCommand(program, def, def.path[0], deps));
      continue;
    }
    const [groupName, name] = def.path;
    let group = groups.get(groupName);
    if (!group) {
      group = program.command(groupName).description(registry.groups[groupName] ?? groupName).configureOutput(output(deps));
      group.exitOverride(remember(group));
      groups.set(groupName, group);
    }
    addCommand(group, def, name, deps);
  }
  return program;
}

/** Help goes where it was asked for; commander's own error lines are dropped: cli() reports them as hdoc's. */
function output(deps: ProgramDeps) {
  return { writeOut: (s: string) => deps.stdout.write(s), writeErr: (s: string) => deps.stderr.write(s), outputError: () => undefined };
}

/** A usage error found by commander, as hdoc's error: the message, and a hint with a suggestion. */
export function usageError(err: CommanderError, argv: string[]): HdocError {
  const message = (err.message.split("\n")[0] ?? "bad usage").replace(/^error: /, "").trim();
  const cmd = USAGE_SOURCE.get(err);
  const names: string[] = [];
  for (let c: Command | null | undefined = cmd; c; c = c.parent) names.unshift(c.name());
  const help = `${names.join(" ") || "hdoc"} --help`;
  let near = "";
  const unknown = /unknown (command|option) '([^']+)'/.exec(message);
  if (unknown && cmd) {
    const [, kind, word] = unknown as unknown as [string, string, string];
    const choices =
      kind === "command"
        ? cmd.commands.map((c) => c.name())
        : [cmd, ...ancestors(cmd)].flatMap((c) => c.options.map((o) => o.long ?? o.short ?? "")).filter(Boolean);
    const found = closest(word.split("=")[0]!, choices);
    if (found.length) near = `did you mean ${found.join(" or ")}? `;
  }
  void argv;
  return new HdocError("USAGE", message, near ? `${near}(\`${help}\` lists what there is)` : `run \`${help}\` for usage`);
}

function ancestors(cmd: Command): Command[] {
  const out: Command[] = [];
  for (let c = cmd.parent; c; c = c.parent) out.push(c);
  return out;
}

function printError(err: unknown, io: Io | undefined, deps: ProgramDeps, verbose: boolean, json: boolean): number {
  const write = (line: string) => (io ? io.info(line) : deps.stderr.write(line + "\n"));
  // --json: exactly one document on stdout, for failures too (added to the command's own, if it made one)
  if (json) {
    const e = isHdocError(err) ? err : new HdocError("INTERNAL", `unexpected failure: ${(err as Error)?.message ?? String(err)}`, "re-run with --verbose for details, and report it if it persists");
    const error = { code: e.code, exitCode: e.exitCode, message: e.message, hint: e.hint ?? null };
    if (io) io.flushResult(error);
    else deps.stdout.write(JSON.stringify({ ok: false, error }, null, 2) + "\n");
  }
  if (isHdocError(err)) {
    if (err.code === "INTERRUPTED") {
      write(err.message === "interrupted" ? "interrupted" : `interrupted: ${err.message}`);
      if (err.hint) write(`hint: ${err.hint}`);
      return EXIT_CODES.INTERRUPTED;
    }
    if (err.code === "DECLINED") {
      // a choice, not an error
      write(err.message);
      return err.exitCode;
    }
    write(`error: ${err.message}`);
    if (err.hint) write(`hint: ${err.hint}`);
    if (verbose) write(String(err.stack ?? "") + (err.cause instanceof Error ? `\ncaused by: ${err.cause.stack ?? err.cause.message}` : ""));
    return err.exitCode;
  }
  const e = err as Error;
  write(`error: unexpected failure: ${e?.message ?? String(err)}`);
  if (verbose) write(String(e?.stack ?? ""));
  else write("hint: re-run with --verbose for details, and report it if it persists");
  return EXIT_CODES.INTERNAL;
}

/** Runs hdoc with argv and returns the exit code; never calls process.exit itself. */
export async function runProgram(argv: string[], overrides: Partial<ProgramDeps>, registry: Registry): Promise<number> {
  let exitCode = 0;
  let io: Io | undefined;
  const deps: ProgramDeps = {
    env: process.env,
    cwd: process.cwd(),
    stdout: process.stdout,
    stderr: process.stderr,
    stdinIsTTY: Boolean(process.stdin.isTTY),
    prompts: inquirerPrompts,
    cleanup: new CleanupRegistry(),
    ...overrides,
    onExit: (code) => (exitCode = code),
    onIo: (i) => (io = i),
  };
  // Ctrl-C ends a run with 130, unless the command is waiting in ctx.untilStopped() (hdoc dev) or has
  // registered ctx.onInterrupt (a deploy): then it stops cleanly and says what state things are in, and
  // a second Ctrl-C still ends it at once.
  let stopWaiters: Array<(signal: string) => void> = [];
  /** Resolves every ctx.untilStopped() waiting now; false when none was. */
  const wakeStopWaiters = (signal: string): boolean => {
    const waiting = stopWaiters;
    stopWaiters = [];
    for (const w of waiting) w(signal);
    return waiting.length > 0;
  };
  const handlers: InterruptHandler[] = [];
  let interrupting: InterruptHandler | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    if (interrupting) {
      const line = interrupting.forced?.();
      deps.cleanup?.runAll();
      deps.stderr.write(`\ninterrupted again: stopping now${line ? `\n${line}` : ""}\n`);
      process.exit(signal === "SIGINT" ? EXIT_CODES.INTERRUPTED : 143);
    }
    const handler = handlers[handlers.length - 1];
    if (handler) {
      interrupting = handler;
      handler.interrupt(signal);
      return;
    }
    if (wakeStopWaiters(signal)) return;
    // temporary files and locks go before the process does
    deps.cleanup?.runAll();
    deps.stderr.write("\ninterrupted\n");
    process.exit(signal === "SIGINT" ? EXIT_CODES.INTERRUPTED : 143);
  };
  // A reader that went away (`hdoc dev 2>&1 | head -3`) stops a command waiting in ctx.untilStopped() as
  // SIGPIPE would (bin/hdoc.js drops the rest of the output): "SIGPIPE" once, to whoever waits then or
  // next; other commands run to their end and keep their exit code.
  let outputClosed = false;
  /** The output closed while nothing waited: the next ctx.untilStopped() is told at once. */
  let stopOwed = false;
  const onOutputClosed = (e: NodeJS.ErrnoException) => {
    if (e.code !== "EPIPE" || outputClosed) return;
    outputClosed = true;
    stopOwed = !wakeStopWaiters("SIGPIPE");
  };
  deps.untilStopped ??= () =>
    new Promise<string>((resolve) => {
      if (!stopOwed) return void stopWaiters.push(resolve);
      stopOwed = false;
      resolve("SIGPIPE");
    });
  deps.onInterrupt ??= (handler) => {
    handlers.push(handler);
    return () => {
      const i = handlers.indexOf(handler);
      if (i >= 0) handlers.splice(i, 1);
    };
  };
  // in the build server, the server handles the signals (its client's Ctrl-C comes over the socket)
  const signals = !deps.buildServer?.servedBy;
  if (signals) {
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
    process.stdout.on("error", onOutputClosed);
    process.stderr.on("error", onOutputClosed);
  }
  try {
    await createProgram(deps, registry).parseAsync(argv);
    return exitCode;
  } catch (err) {
    const json = io?.json ?? argv.includes("--json");
    const verbose = io?.verboseOn ?? (argv.includes("--verbose") || argv.includes("-v"));
    if (err instanceof CommanderError) {
      // --help and --version exit 0; a group without its subcommand has printed its help: exit 2
      if (err.code === "commander.helpDisplayed" || err.code === "commander.version" || err.exitCode === 0) return 0;
      if (err.code === "commander.help") return EXIT_CODES.USAGE;
      return printError(usageError(err, argv), io, deps, false, json);
    }
    return printError(interruptedOr(err), io, deps, verbose, json);
  } finally {
    deps.cleanup?.runAll();
    process.removeListener("SIGINT", onSignal);
    process.removeListener("SIGTERM", onSignal);
    process.stdout.removeListener("error", onOutputClosed);
    process.stderr.removeListener("error", onOutputClosed);
  }
}
