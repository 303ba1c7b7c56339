import { describe, expect, it } from "vitest";
import { batchedRequestLog, type DevLog } from "./request-log.ts";

const recorder = () => {
  const writes: string[] = [];
  const log: DevLog = { info: (l) => writes.push(`info ${l}`), warn: (l) => writes.push(`warn ${l}`), error: (l) => writes.push(`error ${l}`), request: (l) => writes.push(`request ${l}`), verbose: (l) => writes.push(`verbose ${l}`) };
  return { log, writes };
};
const turn = () => new Promise((r) => setImmediate(r));

describe("the request log of hdoc dev", () => {
  it("writes the lines of one turn of the event loop in one write, in order", async () => {
    const { log, writes } = recorder();
    const b = batchedRequestLog(log);
    b.request("GET /a 200");
    b.request("GET /b 404");
    expect(writes).toEqual([]);
    await turn();
    expect(writes).toEqual(["request GET /a 200\nGET /b 404"]);
    b.request("GET /c 200");
    await turn();
    expect(writes).toEqual(["request GET /a 200\nGET /b 404", "request GET /c 200"]);
  });

  it("writes pending request lines before any other line, so the order on the console is the order of events", () => {
    const { log, writes } = recorder();
    const b = batchedRequestLog(log);
    b.request("GET /a 200");
    b.error("Api/Fn failed: boom");
    b.request("GET /b 500");
    b.warn("w");
    b.request("GET /c 200");
    b.flush();
    expect(writes).toEqual(["request GET /a 200", "error Api/Fn failed: boom", "request GET /b 500", "warn w", "request GET /c 200"]);
  });
});
