import { afterEach, describe, expect, it } from "vitest";
import { Agent, createServer, request, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAtMost, drain, trackInFlight } from "./drain.ts";

const servers: Server[] = [];
afterEach(() => servers.splice(0).forEach((s) => s.closeAllConnections()));

/**
 * A server whose handler holds each response until the test releases it (`headersFirst`: its headers
 * sent at once), and requests to it, on one keep-alive connection when an agent is given.
 */
async function world(o: { headersFirst?: boolean } = {}) {
  const held: ServerResponse[] = [];
  const server = createServer((_req, res) => {
    if (o.headersFirst) res.writeHead(200).flushHeaders();
    held.push(res);
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
  /** Resolves once the server holds `n` requests. */
  const arrived = async (n: number) => {
    while (held.length < n) await new Promise((r) => setTimeout(r, 5));
  };
  const release = () => held.splice(0).forEach((res) => res.end("done"));
  /** A request answered at once, which leaves the agent's connection open. */
  const answered = async (agent: Agent | false = false) => {
    const r = send(agent);
    await arrived(1);
    release();
    return r;
  };
  return { server, inFlight, send, log, lines, arrived, release, answered };
}

/** Whether `p` has settled by now (after the events already queued). */
const settled = async (p: Promise<unknown>) => afterAtMost(p, 50);

describe("drain", () => {
  it("waits for the requests in flight, however long they take, and says how many", async () => {
    const w = await world();
    const answers = Promise.all([w.send(), w.send()]);
    await w.arrived(2);
    const drained = drain(w.server, w.inFlight, w.log, 60_000);
    expect(await settled(drained)).toBe(false);
    expect(w.lines).toEqual(["info: waiting for 2 requests in flight to be answered (up to 60 s; Ctrl-C again stops now)"]);
    w.release();
    await drained;
    expect(w.inFlight.size).toBe(0);
    expect((await answers).map((a) => a.body)).toEqual(["done", "done"]);
    expect(w.server.listening).toBe(false);
  });

  it("gives up after its time and says what is left", async () => {
    const w = await world();
    void w.send();
    await w.arrived(1);
    await drain(w.server, w.inFlight, w.log, 200);
    expect(w.inFlight.size).toBe(1);
    expect(w.lines).toEqual(["info: waiting for 1 request in flight to be answered (up to 0.2 s; Ctrl-C again stops now)", "warn: 1 request still in flight after 0.2 s: it answers 502"]);
  });

  it("says nothing and does not wait when none is in flight; new connections are refused", async () => {
    const w = await world();
    expect((await w.answered()).body).toBe("done");
    await drain(w.server, w.inFlight, w.log, 60_000);
    expect(w.lines).toEqual([]);
    expect((await w.send()).body).toBe("ECONNREFUSED");
  });

  it.each([
    ["ends a keep-alive connection with the response in flight (Connection: close): the client's next request is not taken (was: served after the count reached none)", false, "close"],
    ["closes a connection whose response had its headers sent before the stop (still keep-alive), once it is answered", true, "keep-alive"],
  ])("%s", async (_name, headersFirst, connection) => {
    const w = await world({ headersFirst });
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    expect(await w.answered(agent)).toEqual({ body: "done", connection: "keep-alive" }); // the connection, kept alive
    const first = w.send(agent);
    await w.arrived(1);
    const drained = drain(w.server, w.inFlight, w.log, 60_000);
    w.release();
    expect(await first).toEqual({ body: "done", connection });
    await drained;
    expect((await w.send(agent)).body).not.toBe("done");
    agent.destroy();
  });
});
