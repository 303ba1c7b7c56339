/**
 * `hdoc mfa exec -- <command> [args...]`: runs a command with the MFA session in its environment,
 * logging in first when the session is missing or has less than --min-remaining left. The child's
 * exit code becomes hdoc's; SIGINT and SIGTERM are passed on to it.
 */
import { Option } from "commander";
import type { Context } from "../../context.ts";
import type { CommandDef } from "../command.ts";
import { declareSessionOptions, type SessionOptions } from "./options.ts";

export interface MfaExecOptions extends SessionOptions {
  write: boolean;
}

export const mfaExec: CommandDef<MfaExecOptions> = {
  path: ["mfa", "exec"],
  summary: "Run a command with the MFA session in its environment (logging in first when needed)",
  description:
    "Sets AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_REGION, AWS_DEFAULT_REGION and " +
    "AWS_CREDENTIAL_EXPIRATION for the command, and removes AWS_PROFILE (it would override them). When the " +
    "session is missing or has less than --min-remaining left, logs in first (asking for the code in a " +
    "terminal). The command's exit code is hdoc's. Secrets go only into the command's environment, never " +
    "onto a command line or into hdoc's output.",
  examples: [
    "hdoc mfa exec -- aws s3 ls",
    "hdoc mfa exec --token-code 123456 -- sam deploy --config-env dev",
    "hdoc mfa exec --no-write --token-code 123456 -- terraform plan   # the session stays in memory only",
    "hdoc mfa exec --target-profile mfa-prod --min-remaining 1h -- ./scripts/rotate.sh",
  ],
  configure(cmd) {
    declareSessionOptions(cmd)
      .addOption(new Option("--no-write", "keep a new session only in the command's environment, never on disk"))
      .argument("<command>", "the command to run (after --)")
      .argument("[args...]", "its arguments");
  },
  async run(opts, ctx, args) {
    return runMfaExec(opts, ctx, args);
  },
};

async function runMfaExec(opts: MfaExecOptions, ctx: Context, args: string[]): Promise<number> {
  const [{ HdocError }, { login }, { childEnvironment }, { loginDeps, loginInput, refuseGlobalProfile, regionWith }, { sourceSts }, { execa }, os] = await Promise.all([
    import("../../errors.ts"),
    import("../../core/mfa/session.ts"),
    import("../../core/mfa/exec-environment.ts"),
    import("./profiles.ts"),
    import("./source-sts.ts"),
    import("execa"),
    import("node:os"),
  ]);
  const { io } = ctx;
  refuseGlobalProfile(ctx, "mfa exec");
  const [command, ...rest] = args;
  if (!command) throw new HdocError("USAGE", "no command to run", "put it after --: hdoc mfa exec -- aws s3 ls");
  const input = { ...(await loginInput(opts, ctx)), write: opts.write };
  const session = await login(input, loginDeps(ctx, "mfa exec", sourceSts(ctx, input.source.value)));
  if (session.renewed) io.info(`MFA session '${session.profile}' renewed${session.written ? "" : " (kept in memory only)"}`);
  const region = await regionWith(ctx, session.region);
  io.verbose(`running: ${[command, ...rest].join(" ")} (session '${session.profile}', region ${region.value} from ${region.source})`);

  const child = execa(command, rest, { stdio: "inherit", env: childEnvironment(ctx.env, session, region.value), extendEnv: false, reject: false, cwd: ctx.cwd });
  let running = true;
  void (async () => {
    // every SIGINT/SIGTERM hdoc receives goes on to the child, which decides how to end (a closed output
    // pipe, "SIGPIPE", is the child's own to meet: it writes to the same pipe)
    while (running) {
      const signal = await ctx.untilStopped();
      if (running && signal !== "SIGPIPE") child.kill(signal as NodeJS.Signals);
    }
  })();
  const r = await child;
  running = false;
  const spawnError = (r as { code?: string }).code;
  if (r.exitCode === undefined && !r.signal && spawnError) {
    if (spawnError === "ENOENT") throw new HdocError("NOT_FOUND", `cannot run '${command}': command not found`, "check the name, or give its path");
    if (spawnError === "EACCES") throw new HdocError("USAGE", `cannot run '${command}': permission denied`, `make it executable (chmod +x ${command})`);
    throw new HdocError("FAILED", `cannot run '${command}' (${spawnError})`);
  }
  if (r.signal) return 128 + (os.constants.signals[r.signal as NodeJS.Signals] ?? 0);
  return r.exitCode ?? 1;
}
