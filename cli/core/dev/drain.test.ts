import { afterEach, describe, expect, it } from "vitest";
import { Agent, createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { drain, trackInFlight } from "./drain.ts";

const servers: Server[] = [];
afterEach(() => servers.splice(0).forEach((s) => s.closeAllConnections()));

/**
 * A server whose handler answers after `answerMs` (never when undefined; `headersFirst`: its headers sent at
 * once), and requests to it, on one keep-alive connection when `agent` is given.
 */
async function world(answerMs: number | undefined, o: { headersFirst?: boolean } = {}) {
  const server = createServer((_req, res) => {
    if (o.headersFirst) res.writeHead(200).flushHeaders();
    if (answerMs !== undefined) setTimeout(() => res.end("done"), answerMs);
  });
  servers.push(server);
  const inFlight = trackInFlight(server);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  const send = (agent: Agent | false = false) =>
    new Promise<{ body: string; connection?: string }>((resolve) => {
      const req = request({ host: "127.0.0.1", port, path: "/", agent }, (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (d: string) => (body += d));
        res.on("end", () => resolve({ body, connection: res.headers.connection }));
      });
      req.on("error", (e: NodeJS.ErrnoException) => resolve({ body: e.code ?? "error" }));
      req.end();
    });
  const lines: string[] = [];
  const log = { info: (l: string) => lines.push(`info: ${l}`), warn: (l: string) => lines.push(`warn: ${l}`) };
  const arrived = async (n: number) => {
    while (inFlight.size < n) await new Promise((r) => setTimeout(r, 5));
  };
  return { server, inFlight, send, log, lines, arrived };
}

describe("drain", () => {
  it("waits for the requests in flight and says how many", async () => {
    const w = await world(150);
    const answers = Promise.all([w.send(), w.send()]);
    await w.arrived(2);
    await drain(w.server, w.inFlight, w.log, 2000);
    expect(w.inFlight.size).toBe(0);
    expect((await answers).map((a) => a.body)).toEqual(["done", "done"]);
    expect(w.lines).toEqual(["info: waiting for 2 requests in flight to be answered (up to 2 s; Ctrl-C again stops now)"]);
    expect(w.server.listening).toBe(false);
  });

  it("gives up after its time and says what is left", async () => {
    const w = await world(undefined);
    void w.send();
    await w.arrived(1);
    await drain(w.server, w.inFlight, w.log, 200);
    expect(w.inFlight.size).toBe(1);
    expect(w.lines).toEqual(["info: waiting for 1 request in flight to be answered (up to 0.2 s; Ctrl-C again stops now)", "warn: 1 request still in flight after 0.2 s: it answers 502"]);
  });

  it("says nothing and does not wait when none is in flight; new connections are refused", async () => {
    const w = await world(0);
    expect((await w.send()).body).toBe("done");
    await drain(w.server, w.inFlight, w.log, 2000);
    expect(w.lines).toEqual([]);
    expect((await w.send()).body).toBe("ECONNREFUSED");
  });

  it("ends a keep-alive connection with the response in flight: the client's next request is not taken (was: served after the count reached none)", async () => {
    const w = await world(100);
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    expect(await w.send(agent)).toEqual({ body: "done", connection: "keep-alive" }); // the connection, kept alive
    const first = w.send(agent);
    await w.arrived(1);
    const drained = drain(w.server, w.inFlight, w.log, 2000);
    expect(await first).toEqual({ body: "done", connection: "close" });
    await drained;
    expect((await w.send(agent)).body).not.toBe("done");
    agent.destroy();
  });

  it("closes a connection whose response had its headers sent before the stop, once it is answered", async () => {
    const w = await world(100, { headersFirst: true });
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const first = w.send(agent);
    await w.arrived(1);
    await drain(w.server, w.inFlight, w.log, 2000);
    expect(await first).toEqual({ body: "done", connection: "keep-alive" });
    expect((await w.send(agent)).body).not.toBe("done");
    agent.destroy();
  });
});
