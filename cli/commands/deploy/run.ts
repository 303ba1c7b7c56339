/**
 * The wiring of `hdoc deploy|diff` (loaded only when one of them runs): settings, the AWS target, the
 * CloudFormation and S3 adapters, the build, then the core flow; rendering of the result.
 */
import os from "node:os";
import path from "node:path";
import type { Context } from "../../context.ts";
import { EXIT_CODES } from "../../errors.ts";
import { describeTarget, sessionTarget, type AwsTarget } from "../../aws/clients.ts";
import { s3ArtifactStore, s3TemplateStore } from "../../aws/s3.ts";
import { backendCommands, deployBackend, type BackendResult, type BuildOutcome } from "../../core/deploy/backend.ts";
import { resolveBackend, type BackendSettings, type DeployOptions } from "../../core/deploy/settings.ts";
import { regionWithSamconfig } from "../../core/pipeline/settings.ts";
import { pipelineCloudFormation } from "../pipeline/options.ts";
import { changesJson, changesTable, outputsTable } from "../pipeline/view.ts";
import { withLiveDeploy } from "../pipeline/live-deploy.ts";
import { subprocessRunner } from "../build.ts";

/** `hdoc build`, in process: a no-op when everything is current. */
async function buildFor(s: BackendSettings, ctx: Context): Promise<BuildOutcome> {
  const core = await import("../../core/build/run.ts");
  const started = performance.now();
  const report = await core.runBuild({
    repoRoot: s.root,
    template: s.templateFile,
    outDir: s.outDir,
    only: [],
    clean: false,
    bundleAwsSdk: false,
    concurrency: os.availableParallelism(),
    esbuildVersion: core.installedEsbuildVersion(),
    run: subprocessRunner(ctx),
  });
  const count = (status: string) => report.functions.filter((f) => f.status === status).length;
  const failed = count("failed");
  const summary = `${count("built")} built, ${count("cached")} cached${failed ? `, ${failed} failed` : ""} in ${Math.round(performance.now() - started)} ms`;
  const error = report.functions.find((f) => f.status === "failed")?.error ?? report.problems[0];
  return { ok: report.ok, ...(report.template ? { template: path.join(s.root, report.template) } : {}), summary, ...(error ? { error } : {}) };
}

export async function runBackend(opts: DeployOptions, ctx: Context): Promise<number> {
  const { io } = ctx;
  const settings = await resolveBackend(opts, ctx);
  const base = await sessionTarget(ctx);
  const target: AwsTarget = { ...base, region: regionWithSamconfig(base.region, settings.samRegion) };
  io.verbose(describeTarget(target));
  const preview = opts.execute === false;
  const cfn = await pipelineCloudFormation(target, ctx);
  const result: BackendResult = await withLiveDeploy(ctx, { stackName: settings.stackName, commands: backendCommands(settings.stage.stage, settings.stackName), showChangeSet: !preview }, (live) =>
    deployBackend(
      { settings, region: target.region.value, execute: !preview, keep: Boolean(opts.keep) },
      {
        build: () => buildFor(settings, ctx),
        cfn,
        store: s3ArtifactStore(target),
        templates: s3TemplateStore(target),
        // a preview's result is the change set itself: printed on stdout below, not as progress
        io,
        ...live,
      },
    ),
  );
  render(result, ctx);
  return EXIT_CODES.OK;
}

function render(r: BackendResult, ctx: Context): void {
  const { io } = ctx;
  if (io.json) {
    io.result({ ...r, changes: changesJson(r.changes), outputs: Object.fromEntries(r.outputs.map((o) => [o.key, o.value])) });
    return;
  }
  const where = `(stage ${r.stage}, ${r.region})`;
  if (r.result === "preview") {
    io.out(changesTable(r.changes));
    const stacks = new Set(r.changes.map((c) => c.stack)).size;
    io.out(`${r.changes.length} change${r.changes.length === 1 ? "" : "s"} in ${stacks} stack${stacks === 1 ? "" : "s"} of ${r.stackName} ${where}, not executed${r.kept ? ` (change set ${r.changeSetName} kept)` : ""}`);
    return;
  }
  io.out(`stack ${r.stackName}: ${r.result === "no-changes" ? `no changes (${r.status})` : r.status} ${where}`);
  io.out(outputsTable(r.outputs));
}
