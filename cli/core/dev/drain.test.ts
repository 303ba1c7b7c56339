import { afterEach, describe, expect, it } from "vitest";
import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { drain, trackInFlight } from "./drain.ts";

const servers: Server[] = [];
afterEach(() => servers.splice(0).forEach((s) => s.closeAllConnections()));

/** A server whose handler answers after `answerMs` (never when undefined), and requests to it. */
async function world(answerMs: number | undefined) {
  const server = createServer((_req, res) => {
    if (answerMs !== undefined) setTimeout(() => res.end("done"), answerMs);
  });
  servers.push(server);
  const inFlight = trackInFlight(server);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  const send = () =>
    new Promise<string>((resolve) => {
      const req = request({ host: "127.0.0.1", port, path: "/", agent: false }, (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (d: string) => (body += d));
        res.on("end", () => resolve(body));
      });
      req.on("error", (e: NodeJS.ErrnoException) => resolve(e.code ?? "error"));
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
    expect(await answers).toEqual(["done", "done"]);
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
    expect(await w.send()).toBe("done");
    await drain(w.server, w.inFlight, w.log, 2000);
    expect(w.lines).toEqual([]);
    expect(await w.send()).toBe("ECONNREFUSED");
  });
});
