import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
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

describe("hdoc dev: a stop with requests in flight", () => {
  const stopping = fixtureProject("test/fixtures/dev");
  afterAll(() => stopping.cleanup());
  const start = async () => startHdocDev(["--port", String(await freePort())], { cwd: stopping.dir, home: h.home });
  const runFolders = () => readdirSync(path.join(stopping.dir, ".hdoc", "dev")).filter((f) => f.startsWith("run-"));

  /** A request the echo function answers only once the test creates `release` (or never). */
  const held = async (running: RunningDev) => {
    const release = path.join(stopping.dir, `release-${Math.random().toString(36).slice(2)}`);
    const answer = fetch(`${running.url}/echo/x?hold=${encodeURIComponent(release)}`).then(
      async (r) => [r.status, await r.text()],
      (e: Error) => [((e.cause as NodeJS.ErrnoException | undefined)?.code ?? e.name), ""],
    );
    await eventually(async () => (running.stderr().includes(`echo holds until ${release} exists`) ? true : undefined));
    return { answer, release: () => writeFileSync(release, "") };
  };
  const told = (running: RunningDev, text: string) => eventually(async () => (running.stderr().includes(text) ? true : undefined));

  it("answers them before it stops, saying it waits (was: the connection closed under them, no answer)", async () => {
    const running = await start();
    const request = await held(running);
    running.signal("SIGINT");
    await told(running, "SIGINT: stopping\nwaiting for 1 request in flight to be answered (up to 5 s; Ctrl-C again stops now)\n");
    request.release();
    const stopped = await running.exited();
    expect(await request.answer).toEqual([200, "released"]);
    expect(stopped.exitCode, stopped.stderr).toBe(0);
    expect(stopped.stderr).toMatch(/GET \/echo\/x\?hold=\S+ 200 /);
    expect(stopped.stderr.trimEnd().endsWith("stopped")).toBe(true);
    expect(runFolders()).toEqual([]);
  });

  it("answers 502 to a request still in flight after 5 s, as its function stops, and says so in one line (was: the socket closed before the 502 was sent)", async () => {
    const running = await start();
    const request = await held(running); // never released
    running.signal("SIGINT");
    await told(running, "waiting for 1 request in flight");
    const stopped = await running.exited();
    expect(await request.answer).toEqual([502, '{"message":"Internal server error"}']);
    expect(stopped.exitCode, stopped.stderr).toBe(0);
    expect(stopped.stderr).toContain("warning: 1 request still in flight after 5 s: it answers 502\n");
    expect(stopped.stderr).toMatch(/\nWeb\/EchoFunction failed \(request \S+\): Runtime\.Stopped: Web\/EchoFunction: hdoc dev stopped the function before it answered\n/);
    expect(stopped.stderr).not.toMatch(/worker exited|\n\s+at /); // no stack trace for a stop's own doing
    expect(runFolders()).toEqual([]);
  }, 30_000);

  it("stops at once on a second Ctrl-C while it waits: exit 130, and the next start removes what it left", async () => {
    const running = await start();
    const request = await held(running); // never released
    running.signal("SIGINT");
    await told(running, "Ctrl-C again stops now");
    const stopped = await running.stop("SIGINT");
    expect(stopped.exitCode).toBe(130);
    expect(stopped.stderr).toContain("\ninterrupted\n");
    expect((await request.answer)[0]).not.toBe(200);
    expect(runFolders()).toHaveLength(1); // a forced stop leaves its work folder
    const next = await start();
    expect(runFolders()).toHaveLength(1); // the next run's own
    await next.stop();
  });

  it("under load from keep-alive clients: every request it took is answered by its function, none gets 502 (was: new requests on the kept connections after the count reached none met stopped workers)", async () => {
    const running = await start();
    const statuses: Array<number | string> = [];
    let stopping = false;
    const client = async () => {
      while (!stopping) {
        try {
          const r = await fetch(`${running.url}/echo/x?sleep=3`);
          await r.text();
          statuses.push(r.status);
        } catch (e) {
          statuses.push(((e as Error).cause as NodeJS.ErrnoException | undefined)?.code ?? "error");
          await new Promise((r) => setTimeout(r, 20));
        }
      }
    };
    const clients = Array.from({ length: 16 }, client);
    await eventually(async () => (statuses.filter((s) => s === 200).length >= 200 ? true : undefined));
    const stopped = await running.stop("SIGINT");
    stopping = true;
    await Promise.all(clients);
    expect(stopped.exitCode, stopped.stderr).toBe(0);
    expect(statuses.filter((s) => typeof s === "number" && s !== 200)).toEqual([]);
    expect(stopped.stderr).not.toMatch(/failed \(request|worker exited/);
  });

  it("waits for nothing when no request is in flight: an idle keep-alive connection does not count", async () => {
    const running = await start();
    expect((await fetch(`${running.url}/echo/exact`)).status).toBe(200); // a keep-alive connection, now idle
    const stopped = await running.stop("SIGINT");
    expect(stopped.exitCode).toBe(0);
    expect(stopped.stderr).not.toContain("waiting for");
    expect(stopped.stderr.trimEnd().endsWith("stopped")).toBe(true);
  });
});
