/**
 * Which packages a command loads (the built binary, every import logged by a resolve hook): `mfa status`
 * only reads a file, so it loads no AWS SDK module and no lock library; `pipeline deploy` loads the S3
 * client only when a template needs uploading.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { REPO_ROOT, runHdoc, tempHome } from "../helpers/hdoc.ts";
import { type CloudFormationEndpoint } from "../helpers/cloudformation-endpoint.ts";
import { startPipelineReplay, type PipelineReplay } from "../helpers/pipeline-replay.ts";

const h = tempHome();
let replay: CloudFormationEndpoint;
/** the stage's connection in front of the replay (deploy checks it first) */
let front: PipelineReplay;
const HOOK = pathToFileURL(path.join(REPO_ROOT, "test/helpers/module-log.mjs")).href;

/** The packages (node_modules/<name>) a run of hdoc imported. */
async function packagesLoadedBy(args: string[], name: string): Promise<{ exitCode: number; stderr: string; urls: string[]; packages: string[] }> {
  const log = path.join(h.home, `${name}.modules`);
  writeFileSync(log, "");
  const r = await runHdoc(args, { home: h.home, env: { NODE_OPTIONS: `--import ${HOOK}`, HDOC_TEST_MODULE_LOG: log } });
  const urls = readFileSync(log, "utf8").split("\n").filter(Boolean);
  const packages = [...new Set(urls.map((u) => /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(u)?.[1]).filter((p): p is string => Boolean(p)))];
  return { exitCode: r.exitCode, stderr: r.stderr, urls, packages };
}

beforeAll(async () => {
  const future = new Date(Date.now() + 3_600_000).toISOString();
  writeFileSync(h.credentialsFile, `[mfa]\naws_access_key_id = AKIALAZYTEST00000001\naws_secret_access_key = lazy-secret\naws_session_token = lazy-token\nhdoc_expiration = ${future}\n`);
  front = await startPipelineReplay();
  replay = front.replay;
});
afterAll(async () => {
  await front?.stop();
  h.cleanup();
});

describe("lazy where it is cheap", () => {
  it("`mfa status` loads no AWS SDK module and no lock library (it only reads the credentials file)", async () => {
    const r = await packagesLoadedBy(["mfa", "status"], "mfa-status");
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.urls.some((u) => u.endsWith("/dist/cli/main.js"))).toBe(true); // the hook sees the program's imports
    expect(r.packages.filter((p) => p.startsWith("@aws-sdk/") || p.startsWith("@smithy/") || p === "proper-lockfile")).toEqual([]);
  });

  it("`hdoc build` loads dist/cli/build-main.js alone: no chunk of the CLI, no AWS SDK module", async () => {
    const r = await packagesLoadedBy(["build", "--list", "--json"], "build");
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.urls.filter((u) => u.includes("/dist/cli/")).map((u) => u.replace(/.*\/dist\/cli\//, ""))).toEqual(["build-main.js"]);
    expect(r.packages.filter((p) => p.startsWith("@aws-sdk/") || p.startsWith("@smithy/"))).toEqual([]);
  });

  it("`pipeline deploy` with an inline template loads the CloudFormation client and not the S3 client", async () => {
    replay.load("noChanges");
    const r = await packagesLoadedBy(["pipeline", "deploy", "--stage", "dev", "--yes", "--endpoint-url", front.url], "deploy");
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.packages).toContain("@aws-sdk/client-cloudformation");
    expect(r.packages).not.toContain("@aws-sdk/client-s3");
  });
});
