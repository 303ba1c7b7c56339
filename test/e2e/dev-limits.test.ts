import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { existsSync, mkdirSync } from "node:fs";
import path from "node:path";
import { tempHome } from "../helpers/hdoc.ts";
import { freePort } from "../helpers/net.ts";
import { eventually, fixtureProject, startHdocDev, type RunningDev } from "../helpers/dev-server.ts";

// The limits API Gateway and Lambda put on a request, and a start that leaves nothing behind.
const h = tempHome();
const project = fixtureProject("test/fixtures/dev");
const devDir = path.join(project.dir, ".hdoc", "dev");
let dev: RunningDev;

beforeAll(async () => {
  // What kill -9 leaves: the work folder of a run whose process is gone, and one of a run still going (this one).
  mkdirSync(path.join(devDir, "run-999999-1700000000000", "x"), { recursive: true });
  mkdirSync(path.join(devDir, `run-${process.pid}-1700000000000`), { recursive: true });
  dev = await startHdocDev(["--port", String(await freePort())], { cwd: project.dir, home: h.home });
});
afterAll(async () => {
  await dev?.stop();
  project.cleanup();
  h.cleanup();
});

describe("hdoc dev: limits that hold, a clean start", () => {
  it("removes the work folders of killed runs at start and keeps those of live ones (was: left until deleted by hand)", () => {
    expect(existsSync(path.join(devDir, "run-999999-1700000000000"))).toBe(false);
    expect(existsSync(path.join(devDir, `run-${process.pid}-1700000000000`))).toBe(true);
  });

  it("answers 413 to an 11 MB body and keeps serving (was: buffered whole)", async () => {
    const r = await fetch(`${dev.url}/echo/upload`, { method: "POST", body: Buffer.alloc(11 * 1024 * 1024, 7) });
    expect([r.status, await r.json()]).toEqual([413, { message: "Request Too Long" }]);
    expect((await fetch(`${dev.url}/echo/exact`)).status).toBe(200);
  });

  it("answers 431 to request headers over API Gateway's 10240 bytes, at 11 KB and past Node's own 16 KB limit, and keeps serving (was: Node's bare 431 only past 16 KB)", async () => {
    for (const size of [11 * 1024, 40 * 1024, 100 * 1024]) {
      const r = await fetch(`${dev.url}/echo/exact`, { headers: { "X-Big": "b".repeat(size) } });
      expect([size, r.status, await r.json()]).toEqual([size, 431, { message: "HTTP header is larger than 10240 bytes." }]);
    }
    expect((await fetch(`${dev.url}/echo/exact`, { headers: { "X-Big": "b".repeat(9 * 1024) } })).status).toBe(200);
  });

  it("stops a runaway handler at its MemorySize, answers 502 as API Gateway does for a function error, logs it and replaces the worker (was: grew the process to gigabytes)", async () => {
    const r = await fetch(`${dev.url}/echo/x?grow=1`);
    expect([r.status, await r.text()]).toEqual([502, '{"message":"Internal server error"}']);
    // V8 collects hard before it gives up on a full heap: on a busy machine that takes a while.
    await eventually(async () => (dev.stderr().includes("EchoFunction: Runtime exited: out of memory (128 MB)") ? true : undefined), 45_000);
    const after = await fetch(`${dev.url}/echo/exact`);
    expect(after.status).toBe(200);
  }, 90_000);

  it("answers 502 to a newline in a returned header and keeps serving", async () => {
    const r = await fetch(`${dev.url}/echo/x?badheader=1`);
    expect(r.status).toBe(502);
    await eventually(async () => (dev.stderr().includes("header Node cannot send") ? true : undefined));
    expect((await fetch(`${dev.url}/echo/exact`)).status).toBe(200);
  });

  it("prints no Node warning, from start through requests to every function", async () => {
    for (const p of ["/items/ada/a1", "/totals/ada", "/boom", "/echo/exact"]) await fetch(dev.url + p);
    await fetch(`${dev.url}/items/ada`, { method: "POST", body: JSON.stringify({ id: "w", value: 1 }) });
    const stderr = dev.stderr();
    expect(stderr).not.toMatch(/Warning|\(node:\d+\)|DeprecationWarning|MaxListeners/);
  });
});
