import { afterAll, describe, expect, it } from "vitest";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { runHdoc, tempHome } from "../helpers/hdoc.ts";
import { fixtureProject, startHdocDev } from "../helpers/dev-server.ts";
import { freePort } from "../helpers/net.ts";

const h = tempHome();
const project = fixtureProject("test/fixtures/dev");
afterAll(() => {
  project.cleanup();
  h.cleanup();
});
const hdoc = (args: string[], input?: string) => runHdoc(["invoke", ...args], { home: h.home, cwd: project.dir, input });

describe("hdoc invoke (built binary, the dev fixture project)", () => {
  it("runs a function once with a fixture event on the embedded, seeded database: the result on stdout, exit 0", async () => {
    const r = await hdoc(["GetItemFunction", "--event", "functions/get-item/events/get-item.json", "--seed-file", "seed.json"]);
    expect(r.exitCode, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout) as { statusCode: number; body: string };
    expect(result.statusCode).toBe(200);
    expect(JSON.parse(result.body)).toEqual({ owner: "ada", id: "a1", value: 3 });
    expect(r.stderr).toContain("seeded from seed.json");
  });

  it("reads the event from standard input with --event -, and --json wraps the result", async () => {
    const r = await hdoc(["Web/EchoFunction", "--event", "-", "--json"], JSON.stringify({ path: "/echo/stdin", queryStringParameters: { lookup: "AWS_LAMBDA_FUNCTION_NAME" } }));
    expect(r.exitCode, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as { function: string; ok: boolean; result: { body: string } };
    expect([doc.function, doc.ok, JSON.parse(doc.result.body)]).toEqual(["Web/EchoFunction", true, { AWS_LAMBDA_FUNCTION_NAME: "EchoFunction" }]);
  });

  it("exits 7 when the handler throws: Lambda's error document on stdout with the handler's stack in its trace", async () => {
    const r = await hdoc(["BoomFunction"]);
    expect(r.exitCode).toBe(7);
    const err = JSON.parse(r.stdout) as { errorType: string; errorMessage: string; trace: string[] };
    expect(err).toMatchObject({ errorType: "Error", errorMessage: "boom: the fixture handler failed on purpose" });
    expect(err.trace.join("\n")).toMatch(/functions\/boom\/handler\.ts:2/);
    expect(r.stderr).toContain("error: Web/BoomFunction failed: boom: the fixture handler failed on purpose");
  });

  it("--env-vars: a function's own entry wins over Parameters, which win over the template; undeclared names are ignored, as in SAM", async () => {
    const file = path.join(project.dir, "env.json");
    writeFileSync(file, JSON.stringify({ Parameters: { GREETING: "from Parameters", STAGE: "from Parameters", NOT_DECLARED: "x" }, EchoFunction: { GREETING: "from EchoFunction" }, GetItemFunction: { STAGE: "not mine" } }));
    const event = JSON.stringify({ queryStringParameters: { lookup: "GREETING,STAGE,ITEMS_TABLE,NOT_DECLARED" } });
    const r = await hdoc(["EchoFunction", "--event", "-", "--env-vars", "env.json"], event);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(JSON.parse((JSON.parse(r.stdout) as { body: string }).body)).toEqual({ GREETING: "from EchoFunction", STAGE: "from Parameters", ITEMS_TABLE: "echo-sees-its-own-value", NOT_DECLARED: null });
    const bad = await hdoc(["EchoFunction", "--env-vars", "-nope.json"]);
    expect(bad.exitCode).toBe(6);
    writeFileSync(file, JSON.stringify({ EchoFunction: { GREETING: { nested: true } } }));
    const invalid = await hdoc(["EchoFunction", "--env-vars", "env.json"]);
    expect([invalid.exitCode, invalid.stderr]).toEqual([2, expect.stringContaining("EchoFunction.GREETING must be a string, number or boolean")]);
  });

  it("invokes the stream consumer with a DynamoDB stream event against a running hdoc dev (--dynamo-endpoint)", async () => {
    const dev = await startHdocDev(["--port", String(await freePort()), "--seed-file", "seed.json"], { cwd: project.dir, home: h.home });
    try {
      expect((await fetch(`${dev.url}/totals/zoe`)).status).toBe(404); // zoe is only in the event
      const r = await hdoc(["SummerFunction", "--event", "functions/summer/events/items-stream.json", "--dynamo-endpoint", dev.dynamoEndpoint]);
      expect(r.exitCode, r.stderr).toBe(0);
      expect(r.stdout.trim()).toBe("null");
      const totals = await fetch(`${dev.url}/totals/zoe`);
      expect([totals.status, await totals.json()]).toEqual([200, { owner: "zoe", total: 0 }]);
    } finally {
      await dev.stop();
    }
  });

  it("names the problem in one line for an unknown function, a missing event file and bad JSON", async () => {
    const unknown = await hdoc(["NoSuchFunction"]);
    expect([unknown.exitCode, unknown.stderr]).toEqual([6, expect.stringContaining("NoSuchFunction: no such function in the templates")]);
    const missing = await hdoc(["EchoFunction", "--event", "nope.json"]);
    expect([missing.exitCode, missing.stderr]).toEqual([6, expect.stringContaining("--event nope.json cannot be read")]);
    const dir = mkdtempSync(path.join(tmpdir(), "hdoc-event-"));
    try {
      writeFileSync(path.join(dir, "bad.json"), "{ nope");
      const bad = await hdoc(["EchoFunction", "--event", path.join(dir, "bad.json")]);
      expect(bad.exitCode).toBe(2);
      expect(bad.stderr).toMatch(/^error: --event .*bad\.json is not valid JSON/m);
      expect(bad.stderr).not.toMatch(/\n\s+at /);
      // an event that is not UTF-8 (was: read with U+FFFD in its values, and run)
      writeFileSync(path.join(dir, "latin1.json"), Buffer.from('{"path": "/echo/caf\xe9"}', "latin1"));
      const latin1 = await hdoc(["EchoFunction", "--event", path.join(dir, "latin1.json")]);
      expect([latin1.exitCode, latin1.stderr.split("\n")[0]]).toEqual([2, `error: --event ${path.join(dir, "latin1.json")}: byte 0xE9 at line 1, column 20 is not UTF-8`]);
      expect(latin1.stdout).toBe("");
      writeFileSync(path.join(dir, "seed.json"), Buffer.from('{"ItemsTable": [{"owner": "Jos\xe9", "id": "1"}]}', "latin1"));
      const seed = await hdoc(["EchoFunction", "--seed-file", path.join(dir, "seed.json")]);
      expect([seed.exitCode, seed.stderr.split("\n")[0]]).toEqual([2, `error: seed file ${path.relative(project.dir, path.join(dir, "seed.json"))}: byte 0xE9 at line 1, column 31 is not UTF-8`]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
