import type { Command } from "commander";
import type { Context } from "../context.ts";
import type { CommandDef } from "./command.ts";
import type { BuildEvent, BuildReport, FunctionReport } from "../core/build/run.ts";
import { EXIT_CODES } from "../errors.ts";
import { StatusLine } from "../ui/progress.ts";
import { parseParams } from "./params.ts";

interface BuildOpts {
  list?: boolean;
  function: string[];
  clean?: boolean;
  template?: string;
  outDir?: string;
  bundleAwsSdk?: boolean;
  param: string[];
  wait: boolean;
  server: boolean;
  stopServer?: boolean;
}

const collect = (v: string, prev: string[]) => [...prev, v];

export function formatSize(bytes: number | undefined): string {
  if (bytes === undefined) return "-";
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} kB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}
const formatMs = (ms: number | undefined) => (ms === undefined ? "-" : ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`);

export const build: CommandDef<BuildOpts> = {
  path: ["build"],
  summary: "Bundle every Lambda function found in the templates",
  description:
    "Walks infra/template.yml and its nested stacks, bundles each Node.js function with esbuild (only the packages its own " +
    "package.json declares; AWS SDK v3 left to the runtime), installs each Python function's requirements.txt, and writes " +
    "deployable templates to .hdoc/build (deploy with: sam deploy --template-file .hdoc/build/template.yml ...). " +
    "Unchanged functions are taken from the content-hash cache. Exit 7 when a function failed (the others are still built).",
  examples: ["hdoc build", "hdoc build --list", "hdoc build --function Api/GetUserFunction --function SignupFunction", "hdoc build --clean --json"],
  configure(cmd: Command) {
    cmd
      .option("--list", "list the functions found in the templates and build nothing")
      .option("--function <name>", "build only this function: logical id or nested id such as Api/GetUserFunction (repeatable)", collect, [])
      .option("--clean", "delete the build folder first and rebuild everything")
      .option("--template <file>", "root template (default: infra/template.yml in the project root)")
      .option("--out-dir <dir>", "build folder (default: .hdoc/build in the project root)")
      .option("--bundle-aws-sdk", "bundle @aws-sdk/* and @smithy/* instead of using the Lambda runtime's copy")
      .option("--no-wait", "fail at once when another build of the same folder is running (default: wait for it)")
      .option("--no-server", "build in this process only: neither use nor start the repository's build server")
      .option("--stop-server", "stop the repository's build server (a warm process that runs later builds) and build nothing")
      .option("--param <Name=Value>", "a root template parameter, for a CodeUri, Handler or Runtime written as !Ref or !Sub (repeatable; else its Default)", collect, []);
  },
  async run(opts, ctx) {
    const started = process.hrtime.bigint();
    // esbuild, execa and the YAML library are loaded only when something has to be built or listed.
    const [path, os, { table }, core] = await Promise.all([import("node:path"), import("node:os"), import("../ui/table.ts"), import("../core/build/run.ts")]);
    const { io } = ctx;
    if (ctx.buildServer?.servedBy) io.verbose(`running in the build server (pid ${ctx.buildServer.servedBy})`);
    const root = (await ctx.settings()).root;
    const template = opts.template ? path.resolve(ctx.cwd, opts.template) : path.join(root, "infra", "template.yml");
    const outDir = opts.outDir ? path.resolve(ctx.cwd, opts.outDir) : path.join(root, ".hdoc", "build");
    const rel = (f: string) => path.relative(root, f) || ".";

    if (opts.stopServer) {
      const { stopBuildServer } = await import("../core/build/server/start.ts");
      const stopped = await stopBuildServer(root);
      if (io.json) io.result({ server: stopped?.pid ?? null, how: stopped?.how ?? null });
      else if (!stopped) io.out(`no build server runs for ${root}`);
      else if (stopped.how === "not a build server") io.out(`left pid ${stopped.pid} alone: .hdoc/build-server.json names it, but it is not a build server of ${root}`);
      else io.out(`stopped the build server (pid ${stopped.pid}${stopped.how === "killed" ? "; it did not answer, so it was ended with a signal" : ""})`);
      return EXIT_CODES.OK;
    }

    if (opts.list) {
      const discovery = await import("../core/build/discovery.ts");
      const { functions, skipped, problems } = discovery.loadFunctions(root, template, parseParams(opts.param));
      const listed = discovery.listFunctions(functions, root);
      if (io.json) io.result({ template: rel(template), functions: listed, notBuilt: skipped, problems: problems.map((p) => p.text) });
      else if (listed.length) {
        io.out(table(["Function", "Template", "CodeUri", "Handler", "Runtime", "Architectures"], listed.map((f) => [f.id, f.template, f.codeUri, f.handler, f.runtime, f.architectures.join(",")])));
      } else io.out(`no functions with local code in ${rel(template)} or its nested stacks`);
      if (!io.json) for (const f of skipped) io.info(`warning: ${f.text}`);
      for (const p of problems) io.info(`error: ${p.text}`);
      return problems.length ? EXIT_CODES.FAILED : EXIT_CODES.OK;
    }

    const progress = makeProgress(ctx);
    const report = await core.runBuild({
      repoRoot: root,
      template,
      outDir,
      only: opts.function,
      parameters: parseParams(opts.param),
      clean: Boolean(opts.clean),
      bundleAwsSdk: Boolean(opts.bundleAwsSdk),
      concurrency: os.availableParallelism(),
      esbuildVersion: core.installedEsbuildVersion(),
      onEvent: progress.event,
      wait: opts.wait,
      note: (l) => progress.note(l),
      cleanup: ctx.cleanup,
      run: subprocessRunner(ctx),
      warm: Boolean(ctx.buildServer?.servedBy),
    });
    progress.finish();
    render(report, Number((process.hrtime.bigint() - started) / 1_000_000n), ctx, rel, table, formatSize);
    await serverAfterBuild(opts, ctx, root);
    return report.ok ? EXIT_CODES.OK : EXIT_CODES.FAILED;
  },
};

/**
 * After a build in this process: starts the repository's build server, which runs the next builds
 * warm (cli/build-server.ts), unless --no-server, CI or HDOC_BUILD_SERVER=0 say no, or this build runs
 * in the server itself.
 */
async function serverAfterBuild(opts: BuildOpts, ctx: Context, root: string): Promise<void> {
  if (ctx.buildServer?.servedBy || !opts.server) return;
  const { startBuildServer, idleNote } = await import("../core/build/server/start.ts");
  const r = startBuildServer(root, ctx.env, ctx.buildServer?.replace);
  if ("started" in r) ctx.io.info(`build server starting (pid ${r.started}): later builds here run in it, warm; ${idleNote(ctx.env)} (hdoc build --stop-server stops it, --no-server builds without it)`);
  else if ("not" in r) ctx.io.verbose(`no build server: ${r.not}`);
}

/** How the build runs pip: through execa, the command line shown under --verbose. */
export function subprocessRunner(ctx: Context): (file: string, args: string[], o: { cwd: string; env?: Record<string, string> }) => Promise<{ exitCode: number; output: string }> {
  return async (file, args, o) => {
    ctx.io.verbose(`$ ${[file, ...args].join(" ")}`);
    const { execa } = await import("execa");
    const r = await execa(file, args, { cwd: o.cwd, env: o.env, reject: false, all: true });
    return { exitCode: r.exitCode ?? -1, output: String(r.all ?? "") };
  };
}

function makeProgress(ctx: Context): { event(e: BuildEvent): void; note(line: string): void; finish(): void } {
  const { io } = ctx;
  if (io.json) return { event: () => undefined, note: (l) => io.info(l), finish: () => undefined };
  let total = 0, done = 0;
  const running = new Set<string>();
  const lineFor = (r: FunctionReport) => {
    const status = r.status === "failed" ? io.color("failed", "red") : r.status === "built" ? io.color("built ", "green") : r.status === "cached" ? io.color("cached", "dim") : io.color("stale ", "yellow");
    if (r.status === "failed") return `${status} ${r.id} (error below)`;
    if (r.status === "stale") return `${status} ${r.id} (out of date, not selected by --function)`;
    return `${status} ${r.id} (${formatSize(r.size)}, ${formatMs(r.ms)})`;
  };
  if (!io.live) {
    return {
      event(e) {
        if (e.type === "start" && e.reason) io.info(`${e.id}: ${e.reason}`);
        if (e.type === "done") io.info(lineFor(e.report));
      },
      note: (l) => io.info(l),
      finish: () => undefined,
    };
  }
  const status = new StatusLine(io);
  const draw = () => status.set(`${io.color(`building ${done}/${total}`, "cyan")} ${[...running].slice(0, 3).join(", ")}${running.size > 3 ? ", ..." : ""}`);
  return {
    event(e) {
      if (e.type === "plan") total = e.total;
      if (e.type === "start") running.add(e.id);
      if (e.type === "start" && e.reason) status.print(`${e.id}: ${e.reason}`);
      if (e.type === "done") {
        done++;
        running.delete(e.report.id);
        if (e.report.status === "failed") status.print(lineFor(e.report));
      }
      draw();
    },
    note: (l) => status.print(l),
    finish: () => status.clear(),
  };
}

function render(report: BuildReport, ms: number, ctx: Context, rel: (f: string) => string, table: (h: string[], r: string[][]) => string, size: (n: number | undefined) => string): void {
  const { io } = ctx;
  if (io.json) {
    io.result({ ...report, root: undefined, outDir: rel(report.outDir), ms });
    return;
  }
  if (report.functions.length) {
    io.out(table(["Function", "Runtime", "Size", "Time", "Result"], report.functions.map((f) => [f.id, f.runtime || "-", size(f.size), formatMs(f.ms), f.status])));
  }
  const built = report.functions.filter((f) => f.status === "built").length;
  const cached = report.functions.filter((f) => f.status === "cached").length;
  const failed = report.functions.filter((f) => f.status === "failed");
  for (const f of failed) {
    io.info(`error: ${f.error}`);
    for (const d of (f.details ?? []).slice(1, 10)) io.info(`  ${d}`);
  }
  for (const p of report.problems) io.info(`error: ${p}`);
  for (const f of report.notBuilt) io.info(`warning: ${f.text}`);
  for (const w of report.warnings) io.info(`warning: ${w}`);
  const stale = report.functions.filter((f) => f.status === "stale").length;
  io.info(`${built} built, ${cached} cached${failed.length ? `, ${failed.length} failed` : ""}${stale ? `, ${stale} not built (run without --function)` : ""} in ${formatMs(ms)}`);
  if (report.template) io.info(`templates: ${report.template} (deploy: sam deploy --template-file ${report.template} ...)`);
  else io.info(`templates not written to ${rel(report.outDir)}: ${failed.length || report.problems.length ? "fix the errors above" : "some functions are not built"}`);
}
