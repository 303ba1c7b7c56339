/**
 * hdoc dev over test/fixtures/formats (built binary): the proxy event API Gateway sends for a
 * stage-prefixed URL (as in the official sample event, aws/aws-lambda-go's
 * events/testdata/apigw-request.json), and an image function's route answering 502 with a console
 * line while everything else is served.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHdocDev, fixtureProject, type RunningDev } from "../helpers/dev-server.ts";
import { tempHome, type TempHome } from "../helpers/hdoc.ts";

let home: TempHome;
let project: { dir: string; cleanup(): void };
let dev: RunningDev;
beforeAll(async () => {
  home = tempHome();
  project = fixtureProject("test/fixtures/formats");
  dev = await startHdocDev(["--template", "template.yml", "--port", "0"], { cwd: project.dir, home: home.home, timeoutMs: 60_000 });
}, 90_000);
afterAll(async () => {
  await dev?.stop();
  project?.cleanup();
  home?.cleanup();
});

interface Echo { path: string; requestContext: Record<string, unknown>; stageVariables: unknown; headers: Record<string, string> }

describe("hdoc dev's API Gateway events (built binary)", () => {
  it("gives path without the stage and requestContext.path with it, stage variables, ids and headers as API Gateway does", async () => {
    const res = await fetch(`${dev.url}/Prod/hello/ada`);
    expect(res.status).toBe(200);
    const e = (await res.json()) as Echo;
    expect([e.path, e.requestContext.path, e.requestContext.stage]).toEqual(["/hello/ada", "/Prod/hello/ada", "Prod"]);
    expect(e.stageVariables).toEqual({ table: "items" });
    expect("authorizer" in e.requestContext).toBe(false);
    expect(e.requestContext.resourceId).toMatch(/^[a-z0-9]{6}$/);
    expect(e.requestContext.apiId).toMatch(/^[a-z0-9]{10}$/);
    expect(e.headers).toMatchObject({ "X-Forwarded-For": "127.0.0.1", "X-Forwarded-Proto": "http", "X-Forwarded-Port": new URL(dev.url).port });
    expect(e.headers["X-Amzn-Trace-Id"]).toMatch(/^Root=1-[0-9a-f]{8}-[0-9a-f]{24}$/);
    const plain = (await (await fetch(`${dev.url}/hello/ada`)).json()) as Echo;
    expect([plain.path, plain.requestContext.path]).toEqual(["/hello/ada", "/Prod/hello/ada"]);
  });

  it("answers 502 on an image function's route and says why on the console", async () => {
    const res = await fetch(`${dev.url}/Prod/image`);
    expect(res.status).toBe(502);
    expect(dev.stderr()).toMatch(/Image is not run locally \(image\): PackageType Image/);
    expect(dev.stderr()).toMatch(/Image cannot run locally \(image: .*\): GET \/Prod\/image answers 502/);
  });
});

describe("hdoc dev's parameters reach nested stacks (built binary)", () => {
  let nested: RunningDev;
  beforeAll(async () => {
    nested = await startHdocDev(["--template", "nested.yml", "--port", "0", "--param", "CodeRoot=."], { cwd: project.dir, home: home.home, timeoutMs: 60_000 });
  }, 90_000);
  afterAll(async () => {
    await nested?.stop();
  });

  it("passes its Stage default (dev) and a --param through the parent's Parameters to the child's functions (was: the child's Handler unresolved, dev refused to start)", async () => {
    const res = await fetch(`${nested.url}/staged`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ stage: "dev" });
  });
});

describe("hdoc dev over a template that is not UTF-8 (built binary)", () => {
  it("refuses to start, naming the byte, line and column, as cfn-lint and the SAM CLI refuse the file (was: started, the byte read as U+FFFD)", async () => {
    const { writeFileSync } = await import("node:fs");
    const path = await import("node:path");
    const { runHdoc } = await import("../helpers/hdoc.ts");
    const project = fixtureProject("test/fixtures/formats");
    const h = tempHome();
    try {
      writeFileSync(path.join(project.dir, "latin1.yml"), Buffer.from("Transform: AWS::Serverless-2016-10-31\nDescription: caf\xe9\nResources:\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties: { CodeUri: ., Handler: src/app.handler, Runtime: nodejs22.x }\n", "latin1"));
      const r = await runHdoc(["dev", "--template", "latin1.yml", "--port", "0"], { home: h.home, cwd: project.dir });
      expect([r.exitCode, r.stderr.trim()]).toEqual([9, [
        "error: the templates have 1 problem(s):",
        "  latin1.yml: byte 0xE9 at line 2, column 17 is not UTF-8 (CloudFormation, cfn-lint and the SAM CLI read templates only as UTF-8: save the file as UTF-8, e.g. with iconv -f latin1 -t utf-8)",
        "hint: fix the templates (the same checks run in CI), then run hdoc dev again",
      ].join("\n")]);
    } finally {
      h.cleanup();
      project.cleanup();
    }
  });

  it("stops cleanly when the reader of its output goes away (hdoc dev 2>&1 | head -3), as SIGPIPE would, its run folder removed", async () => {
    const { existsSync, readdirSync } = await import("node:fs");
    const path = await import("node:path");
    const { execa } = await import("execa");
    const { cleanEnv, HDOC_BIN } = await import("../helpers/hdoc.ts");
    const project = fixtureProject("test/fixtures/dev");
    const h = tempHome();
    try {
      const child = execa("node", [HDOC_BIN, "dev", "--json", "--port", "0"], { cwd: project.dir, env: cleanEnv(h.home), extendEnv: false, reject: false, stdin: "ignore", timeout: 60_000 });
      child.stderr!.destroy(); // "ready" goes to stderr: its first write meets the closed pipe
      const r = await child;
      // was: kept serving, its output dropped, until killed (timed out here)
      expect([r.exitCode, r.timedOut]).toEqual([0, false]);
      expect(JSON.parse(String(r.stdout))).toMatchObject({ url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/) });
      const devDir = path.join(project.dir, ".hdoc", "dev");
      expect(existsSync(devDir) ? readdirSync(devDir).filter((n) => n.startsWith("run-")) : []).toEqual([]);
    } finally {
      h.cleanup();
      project.cleanup();
    }
  }, 90_000);
});
